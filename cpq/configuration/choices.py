"""What the rep has chosen so far: options selected (with a quantity when it is theirs to set),
options turned down, attribute values. Built from option and attribute ids, with an issue for
every id, quantity or value that does not fit the model."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from cpq.catalog.issues import Issue, error
from cpq.configuration.model import ConfigModel


class ChoiceKind(StrEnum):
    SELECT = "select"
    REJECT = "reject"
    VALUE = "value"


@dataclass(frozen=True, slots=True)
class Choice:
    kind: ChoiceKind
    target: int  # option index (select, reject) or attribute index (value)
    quantity: Decimal | None = None  # select: the quantity per bundle unit, when given
    value: str | None = None  # value


@dataclass(frozen=True, slots=True)
class Selection:
    option: str  # option id, or a SKU found once in the model
    quantity: Decimal | None = None


@dataclass(frozen=True, slots=True)
class ConfigurationRequest:
    """A bundle and the rep's choices, as ids and values (not yet checked against the model)."""

    bundle: str
    selections: tuple[Selection, ...] = ()
    rejected: tuple[str, ...] = ()
    attributes: Mapping[str, str] = field(default_factory=dict)


def read_choices(
    model: ConfigModel,
    selected: Sequence[Selection],
    rejected: Sequence[str] = (),
    values: Mapping[str, str] | None = None,
) -> tuple[list[Choice], list[Issue]]:
    """The choices in the order given (selections, then rejections, then attribute values)."""
    choices: list[Choice] = []
    issues: list[Issue] = []
    taken: dict[int, str] = {}
    for n, selection in enumerate(selected):
        at = f"selections[{n}]"
        index = _option(model, selection.option, at, issues)
        if index is None or _twice(index, at, taken, issues):
            continue
        problem = _quantity_problem(model, index, selection.quantity)
        if problem:
            issues.append(error("bad_quantity", problem, column=f"{at}.quantity"))
            continue
        choices.append(Choice(ChoiceKind.SELECT, index, selection.quantity))
    for n, option in enumerate(rejected):
        at = f"rejected[{n}]"
        index = _option(model, option, at, issues)
        if index is not None and not _twice(index, at, taken, issues):
            choices.append(Choice(ChoiceKind.REJECT, index))
    for code, value in (values or {}).items():
        at = f"attributes.{code}"
        attribute = model.attribute_ids.get(code)
        if attribute is None:
            issues.append(error("unknown_attribute", f"{code!r} is not an attribute", column=at))
            continue
        known = model.attributes[attribute].values
        if value not in known:
            message = f"{value!r} is not a value of {code!r} (one of {', '.join(known)})"
            issues.append(error("unknown_value", message, column=at))
            continue
        choices.append(Choice(ChoiceKind.VALUE, attribute, value=value))
    return choices, issues


def _option(model: ConfigModel, option: str, at: str, issues: list[Issue]) -> int | None:
    index = model.option_ids.get(option)
    if index is None:
        found = [o.index for o in model.options if o.sku == option]
        index = found[0] if len(found) == 1 else None
    if index is None:
        message = f"{option!r} is not an option of bundle {model.code}"
        issues.append(error("unknown_option", message, column=at))
    return index


def _twice(index: int, at: str, taken: dict[int, str], issues: list[Issue]) -> bool:
    first = taken.setdefault(index, at)
    if first != at:
        issues.append(error("duplicate_choice", f"the option is also chosen in {first}", column=at))
        return True
    return False


def _quantity_problem(model: ConfigModel, index: int, quantity: Decimal | None) -> str | None:
    if quantity is None:
        return None
    option = model.options[index]
    editable = option.quantity.editable
    if editable is None:
        fixed = option.fixed_quantity()
        if quantity != fixed:
            return f"the quantity of {option.sku} is set by the model ({fixed})"
        return None
    if not editable.min <= quantity <= editable.max:
        return f"the quantity of {option.sku} is {editable.min} to {editable.max}, not {quantity}"
    if index in model.counted and quantity != quantity.to_integral_value():
        return f"the quantity of {option.sku} is counted in whole units, not {quantity}"
    return None
