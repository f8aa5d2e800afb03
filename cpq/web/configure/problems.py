"""What is wrong with a configuration, in words: a conflict between the rep's choices, and every
rule the configuration breaks, each also at the option group or attribute it is about. Pure."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from cpq.configuration.evaluate import Evaluation
from cpq.configuration.model import ConfigModel, GroupNode
from cpq.web.configure.reasons import sentence, why


@dataclass(frozen=True, slots=True)
class Problems:
    all: tuple[str, ...]  # every rule the configuration breaks, and a conflict
    by_group: Mapping[int, str]  # a group's own bounds broken
    by_attribute: Mapping[int, str]  # an attribute without its one value


def problems_of(model: ConfigModel, names: Mapping[str, str], main: Evaluation) -> Problems:
    by_group: dict[int, str] = {}
    by_attribute: dict[int, str] = {}
    found = []
    if not main.consistent and main.conflict is not None:
        clash = why(model, names, main, main.conflict, "closed")
        found.append(f"These choices cannot go together. {clash.rules} {clash.because}".strip())
    for violation in main.violations:
        rule = model.rules[violation.rule] if violation.rule is not None else None
        message = sentence(violation.message.replace(".; ", ". "))
        if rule is not None and rule.kind == "group" and rule.group is not None:
            group = model.groups[rule.group]
            count = len(violation.options)
            message = f"{group.name}: {hint(group).lower()} ({count or 'none'} chosen)."
            by_group[rule.group] = message
        found.append(message)
        if rule is not None and rule.kind == "attribute" and rule.attribute is not None:
            by_attribute[rule.attribute] = message
    return Problems(tuple(found), by_group, by_attribute)


def hint(group: GroupNode) -> str:
    """How many options the group takes, in words."""
    low, high, many = group.min, group.max, len(group.options)
    if high == 1:
        return "Choose one" if low == 1 else "Optional: one at most"
    if low == high:
        return f"Choose {low}"
    if low == 0:
        return "Optional" if high >= many else f"Optional: up to {high}"
    return f"Choose at least {low}" if high >= many else f"Choose {low} to {high}"
