"""The bundle configuration page as data: every option group of a product model with each option
chosen, open, added or closed (and why, in words), the attribute values likewise, what is still
wrong with the configuration, and the price so far.

The rep's *picks* are what the form says: the options ticked (with quantities as typed) and the
attribute values. An option left unticked is undecided, never turned down, so the engine can
still add it when a choice needs it. A single-choice group (radio buttons) switches: the states
of its alternatives come from an evaluation without the group's own pick, so picking another one
replaces it instead of being closed by it; the same for an attribute's values. Pure: the
evaluations come in as a function, the prices as data.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol

from cpq.configuration.checking import Configuration
from cpq.configuration.choices import Choice, ChoiceKind, Selection, read_choices
from cpq.configuration.evaluate import Evaluation, Reason, State
from cpq.configuration.lines import bundle_line
from cpq.configuration.model import ConfigModel, GroupNode, OptionNode
from cpq.configuration.wording import describe_rule, number
from cpq.pricing.inputs import LineInput

PICKED = "g."  # + group id: the option ids ticked in the group ("" for none)
QUANTITY = "q."  # + option id: the quantity as typed
VALUE = "a."  # + attribute id: the value
COUNT = "count"  # bundles on the line
MAX_COUNT = Decimal("1e12")
LINE_ID = "1"
STRUCTURE = frozenset(
    {"group", "attribute"}
)  # rule kinds the model's shape makes  # the bundle's line id while pricing it alone

Evaluate = Callable[[Sequence[Choice]], Evaluation]


class Form(Protocol):
    def getlist(self, key: Any) -> list[Any]: ...


# --- what the rep picked ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Picks:
    options: Mapping[int, str]  # option index -> quantity as typed ("" when not editable)
    values: Mapping[int, str]  # attribute index -> value
    count: str = "1"  # bundles on the line, as typed


def _reachable(model: ConfigModel, parent: int | None, picked: Mapping[int, str]) -> bool:
    """An option or attribute of a nested bundle counts only while the bundle is picked."""
    return parent is None or parent in picked


def default_picks(model: ConfigModel) -> Picks:
    """A new configuration: the defaults (of a nested bundle only when it is a default too)."""
    options: dict[int, str] = {}
    for option in model.options:  # a nested bundle's options come after its own option
        if option.default and _reachable(model, option.parent, options):
            options[option.index] = _typed(option, option.default_quantity())
    values = {
        a.index: a.default
        for a in model.attributes
        if a.default is not None and _reachable(model, a.parent, options)
    }
    return Picks(options, values)


def form_picks(model: ConfigModel, form: Form) -> Picks:
    """The picks the form sends; ids that are not in the model are left out."""
    options: dict[int, str] = {}
    for group in model.groups:  # nested groups come after the option they hang under
        if not _reachable(model, group.parent, options):
            continue
        for wanted in _texts(form, PICKED + group.id):
            index = model.option_ids.get(wanted)
            if index is not None and index in group.options:
                option = model.options[index]
                typed = ""
                if option.editable:  # just ticked: no field yet, so the default quantity
                    sent = _texts(form, QUANTITY + option.id)
                    typed = sent[0].strip() if sent else number(option.default_quantity())
                options[index] = typed
    values = {}
    for attribute in model.attributes:
        value = _first(form, VALUE + attribute.id)
        if value in attribute.values and _reachable(model, attribute.parent, options):
            values[attribute.index] = value
    return Picks(options, values, _first(form, COUNT) or "1")


def configuration_picks(model: ConfigModel, config: Configuration, count: str) -> Picks:
    """A whole configuration (a completion, a stored line) as picks."""
    return Picks(
        {
            o: _typed(model.options[o], config.quantities.get(o, Decimal(1)))
            for o in sorted(config.selected)
        },
        dict(config.values),
        count,
    )


def choices_picks(model: ConfigModel, choices: Sequence[Choice], count: str) -> Picks:
    options = {
        c.target: _typed(
            model.options[c.target], c.quantity or model.options[c.target].default_quantity()
        )
        for c in choices
        if c.kind is ChoiceKind.SELECT
    }
    values = {c.target: c.value for c in choices if c.kind is ChoiceKind.VALUE and c.value}
    return Picks(options, values, count)


def _typed(option: OptionNode, quantity: Decimal) -> str:
    return number(quantity) if option.editable else ""


def _texts(form: Form, key: str) -> list[str]:
    return [v for v in form.getlist(key) if isinstance(v, str)]


def _first(form: Form, key: str) -> str:
    found = _texts(form, key)
    return found[0].strip() if found else ""


# --- the picks as choices --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Read:
    choices: tuple[Choice, ...]
    errors: Mapping[str, str]  # form field -> what is wrong with what was typed
    count: Decimal | None  # None when the typed count is wrong


def read(model: ConfigModel, picks: Picks) -> Read:
    """The choices the picks make. A quantity typed wrong is reported at its field and the
    option counts at its default quantity meanwhile."""
    errors: dict[str, str] = {}
    choices = []
    for index, typed in picks.options.items():
        option = model.options[index]
        quantity = None
        if option.editable:
            quantity = _quantity(model, option, typed, errors)
        choices.append(Choice(ChoiceKind.SELECT, index, quantity))
    choices.extend(
        Choice(ChoiceKind.VALUE, attribute, value=value)
        for attribute, value in picks.values.items()
    )
    count = _decimal(picks.count)
    if count is None or not Decimal(0) < count <= MAX_COUNT:
        errors[COUNT] = "Give how many bundles: a number above 0, at most 6 decimals."
        count = None
    return Read(tuple(choices), errors, count)


def _decimal(text: str) -> Decimal | None:
    cleaned = text.strip().replace(",", ".")
    try:
        value = Decimal(cleaned)
    except (InvalidOperation, ValueError):
        return None
    exponent = value.as_tuple().exponent
    if not value.is_finite() or not isinstance(exponent, int) or exponent < -6:
        return None
    return value


def _quantity(
    model: ConfigModel, option: OptionNode, typed: str, errors: dict[str, str]
) -> Decimal | None:
    value = _decimal(typed)
    if value is None:
        errors[QUANTITY + option.id] = (
            f"{typed!r} is not a quantity." if typed else "Give a quantity."
        )
        return None
    _, issues = read_choices(model, [Selection(option.id, value)])
    if issues:  # the engine's own bounds: min..max, whole units where a rule counts them
        message = issues[0].message
        errors[QUANTITY + option.id] = f"{message[:1].upper()}{message[1:]}."
        return None
    return value


def is_switch(group: GroupNode) -> bool:
    """Radio buttons: one option at most, out of several."""
    return group.max == 1 and len(group.options) > 1


@dataclass(frozen=True, slots=True)
class Evaluated:
    main: Evaluation
    by_group: Mapping[int, Evaluation]  # a switch group with a pick: evaluated without it
    by_attribute: Mapping[int, Evaluation]  # an attribute with a value: evaluated without it


def evaluate_all(model: ConfigModel, choices: Sequence[Choice], evaluate: Evaluate) -> Evaluated:
    main = evaluate(choices)
    by_group = {}
    for group in model.groups:
        if is_switch(group) and any(
            c.kind is ChoiceKind.SELECT and c.target in group.options for c in choices
        ):
            switched = set(group.options)  # with everything chosen inside them
            by_group[group.index] = evaluate(
                [c for c in choices if not _within(model, c, switched)]
            )
    by_attribute = {}
    for attribute in model.attributes:
        if any(c.kind is ChoiceKind.VALUE and c.target == attribute.index for c in choices):
            by_attribute[attribute.index] = evaluate(
                [
                    c
                    for c in choices
                    if not (c.kind is ChoiceKind.VALUE and c.target == attribute.index)
                ]
            )
    return Evaluated(main, by_group, by_attribute)


def _within(model: ConfigModel, choice: Choice, options: set[int]) -> bool:
    """``choice`` is about one of ``options`` or about something of a bundle nested in one."""
    if choice.kind is ChoiceKind.VALUE:
        at = model.attributes[choice.target].parent
    else:
        at = choice.target
    while at is not None:
        if at in options:
            return True
        at = model.options[at].parent
    return False


# --- the page --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Why:
    """Why an option is closed or was added: the rules in words, and the choices behind it."""

    kind: str  # "closed" or "added"
    rules: str
    because: str  # "You chose ..." or ""


@dataclass(frozen=True, slots=True)
class OptionView:
    index: int
    id: str
    sku: str
    name: str
    checked: bool
    disabled: bool
    why: Why | None
    editable: bool
    quantity: str  # as typed (editable) or the model's (shown)
    quantity_min: str
    quantity_max: str
    quantity_error: str | None
    per_bundle: bool  # the quantity counts per bundle on the line
    amount: Any  # the option's price on the line when priced
    groups: tuple[GroupView, ...] = ()  # of the bundle this option is, when chosen
    attributes: tuple[AttributeView, ...] = ()

    @property
    def field(self) -> str:
        return QUANTITY + self.id


@dataclass(frozen=True, slots=True)
class NoneView:
    checked: bool
    disabled: bool
    why: Why | None


@dataclass(frozen=True, slots=True)
class GroupView:
    index: int
    id: str
    name: str
    switch: bool
    hint: str
    options: tuple[OptionView, ...]
    none: NoneView | None
    problem: str | None

    @property
    def field(self) -> str:
        return PICKED + self.id


@dataclass(frozen=True, slots=True)
class ValueView:
    value: str
    checked: bool
    disabled: bool
    why: Why | None


@dataclass(frozen=True, slots=True)
class AttributeView:
    index: int
    id: str
    name: str
    values: tuple[ValueView, ...]
    problem: str | None

    @property
    def field(self) -> str:
        return VALUE + self.id


@dataclass(frozen=True, slots=True)
class PriceView:
    total: Any
    one_time: Any
    monthly: Any  # recurring per month; 0 when none
    bundle_amount: Any  # the parent item's own line


@dataclass(frozen=True, slots=True)
class ConfigureView:
    code: str
    name: str
    sku: str
    valid: bool
    groups: tuple[GroupView, ...]
    attributes: tuple[AttributeView, ...]
    problems: tuple[str, ...]  # every rule the configuration breaks, and a conflict
    errors: Mapping[str, str]  # typed fields at fault
    count: str
    price: PriceView | None
    chosen: int  # options in the configuration

    @property
    def ready(self) -> bool:
        return self.valid and not self.errors


def _sentence(text: str) -> str:
    text = text.strip()
    return text if text.endswith((".", "!", "?")) else f"{text}."


def choice_text(model: ConfigModel, names: Mapping[str, str], choice: Choice) -> str:
    if choice.kind is ChoiceKind.VALUE:
        return f"{model.attributes[choice.target].name}: {choice.value}"
    option = model.options[choice.target]
    name = names.get(option.sku, option.sku)
    if choice.kind is ChoiceKind.REJECT:
        return f"no {name}"
    if choice.quantity is not None and option.editable:
        return f"{number(choice.quantity)} \N{MULTIPLICATION SIGN} {name}"
    return name


def _joined(parts: Sequence[str]) -> str:
    return parts[0] if len(parts) == 1 else f"{', '.join(parts[:-1])} and {parts[-1]}"


def why(
    model: ConfigModel,
    names: Mapping[str, str],
    evaluation: Evaluation,
    reason: Reason | None,
    kind: str,
) -> Why:
    if reason is None:
        return Why(kind, "", "")
    authored = [r for r in reason.rules if model.rules[r].kind not in STRUCTURE]
    shown = authored or reason.rules  # a group's or attribute's own bounds go without saying
    rules = " ".join(_sentence(describe_rule(model, model.rules[r])) for r in shown)
    chosen = [choice_text(model, names, evaluation.choices[c]) for c in reason.choices]
    if not rules and chosen:  # the structure alone: an option of a nested bundle
        rules = "It is part of a bundle that is not chosen."
    because = f"You chose {_joined(chosen)}." if chosen else ""
    return Why(kind, rules, because)


def build(
    model: ConfigModel,
    names: Mapping[str, str],
    picks: Picks,
    was_read: Read,
    evaluated: Evaluated,
    priced: Mapping[str, Any] | None,
) -> ConfigureView:
    main = evaluated.main
    config = main.configuration
    amounts = _amounts(model, priced)
    group_problems: dict[int, str] = {}
    attribute_problems: dict[int, str] = {}
    problems = []
    if not main.consistent and main.conflict is not None:
        clash = why(model, names, main, main.conflict, "closed")
        problems.append(f"These choices cannot go together. {clash.rules} {clash.because}".strip())
    for violation in main.violations:
        rule = model.rules[violation.rule] if violation.rule is not None else None
        message = _sentence(violation.message.replace(".; ", ". "))
        if rule is not None and rule.kind == "group" and rule.group is not None:
            group = model.groups[rule.group]
            count = len(violation.options)
            message = f"{group.name}: {_hint(group).lower()} ({count or 'none'} chosen)."
            group_problems[rule.group] = message
        problems.append(message)
        if rule is not None and rule.kind == "attribute" and rule.attribute is not None:
            attribute_problems[rule.attribute] = message

    def option_view(option: OptionNode, seen: Evaluation) -> OptionView:
        state = seen.options[option.index]
        chosen = option.index in config.selected
        picked = option.index in picks.options
        disabled, reason = False, None
        if chosen and not picked:  # added by the engine: it goes when its reason goes
            disabled = True
            implied = main.options[option.index]
            reason = why(model, names, main, implied.reason, "added")
        elif not chosen and state.state is State.CLOSED:
            disabled = True
            reason = why(model, names, seen, state.reason, "closed")
        editable = option.quantity.editable
        if picked and option.editable:
            quantity = picks.options[option.index]
        else:
            quantity = number(config.quantities.get(option.index, option.default_quantity()))
        nested = chosen and option.bundle is not None
        return OptionView(
            index=option.index,
            id=option.id,
            sku=option.sku,
            name=names.get(option.sku, option.sku),
            checked=chosen,
            disabled=disabled,
            why=reason,
            editable=picked and option.editable,
            quantity=quantity,
            quantity_min=number(editable.min) if editable else "",
            quantity_max=number(editable.max) if editable else "",
            quantity_error=was_read.errors.get(QUANTITY + option.id),
            per_bundle=option.quantity.fixed is None,
            amount=amounts.get(option.index),
            groups=groups_under(option.index) if nested else (),
            attributes=attributes_under(option.index) if nested else (),
        )

    def group_view(group: GroupNode) -> GroupView:
        seen = evaluated.by_group.get(group.index, main)
        options = tuple(option_view(model.options[o], seen) for o in group.options)
        none = None
        if is_switch(group) and group.min == 0:
            forced = next((seen.options[o] for o in group.options if _implied(seen, o)), None)
            none = NoneView(
                checked=not any(o.checked for o in options),
                disabled=forced is not None,
                why=why(model, names, seen, forced.reason, "closed") if forced else None,
            )
        return GroupView(
            index=group.index,
            id=group.id,
            name=group.name,
            switch=is_switch(group),
            hint=_hint(group),
            options=options,
            none=none,
            problem=group_problems.get(group.index),
        )

    def attribute_view(index: int) -> AttributeView:
        attribute = model.attributes[index]
        seen = evaluated.by_attribute.get(index, main)
        states = {v.value: v for v in seen.values if v.attribute == index}
        current = config.values.get(index)
        values = []
        for value in attribute.values:
            checked = value == current
            state = states[value]
            if checked and index not in picks.values:
                implied = next(v for v in main.values if v.attribute == index and v.value == value)
                values.append(
                    ValueView(value, True, True, why(model, names, main, implied.reason, "added"))
                )
            elif not checked and state.state is State.CLOSED:
                values.append(
                    ValueView(value, False, True, why(model, names, seen, state.reason, "closed"))
                )
            else:
                values.append(ValueView(value, checked, False, None))
        return AttributeView(
            index, attribute.id, attribute.name, tuple(values), attribute_problems.get(index)
        )

    def groups_under(parent: int | None) -> tuple[GroupView, ...]:
        return tuple(group_view(g) for g in model.groups if g.parent == parent)

    def attributes_under(parent: int | None) -> tuple[AttributeView, ...]:
        return tuple(attribute_view(a.index) for a in model.attributes if a.parent == parent)

    return ConfigureView(
        code=model.code,
        name=names.get(model.sku, model.name),
        sku=model.sku,
        valid=main.valid,
        groups=groups_under(None),
        attributes=attributes_under(None),
        problems=tuple(problems),
        errors=was_read.errors,
        count=picks.count,
        price=_price(priced),
        chosen=len(config.selected),
    )


def _implied(evaluation: Evaluation, option: int) -> bool:
    return evaluation.options[option].state is State.IMPLIED


def _hint(group: GroupNode) -> str:
    low, high, many = group.min, group.max, len(group.options)
    if high == 1:
        return "Choose one" if low == 1 else "Optional: one at most"
    if low == high:
        return f"Choose {low}"
    if low == 0:
        return "Optional" if high >= many else f"Optional: up to {high}"
    return f"Choose at least {low}" if high >= many else f"Choose {low} to {high}"


# --- pricing the bundle alone ----------------------------------------------------------------


def priced_line(model: ConfigModel, config: Configuration, count: Decimal) -> dict[str, Any]:
    """The configured bundle expanded into its option lines, as a stored line for pricing: the
    same lines the quote prices for the configuration."""
    return _line_dict(bundle_line(model, config, LINE_ID, count))


def _line_dict(line: LineInput) -> dict[str, Any]:
    return {
        "id": line.line_id,
        "sku": line.sku,
        "quantity": format(line.quantity, "f"),
        "per_parent_unit": line.per_parent_unit,
        "options": [_line_dict(o) for o in line.options],
    }


def stored_configuration(model: ConfigModel, config: Configuration) -> dict[str, Any]:
    """The configuration a quote line keeps: every option of it (the implied ones too) with its
    quantity, and the attribute values; the quote checks and expands it again when pricing."""
    return {
        "bundle": model.code,
        "selections": [
            {"option": o.id, "quantity": format(config.quantities[o.index], "f")}
            for o in model.options
            if o.index in config.selected
        ],
        "attributes": {model.attributes[a].id: v for a, v in sorted(config.values.items())},
    }


def _amounts(model: ConfigModel, priced: Mapping[str, Any] | None) -> dict[int, Any]:
    if not priced:
        return {}
    prefix = f"{LINE_ID}/"
    by_line = {ln["line_id"]: ln["final_amount"] for ln in priced["lines"]}
    found = {}
    for option in model.options:
        amount = by_line.get(prefix + option.id)
        if amount is not None:
            found[option.index] = amount
    return found


def _price(priced: Mapping[str, Any] | None) -> PriceView | None:
    if not priced:
        return None
    totals = priced["totals"]
    own = next((ln["final_amount"] for ln in priced["lines"] if ln["line_id"] == LINE_ID), None)
    return PriceView(
        total=totals["total"],
        one_time=totals["one_time_total"],
        monthly=totals["recurring_monthly_total"],
        bundle_amount=own,
    )
