"""The option states the page shows: the engine's evaluation of the rep's choices, and for a
single-choice group (radio buttons, a *switch*) or an attribute with a pick, an evaluation
without that pick. Picking another alternative then replaces the pick instead of being closed by
it. Pure: the engine comes in as a function.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from cpq.configuration.choices import Choice, ChoiceKind
from cpq.configuration.evaluate import Evaluation
from cpq.configuration.model import ConfigModel, GroupNode

Evaluate = Callable[[Sequence[Choice]], Evaluation]


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
