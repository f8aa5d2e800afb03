"""Plain words for rules and choices, as a rep reads them."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from cpq.configuration.choices import Choice, ChoiceKind
from cpq.configuration.model import ConfigModel, Rule


def number(value: Decimal | int) -> str:
    return format(Decimal(value).normalize(), "f")


def option_name(model: ConfigModel, option: int) -> str:
    return model.options[option].sku


def names(model: ConfigModel, options: Sequence[int], joiner: str = "or") -> str:
    skus = [option_name(model, o) for o in options]
    if len(skus) <= 1:
        return "".join(skus)
    return f"{', '.join(skus[:-1])} {joiner} {skus[-1]}"


def sides(model: ConfigModel, options: Sequence[int]) -> str:
    return " + ".join(option_name(model, o) for o in options)


def describe_rule(model: ConfigModel, rule: Rule) -> str:
    """What the rule asks, in one sentence; the author's message when the model gives one."""
    if rule.message:
        return rule.message
    within = "" if rule.parent is None else f"{option_name(model, rule.parent)} > "
    if rule.kind == "group":
        assert rule.group is not None
        return f"{within}{model.groups[rule.group].name}: {_bounds(rule.min, rule.max)}"
    if rule.kind == "attribute":
        assert rule.attribute is not None
        return f"{within}{model.attributes[rule.attribute].name} takes exactly one value"
    assert rule.kind == "cardinality" or rule.kind == "quantity" or rule.subject is not None
    subject = option_name(model, rule.subject) if rule.subject is not None else ""
    if rule.kind == "requires":
        return f"{subject} requires {names(model, rule.options)}"
    if rule.kind == "excludes":
        return f"{subject} cannot be combined with {names(model, rule.options)}"
    if rule.kind == "implies":
        return f"{subject} brings {names(model, rule.options, 'and')}"
    if rule.kind == "compatible":
        conditions = " and ".join(
            f"{model.attributes[a].name} is {' or '.join(values)}" for a, values in rule.allowed
        )
        return f"{subject} only when {conditions}"
    if rule.kind == "cardinality":
        return f"{names(model, rule.options, 'and')}: {_bounds(rule.min, rule.max)}"
    right = sides(model, rule.others)
    if rule.factor != 1:
        right = f"{rule.factor} x ({right})" if len(rule.others) > 1 else f"{rule.factor} x {right}"
    if rule.offset:
        right = f"{right} {'+' if rule.offset > 0 else '-'} {abs(rule.offset)}"
    op = {">=": "≥", "<=": "≤", "==": "="}[rule.op]
    return f"quantity of {sides(model, rule.options)} {op} {right}"


def _bounds(low: int, high: int | None) -> str:
    if high is None:
        return f"at least {low} selected"
    if low == high:
        return f"exactly {low} selected"
    if low == 0:
        return f"at most {high} selected"
    return f"{low} to {high} selected"


def describe_choice(model: ConfigModel, choice: Choice) -> str:
    if choice.kind is ChoiceKind.VALUE:
        return f"{model.attributes[choice.target].name} = {choice.value}"
    sku = option_name(model, choice.target)
    if choice.kind is ChoiceKind.REJECT:
        return f"without {sku}"
    if choice.quantity is not None and model.options[choice.target].editable:
        return f"{number(choice.quantity)} x {sku}"
    return sku


def describe_choices(model: ConfigModel, choices: Sequence[Choice]) -> str:
    parts = [describe_choice(model, c) for c in choices]
    if len(parts) <= 1:
        return "".join(parts)
    return f"{', '.join(parts[:-1])} and {parts[-1]}"
