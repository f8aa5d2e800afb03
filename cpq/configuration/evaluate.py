"""Evaluate a partial configuration: can it still be completed, is it valid as it stands, and
for every option and attribute value not chosen: selectable, implied, or closed, and why.

Sound and complete by construction: an option is *selectable* exactly when the solver finds a
whole valid configuration with it and the current choices, *implied* exactly when it finds none
without it, *closed* exactly when it finds none with it. Every configuration found settles many
options at once, so most need no question of their own. The reason for a closed or implied
option is the smallest set of current choices that forces it, with the rules involved.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from cpq.configuration.checking import Configuration, Violation, violations
from cpq.configuration.choices import Choice, ChoiceKind
from cpq.configuration.model import ConfigModel
from cpq.configuration.oracle import Oracle


class State(StrEnum):
    SELECTED = "selected"  # chosen by the rep
    REJECTED = "rejected"  # turned down by the rep
    IMPLIED = "implied"  # in every valid completion of the choices: added automatically
    SELECTABLE = "selectable"  # some valid completion has it, some does not
    CLOSED = "closed"  # no valid completion has it


@dataclass(frozen=True, slots=True)
class Reason:
    choices: tuple[int, ...]  # indices into the evaluated choices; empty: the model alone
    rules: tuple[int, ...]  # rule indices


@dataclass(frozen=True, slots=True)
class OptionState:
    option: int
    state: State
    reason: Reason | None = None


@dataclass(frozen=True, slots=True)
class ValueState:
    attribute: int
    value: str
    state: State
    reason: Reason | None = None


@dataclass(frozen=True, slots=True)
class Evaluation:
    choices: tuple[Choice, ...]
    consistent: bool  # some valid configuration extends the choices
    conflict: Reason | None  # when not: the smallest set of choices that cannot go together
    configuration: Configuration  # the choices plus what they imply
    violations: tuple[Violation, ...]  # rules that configuration breaks
    options: tuple[OptionState, ...]
    values: tuple[ValueState, ...]
    solver_calls: int

    @property
    def valid(self) -> bool:
        return self.consistent and not self.violations


def evaluate(model: ConfigModel, oracle: Oracle, choices: Sequence[Choice]) -> Evaluation:
    oracle.begin(choices)
    assumptions = oracle.assumptions(range(len(choices)))
    first = oracle.model(assumptions)
    targets = _targets(model, oracle, choices)
    if first is None:  # every open option and value is closed by the conflict itself
        conflict = _reason(oracle, oracle.smallest([]), [])
        closed_all = dict.fromkeys(targets, conflict)
        return _evaluation(model, oracle, tuple(choices), closed_all, {}, conflict)
    can_true: set[int] = set()
    can_false: set[int] = set()

    def learn(found: list[int]) -> None:
        for lit in found:
            (can_true if lit > 0 else can_false).add(abs(lit))

    learn(first)
    closed: dict[int, Reason] = {}
    implied: dict[int, Reason] = {}
    for var in targets:
        for lit, seen, verdict in ((var, can_true, closed), (-var, can_false, implied)):
            if var in seen or var in closed:
                continue
            found = oracle.model([*assumptions, lit])
            if found is None:
                verdict[var] = _reason(oracle, oracle.smallest([lit]), [lit])
            else:
                learn(found)
    return _evaluation(model, oracle, tuple(choices), closed, implied, None)


def _targets(model: ConfigModel, oracle: Oracle, choices: Sequence[Choice]) -> list[int]:
    """Variables of the options and attribute values the choices leave open."""
    enc = oracle.enc
    decided_options = {c.target for c in choices if c.kind is not ChoiceKind.VALUE}
    decided_attributes = {c.target for c in choices if c.kind is ChoiceKind.VALUE}
    targets = [enc.option_var[o.index] for o in model.options if o.index not in decided_options]
    for attribute in model.attributes:
        if attribute.index not in decided_attributes:
            targets.extend(enc.value_var[attribute.index])
    return targets


def _reason(oracle: Oracle, choices: list[int], extra: list[int]) -> Reason:
    rules = oracle.rules(oracle.assumptions(choices) + extra)
    return Reason(tuple(choices), tuple(rules))


def _evaluation(
    model: ConfigModel,
    oracle: Oracle,
    choices: tuple[Choice, ...],
    closed: dict[int, Reason],
    implied: dict[int, Reason],
    conflict: Reason | None,
) -> Evaluation:
    enc = oracle.enc
    by_option = {c.target: c for c in choices if c.kind is not ChoiceKind.VALUE}
    by_attribute = {c.target: c for c in choices if c.kind is ChoiceKind.VALUE}
    options = []
    for option in model.options:
        var = enc.option_var[option.index]
        choice = by_option.get(option.index)
        if choice is not None:
            state = State.SELECTED if choice.kind is ChoiceKind.SELECT else State.REJECTED
            options.append(OptionState(option.index, state))
        else:
            options.append(_open(option.index, var, closed, implied))
    values = []
    for attribute in model.attributes:
        chosen = by_attribute.get(attribute.index)
        for value, var in zip(attribute.values, enc.value_var[attribute.index], strict=True):
            if chosen is not None:
                state = State.SELECTED if chosen.value == value else State.CLOSED
                reason = (
                    None
                    if chosen.value == value
                    else Reason((choices.index(chosen),), (model.attribute_rules[attribute.index],))
                )
                values.append(ValueState(attribute.index, value, state, reason))
            else:
                found = _open(attribute.index, var, closed, implied)
                values.append(ValueState(attribute.index, value, found.state, found.reason))
    configuration = _configuration(model, choices, options, values)
    return Evaluation(
        choices=choices,
        consistent=conflict is None,
        conflict=conflict,
        configuration=configuration,
        violations=tuple(violations(model, configuration)),
        options=tuple(options),
        values=tuple(values),
        solver_calls=oracle.calls,
    )


def _open(
    index: int, var: int, closed: dict[int, Reason], implied: dict[int, Reason]
) -> OptionState:
    if var in closed:
        return OptionState(index, State.CLOSED, closed[var])
    if var in implied:
        return OptionState(index, State.IMPLIED, implied[var])
    return OptionState(index, State.SELECTABLE)


def _configuration(
    model: ConfigModel,
    choices: Sequence[Choice],
    options: Sequence[OptionState],
    values: Sequence[ValueState],
) -> Configuration:
    """The choices with what they imply; quantities as chosen, else the model's default."""
    selected = frozenset(s.option for s in options if s.state in (State.SELECTED, State.IMPLIED))
    given = {c.target: c.quantity for c in choices if c.kind is ChoiceKind.SELECT}
    quantities: dict[int, Decimal] = {}
    for option in selected:
        quantity = given.get(option)
        quantities[option] = (
            quantity if quantity is not None else model.options[option].default_quantity()
        )
    chosen = {v.attribute: v.value for v in values if v.state in (State.SELECTED, State.IMPLIED)}
    return Configuration(selected, chosen, quantities)
