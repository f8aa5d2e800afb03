"""Questions to the SAT solver about one model: is there a configuration with these choices, and
if not, which smallest set of choices and which rules rule it out.

Two incremental MiniSat solvers (python-sat) per model: one with every rule in force, for the
many quick questions; one where each rule hangs on a selector literal, asked only to name the
rules behind an explanation. Not thread-safe: ``OraclePool`` lends one oracle per evaluation.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from itertools import combinations

from pysat.solvers import Solver

from cpq.configuration.choices import Choice, ChoiceKind
from cpq.configuration.cnf import Encoding

SOLVER = "minisat22"
SMALLEST_SEARCH_BUDGET = 64  # solver calls spent looking for a smaller explanation


class Oracle:
    def __init__(self, enc: Encoding) -> None:
        self.enc = enc
        self._solver = Solver(name=SOLVER, bootstrap_with=[*enc.hard, *(c for _, c in enc.ruled)])
        if enc.top:  # so that every model has every variable, even one no clause mentions
            self._solver.add_clause([enc.top, -enc.top])
        self._guarded: Solver | None = None
        self._vars_of_rule: list[set[int]] = []  # of the guarded solver
        self._rules_of_var: dict[int, list[int]] = {}
        self._all_selectors: list[int] = []
        self._choice_vars: set[int] = set()
        self._near_choices: set[int] | None = None  # rules near the choices, found when asked
        self._alone: dict[tuple[int, ...], bool] = {}  # extra literals -> possible with no choice
        self._lits: list[list[int]] = []
        self._owner: dict[int, int] = {}
        self.calls = 0

    def close(self) -> None:
        self._solver.delete()
        if self._guarded is not None:
            self._guarded.delete()

    # -- the choices of one evaluation -----------------------------------------------------
    def begin(self, choices: Sequence[Choice]) -> None:
        """Take the choices the next questions are about."""
        self._lits = [self.literals(c) for c in choices]
        self._owner = {lit: c for c, lits in enumerate(self._lits) for lit in lits}
        self._choice_vars = {abs(lit) for lit in self._owner}
        self._near_choices = None

    def literals(self, choice: Choice) -> list[int]:
        enc = self.enc
        if choice.kind is ChoiceKind.VALUE:
            assert choice.value is not None
            return [enc.value_names[choice.target][choice.value]]
        var = enc.option_var[choice.target]
        if choice.kind is ChoiceKind.REJECT:
            return [-var]
        units = enc.units.get(choice.target)
        if units is None or choice.quantity is None or len(set(units)) == 1:
            return [var]
        q = int(choice.quantity)
        return [var, units[q - 1]] + ([-units[q]] if q < len(units) else [])

    def assumptions(self, subset: Sequence[int]) -> list[int]:
        return [lit for c in subset for lit in self._lits[c]]

    # -- questions -------------------------------------------------------------------------
    def model(self, assumptions: list[int]) -> list[int] | None:
        """A satisfying assignment (``found[var - 1]`` is var or -var), or None."""
        self.calls += 1
        if self._solver.solve(assumptions=assumptions):
            found: list[int] = self._solver.get_model()
            return found
        return None

    def holds(self, assumptions: list[int]) -> bool:
        self.calls += 1
        return bool(self._solver.solve(assumptions=assumptions))

    def propagated(self, assumptions: list[int]) -> set[int] | None:
        """The literals unit propagation derives from ``assumptions`` (None: a conflict). Cheap,
        and it settles most options a choice closes or implies without a search."""
        self.calls += 1
        ok, found = self._solver.propagate(assumptions=assumptions)
        return set(found) if ok else None

    def prefer(self, literals: list[int]) -> None:
        """Polarities the solver tries first (so each configuration it finds settles more)."""
        self._solver.set_phases(literals=literals)

    # -- explanations ----------------------------------------------------------------------
    def possible_alone(self, extra: list[int]) -> bool:
        """Whether ``extra`` has a valid configuration with no choice at all (kept per oracle)."""
        key = tuple(extra)
        alone = self._alone.get(key)
        if alone is None:
            alone = self._alone[key] = self.holds(extra)
        return alone

    def smallest(self, extra: list[int]) -> list[int]:
        """The smallest set of choices (indices) that, with the ``extra`` literals, has no
        configuration: the solver's core, reduced choice by choice, then smaller sets tried
        (up to the search budget), skipping those a configuration found already satisfies."""
        if not self.possible_alone(extra):
            return []
        if self.holds(self.assumptions(range(len(self._lits))) + extra):
            raise ValueError("the choices do not rule it out")
        found = self._core_choices()
        for c in list(found):
            if c not in found:
                continue
            trial = [d for d in found if d != c]
            if not self.holds(self.assumptions(trial) + extra):
                core = set(self._core_choices())
                found = [d for d in trial if d in core]
        return self._smaller(extra, found)

    def _core_choices(self) -> list[int]:
        core = self._solver.get_core() or []
        return sorted({self._owner[lit] for lit in core if lit in self._owner})

    def _smaller(self, extra: list[int], found: list[int]) -> list[int]:
        satisfied: list[set[int]] = []  # the choices each configuration found keeps
        budget = SMALLEST_SEARCH_BUDGET
        for size in range(1, len(found)):
            for subset in combinations(range(len(self._lits)), size):
                if any(satisfied_by.issuperset(subset) for satisfied_by in satisfied):
                    continue
                if budget == 0:
                    return found
                budget -= 1
                model = self.model(self.assumptions(subset) + extra)
                if model is None:
                    return list(subset)
                satisfied.append(self._kept(model))
        return found

    def _kept(self, model: list[int]) -> set[int]:
        return {c for c, lits in enumerate(self._lits) if all(model[abs(x) - 1] == x for x in lits)}

    def rules(self, assumptions: list[int]) -> list[int]:
        """A set of rules (indices) that together rule out ``assumptions``, none of them spare.

        Asked of the solver whose rules hang on selector literals: all selectors assumed, the
        rules near the assumptions first (the solver stops at the first conflict); then the core
        reduced rule by rule by unit propagation (a rule stays when propagation without it finds
        no conflict, so a conflict that needs search may keep a rule it could do without).
        """
        solver = self._with_selectors()
        enc = self.enc
        self.calls += 1
        if solver.solve(assumptions=assumptions + self._nearest_first(assumptions)):
            return []  # not ruled out at all
        needed = [s for s in solver.get_core() or [] if enc.rule_of(s) is not None]
        for s in list(needed):
            if s not in needed:
                continue
            trial = [t for t in needed if t != s]
            self.calls += 1
            if not solver.propagate(assumptions=assumptions + trial)[0]:
                needed = trial
        return sorted(r for s in needed if (r := enc.rule_of(s)) is not None)

    def _nearest_first(self, assumptions: list[int]) -> list[int]:
        """Every rule's selector, those of rules sharing variables with the assumptions first
        (the choices' are found once per evaluation); repeats are harmless to the solver."""
        if self._near_choices is None:
            self._near_choices = self._near(self._choice_vars)
        near = self._near_choices | self._near(
            {abs(lit) for lit in assumptions} - self._choice_vars
        )
        return [self.enc.top + 1 + r for r in sorted(near)] + self._all_selectors

    def _near(self, variables: set[int]) -> set[int]:
        """Rules sharing variables with ``variables``, and rules sharing variables with those."""
        near: set[int] = set()
        frontier = variables
        for _ in range(2):
            found = {r for v in frontier for r in self._rules_of_var.get(v, ())} - near
            near |= found
            frontier = {v for r in found for v in self._vars_of_rule[r]}
        return near

    def _with_selectors(self) -> Solver:
        if self._guarded is None:
            enc = self.enc
            clauses = [*enc.hard, *([*c, -enc.selector(r)] for r, c in enc.ruled)]
            self._guarded = Solver(name=SOLVER, bootstrap_with=clauses)
            vars_of_rule: dict[int, set[int]] = {}
            for rule, clause in enc.ruled:
                vars_of_rule.setdefault(rule, set()).update(abs(lit) for lit in clause)
            self._vars_of_rule = [vars_of_rule.get(r, set()) for r in range(enc.rules)]
            for rule, found in enumerate(self._vars_of_rule):
                for var in found:
                    self._rules_of_var.setdefault(var, []).append(rule)
            self._all_selectors = [enc.selector(r) for r in range(enc.rules)]
        return self._guarded


class OraclePool:
    """Oracles for one model, lent one at a time; a thread that finds none idle builds one."""

    def __init__(self, enc: Encoding) -> None:
        self.enc = enc
        self._idle: list[Oracle] = []
        self._lock = threading.Lock()

    @contextmanager
    def oracle(self) -> Iterator[Oracle]:
        with self._lock:
            oracle = self._idle.pop() if self._idle else None
        if oracle is None:
            oracle = Oracle(self.enc)
        oracle.calls = 0
        try:
            yield oracle
        finally:
            with self._lock:
                self._idle.append(oracle)
