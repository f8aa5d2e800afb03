"""Evaluate a partial configuration: can it still be completed, is it valid as it stands, and
for every option and attribute value not chosen: selectable, implied, or closed, and why.

Sound and complete by construction: an option is *selectable* exactly when the solver finds a
whole valid configuration with it and the current choices, *implied* exactly when it finds none
without it, *closed* exactly when it finds none with it. Every configuration found settles many
options at once, so most need no question of their own. The reason for a closed or implied
option is the smallest set of current choices that forces it, with the rules involved.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
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


Verdicts = Mapping[int, Reason | None]  # variable -> why closed (or implied); None: not asked


def evaluate(
    model: ConfigModel, oracle: Oracle, choices: Sequence[Choice], explain: bool = True
) -> Evaluation:
    """The state of every option and value; with ``explain``, the reason of each closed or
    implied one."""
    oracle.begin(choices)
    assumptions = oracle.assumptions(range(len(choices)))
    targets = _targets(model, oracle, choices)
    first = oracle.model(assumptions)
    if first is None:  # every open option and value is closed by the conflict itself
        conflict = _reason(oracle, oracle.smallest([]), [])
        closed_all = dict.fromkeys(targets, conflict)
        return _evaluation(model, oracle, tuple(choices), closed_all, {}, conflict)
    impossible = _settle(oracle, assumptions, targets, first)
    reasons = _explain(oracle, len(choices), impossible) if explain else {}
    closed = {lit: reasons.get(lit) for lit in impossible if lit > 0}
    implied = {-lit: reasons.get(lit) for lit in impossible if lit < 0}
    return _evaluation(model, oracle, tuple(choices), closed, implied, None)


def _settle(
    oracle: Oracle, assumptions: list[int], targets: list[int], first: list[int]
) -> list[int]:
    """The target literals no valid configuration with the choices has: ``var`` for an option
    or value that is closed, ``-var`` for one that is implied.

    Unit propagation settles most at once; every configuration the solver finds shows others
    possible both ways. The rest get a question each, the solver preferring the options not yet
    seen selected, so that each configuration it finds settles as many as it can.
    """
    forced = oracle.propagated(assumptions) or set()
    open_targets = set(targets)
    impossible = [-lit for lit in forced if abs(lit) in open_targets]
    may_be_true = {v for v in targets if v not in forced and -v not in forced}
    may_be_false = set(may_be_true)

    def learn(found: list[int]) -> None:
        may_be_true.difference_update([v for v in may_be_true if found[v - 1] > 0])
        may_be_false.difference_update([v for v in may_be_false if found[v - 1] < 0])
        oracle.prefer([*may_be_true, *(-v for v in open_targets - may_be_true)])

    learn(first)
    for var in targets:
        for lit, pending in ((var, may_be_true), (-var, may_be_false)):
            if abs(lit) not in pending:
                continue
            pending.discard(abs(lit))
            found = oracle.model([*assumptions, lit])
            if found is None:
                impossible.append(lit)
            else:
                learn(found)
    return impossible


def _explain(oracle: Oracle, count: int, impossible: list[int]) -> dict[int, Reason]:
    """The reason of each impossible literal: none when the model alone rules it out; a single
    choice when propagating that choice alone rules it out; else the oracle's smallest set."""
    singles = [oracle.propagated(oracle.assumptions([c])) for c in range(count)]
    reasons = {}
    for lit in impossible:
        if not oracle.possible_alone([lit]):
            found: list[int] = []
        else:
            single = (c for c, forced in enumerate(singles) if forced is None or -lit in forced)
            one = next(single, None)
            found = [one] if one is not None else oracle.smallest([lit])
        reasons[lit] = _reason(oracle, found, [lit])
    return reasons


def _targets(model: ConfigModel, oracle: Oracle, choices: Sequence[Choice]) -> list[int]:
    """Variables of the options and attribute values the choices leave open."""
    enc = oracle.enc
    decided_options = {c.target for c in choices if c.kind is not ChoiceKind.VALUE}
    chosen_values = {enc.value_names[c.target][c.value] for c in choices if c.value is not None}
    targets = [enc.option_var[o.index] for o in model.options if o.index not in decided_options]
    for attribute in model.attributes:
        targets.extend(v for v in enc.value_var[attribute.index] if v not in chosen_values)
    return targets


def _reason(oracle: Oracle, choices: list[int], extra: list[int]) -> Reason:
    rules = oracle.rules(oracle.assumptions(choices) + extra)
    return Reason(tuple(choices), tuple(rules))


def _evaluation(
    model: ConfigModel,
    oracle: Oracle,
    choices: tuple[Choice, ...],
    closed: Verdicts,
    implied: Verdicts,
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
            if chosen is not None and chosen.value == value:
                values.append(ValueState(attribute.index, value, State.SELECTED))
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


def _open(index: int, var: int, closed: Verdicts, implied: Verdicts) -> OptionState:
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
