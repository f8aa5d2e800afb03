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
SMALLEST_SEARCH_BUDGET = 256  # solver calls spent looking for a smaller explanation


class Oracle:
    def __init__(self, enc: Encoding) -> None:
        self.enc = enc
        self._solver = Solver(name=SOLVER, bootstrap_with=[*enc.hard, *(c for _, c in enc.ruled)])
        self._guarded: Solver | None = None
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
        """A satisfying assignment (a list of literals), or None."""
        self.calls += 1
        if self._solver.solve(assumptions=assumptions):
            found: list[int] = self._solver.get_model()
            return found
        return None

    def holds(self, assumptions: list[int]) -> bool:
        self.calls += 1
        return bool(self._solver.solve(assumptions=assumptions))

    def smallest(self, extra: list[int]) -> list[int]:
        """The smallest set of choices (indices) that, with the ``extra`` literals, has no
        configuration. The last question asked must have been that one with every choice."""
        found = self._core_choices()
        for c in list(found):  # deletion: keep only the choices the conflict needs
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
        """A set smaller than ``found`` when one exists (up to the search budget)."""
        if not found:
            return found
        key = tuple(extra)
        alone = self._alone.get(key)
        if alone is None:
            alone = self._alone[key] = self.holds(extra)
        if not alone:
            return []
        budget = SMALLEST_SEARCH_BUDGET
        for size in range(1, len(found)):
            for subset in combinations(range(len(self._lits)), size):
                if budget == 0:
                    return found
                budget -= 1
                if not self.holds(self.assumptions(subset) + extra):
                    return list(subset)
        return found

    def rules(self, assumptions: list[int]) -> list[int]:
        """A set of rules (indices) that together rule out ``assumptions``, none of them spare."""
        solver = self._with_selectors()
        enc = self.enc
        selectors = [enc.selector(r) for r in sorted({r for r, _ in enc.ruled})]
        self.calls += 1
        if solver.solve(assumptions=assumptions + selectors):
            return []  # the structure alone rules it out
        needed = [s for s in solver.get_core() or [] if enc.rule_of(s) is not None and s > enc.top]
        for s in list(needed):
            trial = [t for t in needed if t != s]
            self.calls += 1
            if not solver.solve(assumptions=assumptions + trial):
                core = set(solver.get_core() or [])
                needed = [t for t in trial if t in core]
        return sorted(r for s in needed if (r := enc.rule_of(s)) is not None)

    def _with_selectors(self) -> Solver:
        if self._guarded is None:
            enc = self.enc
            clauses = [*enc.hard, *([*c, -enc.selector(r)] for r, c in enc.ruled)]
            self._guarded = Solver(name=SOLVER, bootstrap_with=clauses)
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
