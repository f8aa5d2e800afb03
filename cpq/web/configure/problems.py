"""What is wrong with a configuration, in words: a conflict between the rep's choices, and every
rule the configuration breaks; each also at the option groups and attributes it is about, so that
a group shown folded still says what in it is to fix. Pure."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from cpq.configuration.choices import ChoiceKind
from cpq.configuration.evaluate import Evaluation
from cpq.configuration.model import ConfigModel, GroupNode, Rule
from cpq.web.configure.reasons import sentence, why


@dataclass(frozen=True, slots=True)
class Problems:
    all: tuple[str, ...]  # every rule the configuration breaks, and a conflict
    at_group: Mapping[int, tuple[str, ...]]  # everything to fix about a group's options
    at_attribute: Mapping[int, tuple[str, ...]]  # everything to fix about an attribute


def problems_of(model: ConfigModel, names: Mapping[str, str], main: Evaluation) -> Problems:
    at = _Places()
    found = []
    if not main.consistent and main.conflict is not None:
        clash = why(model, names, main, main.conflict, "closed")
        found.append(f"These choices cannot go together. {clash.rules} {clash.because}".strip())
        for c in main.conflict.choices:
            choice = main.choices[c]
            if choice.kind is ChoiceKind.VALUE:
                at.attribute(choice.target, f"{choice.value} {_CLASH}")
            else:
                option = model.options[choice.target]
                at.group(option.group, f"{names.get(option.sku, option.sku)} {_CLASH}")
    for violation in main.violations:
        rule = model.rules[violation.rule] if violation.rule is not None else None
        message = sentence(violation.message.replace(".; ", ". "))
        if rule is not None and rule.kind == "group" and rule.group is not None:
            group = model.groups[rule.group]
            count = len(violation.options)
            message = f"{group.name}: {hint(group).lower()} ({count or 'none'} chosen)."
            at.group(rule.group, message)
        found.append(message)
        for named in {*violation.options, *(_options_of(rule) if rule else ())}:
            at.group(model.options[named].group, message)
        for attribute in _attributes_of(rule) if rule else ():
            at.attribute(attribute, message)
    return Problems(
        tuple(found),
        {g: tuple(m) for g, m in at.groups.items()},
        {a: tuple(m) for a, m in at.attributes.items()},
    )


_CLASH = "cannot go together with your other choices."


class _Places:
    """Messages by group and by attribute, each once, in the order found."""

    def __init__(self) -> None:
        self.groups: dict[int, list[str]] = {}
        self.attributes: dict[int, list[str]] = {}

    def group(self, index: int, message: str) -> None:
        _add(self.groups.setdefault(index, []), message)

    def attribute(self, index: int, message: str) -> None:
        _add(self.attributes.setdefault(index, []), message)


def _add(messages: list[str], message: str) -> None:
    if message not in messages:
        messages.append(message)


def _options_of(rule: Rule) -> Iterable[int]:
    """The options a rule names: where a rep can fix it."""
    if rule.subject is not None:
        yield rule.subject
    yield from rule.options
    yield from rule.others


def _attributes_of(rule: Rule) -> Iterable[int]:
    if rule.attribute is not None:
        yield rule.attribute
    yield from (attribute for attribute, _ in rule.allowed)


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
