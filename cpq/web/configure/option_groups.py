"""The configuration page as data: every option group of a product model with each option
chosen, open, added or closed (and why, in words), the attribute values likewise, what is still
wrong with the configuration, and the price so far. Pure: the evaluations and the prices come
in as data.

A group (and an attribute) folds to one line on a phone: its name, what is chosen in it and
what that adds to the price, and anything in it to fix. It is shown unfolded when the rep just
changed it, when something in it is to fix, or when a group inside it is unfolded.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from cpq.configuration.evaluate import Evaluation, State
from cpq.configuration.model import ConfigModel, GroupNode, OptionNode
from cpq.configuration.wording import number
from cpq.web.configure.bundle_price import PriceView, option_amounts, price_view
from cpq.web.configure.option_states import Evaluated, is_switch
from cpq.web.configure.problems import hint, problems_of
from cpq.web.configure.reasons import Why, why
from cpq.web.configure.selections import PICKED, QUANTITY, VALUE, Picks, Read, shown


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
    chosen: str  # what is chosen in it: "2 \N{MULTIPLICATION SIGN} Name \N{MIDDLE DOT} ..."
    adds: Decimal | None  # what it adds to the price, with everything nested in it
    to_fix: tuple[str, ...]  # everything in it (and nested in it) to fix
    open: bool  # shown unfolded
    shown: str  # its picks as shown, sent back to tell a change

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
    to_fix: tuple[str, ...]
    open: bool
    shown: str

    @property
    def chosen(self) -> str:
        return next((v.value for v in self.values if v.checked), "")

    @property
    def field(self) -> str:
        return VALUE + self.id


@dataclass(frozen=True, slots=True)
class ConfigureView:
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


def build(
    model: ConfigModel,
    names: Mapping[str, str],
    picks: Picks,
    was_read: Read,
    evaluated: Evaluated,
    priced: Mapping[str, Any] | None,
    changed: frozenset[str] = frozenset(),
) -> ConfigureView:
    """The page; ``changed``: the fields of the groups and attributes the rep just changed."""
    main = evaluated.main
    config = main.configuration
    amounts = option_amounts(model, priced)
    problems = problems_of(model, names, main)
    as_shown = shown(model, picks)

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
        chosen = [o for o in options if o.checked]
        inside: list[GroupView | AttributeView] = [
            *(g for o in chosen for g in o.groups),
            *(a for o in chosen for a in o.attributes),
        ]
        to_fix = _once(
            [
                *problems.at_group.get(group.index, ()),
                *(o.quantity_error for o in options if o.quantity_error),
                *(m for part in inside for m in part.to_fix),
            ]
        )
        field = PICKED + group.id
        return GroupView(
            index=group.index,
            id=group.id,
            name=group.name,
            switch=is_switch(group),
            hint=hint(group),
            options=options,
            none=none,
            chosen=" \N{MIDDLE DOT} ".join(
                f"{o.quantity} \N{MULTIPLICATION SIGN} {o.name}" for o in chosen
            ),
            adds=_adds(chosen) if priced and chosen else None,
            to_fix=to_fix,
            open=field in changed or bool(to_fix) or any(part.open for part in inside),
            shown=as_shown[field],
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
        to_fix = problems.at_attribute.get(index, ())
        field = VALUE + attribute.id
        return AttributeView(
            index=index,
            id=attribute.id,
            name=attribute.name,
            values=tuple(values),
            to_fix=to_fix,
            open=field in changed or bool(to_fix),
            shown=as_shown[field],
        )

    def groups_under(parent: int | None) -> tuple[GroupView, ...]:
        return tuple(group_view(g) for g in model.groups if g.parent == parent)

    def attributes_under(parent: int | None) -> tuple[AttributeView, ...]:
        return tuple(attribute_view(a.index) for a in model.attributes if a.parent == parent)

    return ConfigureView(
        name=names.get(model.sku, model.name),
        sku=model.sku,
        valid=main.valid,
        groups=groups_under(None),
        attributes=attributes_under(None),
        problems=problems.all,
        errors=was_read.errors,
        count=picks.count,
        price=price_view(priced),
        chosen=len(config.selected),
    )


def _adds(chosen: Iterable[OptionView]) -> Decimal:
    """The amounts of the chosen options and of everything chosen in the bundles they are."""
    total = Decimal(0)
    for option in chosen:
        if option.amount is not None:
            total += Decimal(str(option.amount))
        total += sum((g.adds or Decimal(0) for g in option.groups), Decimal(0))
    return total


def _once(messages: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(messages))


def _implied(evaluation: Evaluation, option: int) -> bool:
    return evaluation.options[option].state is State.IMPLIED
