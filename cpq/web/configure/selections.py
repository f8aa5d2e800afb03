"""What the rep selected on the configuration page, and the choices that makes.

The rep's *picks* are what the form says: the options ticked (with quantities as typed) and the
attribute values. An option left unticked is undecided, never turned down, so the engine can
still add it when a choice needs it. Picks also come from the defaults, from a whole
configuration (a completion) and from a configured quote line. Pure.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol

from cpq.configuration.checking import Configuration
from cpq.configuration.choices import Choice, ChoiceKind, Selection, read_choices
from cpq.configuration.model import ConfigModel, OptionNode
from cpq.configuration.wording import number

PICKED = "g."  # + group id: the option ids ticked in the group ("" for none)
QUANTITY = "q."  # + option id: the quantity as typed
VALUE = "a."  # + attribute id: the value
COUNT = "count"  # bundles on the line
SHOWN = "shown."  # + a group's or attribute's field: its picks as the page showed them
MAX_COUNT = Decimal("1e12")


class Form(Protocol):
    def getlist(self, key: Any) -> list[Any]: ...


@dataclass(frozen=True, slots=True)
class Picks:
    options: Mapping[int, str]  # option index -> quantity as typed ("" when not editable)
    values: Mapping[int, str]  # attribute index -> value
    count: str = "1"  # bundles on the line, as typed


def _reachable(parent: int | None, picked: Mapping[int, str]) -> bool:
    """An option or attribute of a nested bundle counts only while the bundle is picked."""
    return parent is None or parent in picked


def default_picks(model: ConfigModel) -> Picks:
    """A new configuration: the defaults (of a nested bundle only when it is a default too)."""
    options: dict[int, str] = {}
    for option in model.options:  # a nested bundle's options come after its own option
        if option.default and _reachable(option.parent, options):
            options[option.index] = _typed(option, option.default_quantity())
    values = {
        a.index: a.default
        for a in model.attributes
        if a.default is not None and _reachable(a.parent, options)
    }
    return Picks(options, values)


def form_picks(model: ConfigModel, form: Form) -> Picks:
    """The picks the form sends; ids that are not in the model are left out."""
    options: dict[int, str] = {}
    for group in model.groups:  # nested groups come after the option they hang under
        if not _reachable(group.parent, options):
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
        if value in attribute.values and _reachable(attribute.parent, options):
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
    """The choices of a configured quote line as picks."""
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


# --- what the rep just changed ------------------------------------------------------------


def shown(model: ConfigModel, picks: Picks) -> dict[str, str]:
    """Every group's and attribute's picks in one string each, by field: the page sends them
    back, so the next answer knows which ones the rep changed."""
    found = {}
    for group in model.groups:
        found[PICKED + group.id] = " ".join(
            f"{model.options[o].id}={picks.options[o]}" for o in group.options if o in picks.options
        )
    for attribute in model.attributes:
        found[VALUE + attribute.id] = picks.values.get(attribute.index, "")
    return found


def changed(model: ConfigModel, picks: Picks, form: Form | None) -> frozenset[str]:
    """The fields of the groups and attributes whose picks differ from what the page showed
    (none when the form is not from the page)."""
    if form is None:
        return frozenset()
    return frozenset(
        field
        for field, now in shown(model, picks).items()
        if (before := _texts(form, SHOWN + field)) and before[0] != now
    )


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
