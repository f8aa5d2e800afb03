"""Check a whole configuration against every rule, directly (no solver): what ``valid`` means.

A configuration is the options selected, a value per attribute, and a quantity per selected
option. A rule of a nested bundle applies only when that bundle's option is selected.
"""

from __future__ import annotations

from collections.abc import Mapping, Set
from dataclasses import dataclass, field
from decimal import Decimal

from cpq.configuration.model import ConfigModel, Rule
from cpq.configuration.wording import describe_rule, names, number, option_name, sides


@dataclass(frozen=True, slots=True)
class Configuration:
    selected: frozenset[int]
    values: Mapping[int, str] = field(default_factory=dict)  # attribute -> value
    quantities: Mapping[int, Decimal] = field(default_factory=dict)  # option -> per bundle unit

    def quantity(self, option: int) -> Decimal:
        return self.quantities.get(option, Decimal(0)) if option in self.selected else Decimal(0)


@dataclass(frozen=True, slots=True)
class Violation:
    rule: int | None  # None: an option of a nested bundle whose option is not selected
    message: str
    options: tuple[int, ...]  # the selected options involved


def violations(model: ConfigModel, config: Configuration) -> list[Violation]:
    found = []
    for option in sorted(config.selected):
        parent = model.options[option].parent
        if parent is not None and parent not in config.selected:
            message = f"{option_name(model, option)} is part of {option_name(model, parent)}, "
            found.append(Violation(None, message + "which is not selected", (option,)))
    for rule in model.rules:
        if rule.parent is None or rule.parent in config.selected:
            problem = _CHECKS[rule.kind](model, rule, config)
            if problem is not None:
                message, options = problem
                found.append(Violation(rule.index, message, options))
    return found


Problem = tuple[str, tuple[int, ...]] | None


def _chosen(options: tuple[int, ...], selected: Set[int]) -> tuple[int, ...]:
    return tuple(o for o in options if o in selected)


def _count(model: ConfigModel, rule: Rule, config: Configuration) -> Problem:
    chosen = _chosen(rule.options, config.selected)
    if rule.min <= len(chosen) and (rule.max is None or len(chosen) <= rule.max):
        return None
    what = describe_rule(model, rule)
    picked = f"{len(chosen)} selected" + (f" ({names(model, chosen, 'and')})" if chosen else "")
    return f"{what}; {picked}", chosen


def _attribute(model: ConfigModel, rule: Rule, config: Configuration) -> Problem:
    assert rule.attribute is not None
    if rule.attribute in config.values:
        return None
    return f"choose a value for {model.attributes[rule.attribute].name}", ()


def _requires(model: ConfigModel, rule: Rule, config: Configuration) -> Problem:
    assert rule.subject is not None
    if rule.subject not in config.selected or _chosen(rule.options, config.selected):
        return None
    return describe_rule(model, rule), (rule.subject,)


def _excludes(model: ConfigModel, rule: Rule, config: Configuration) -> Problem:
    assert rule.subject is not None
    clash = _chosen(rule.options, config.selected)
    if rule.subject not in config.selected or not clash:
        return None
    message = f"{describe_rule(model, rule)}; both {option_name(model, rule.subject)} and "
    return message + f"{names(model, clash, 'and')} are selected", (rule.subject, *clash)


def _implies(model: ConfigModel, rule: Rule, config: Configuration) -> Problem:
    assert rule.subject is not None
    missing = [o for o in rule.options if o not in config.selected]
    if rule.subject not in config.selected or not missing:
        return None
    return f"{describe_rule(model, rule)}; {names(model, missing, 'and')} missing", (rule.subject,)


def _compatible(model: ConfigModel, rule: Rule, config: Configuration) -> Problem:
    assert rule.subject is not None
    if rule.subject not in config.selected:
        return None
    for attribute, allowed in rule.allowed:
        value = config.values.get(attribute)
        if value is not None and value not in allowed:
            name = model.attributes[attribute].name
            return f"{describe_rule(model, rule)}; {name} is {value}", (rule.subject,)
    return None


def _relation(model: ConfigModel, rule: Rule, config: Configuration) -> Problem:
    left = sum((config.quantity(o) for o in rule.options), Decimal(0))
    right = sum((config.quantity(o) for o in rule.others), Decimal(0))
    target = rule.factor * right + rule.offset
    holds = {">=": left >= target, "<=": left <= target, "==": left == target}[rule.op]
    if holds:
        return None
    involved = _chosen((*rule.options, *rule.others), config.selected)
    message = (
        f"{describe_rule(model, rule)}; {sides(model, rule.options)} is {number(left)}, "
        f"{sides(model, rule.others)} is {number(right)}"
    )
    return message, involved


_CHECKS = {
    "group": _count,
    "cardinality": _count,
    "attribute": _attribute,
    "requires": _requires,
    "excludes": _excludes,
    "implies": _implies,
    "compatible": _compatible,
    "quantity": _relation,
}
