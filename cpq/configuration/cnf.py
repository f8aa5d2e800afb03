"""The configuration model as clauses for a SAT solver (python-sat).

One variable per option (selected or not) and per attribute value; for the options a quantity
relation counts, unary quantity literals (``u[k]``: at least k + 1 units, the order encoding).
Group and cardinality bounds use python-sat's cardinality encodings; quantity relations use its
totalizer. Each rule's clauses are kept apart so a solver can switch a rule off with a selector
literal and tell which rules a conflict needs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import pairwise

from pysat.card import CardEnc, EncType, ITotalizer

from cpq.configuration.model import ConfigModel, OptionNode, Rule

Clause = list[int]


@dataclass(slots=True)
class Encoding:
    option_var: list[int]  # option index -> variable
    value_var: list[list[int]]  # attribute index -> one variable per value
    value_names: list[dict[str, int]]  # attribute index -> value -> variable
    units: dict[int, list[int]]  # option index -> unary quantity literals, u[k] = "≥ k + 1"
    hard: list[Clause] = field(default_factory=list)  # the structure: nesting, quantity order
    ruled: list[tuple[int, Clause]] = field(default_factory=list)  # (rule index, clause)
    top: int = 0  # the highest variable used
    rules: int = 0  # how many rules (selector variables follow ``top``)

    def selector(self, rule: int) -> int:
        """The variable that switches rule ``rule`` on (in a solver built with selectors)."""
        return self.top + 1 + rule

    def rule_of(self, selector: int) -> int | None:
        rule = selector - self.top - 1
        return rule if rule >= 0 else None


class _Vars:
    def __init__(self) -> None:
        self.top = 0
        self.definitions: list[Clause] = []  # totalizer clauses: they define, never restrict

    def new(self) -> int:
        self.top += 1
        return self.top


def encode(model: ConfigModel) -> Encoding:
    pool = _Vars()
    option_var = [pool.new() for _ in model.options]
    value_var = [[pool.new() for _ in a.values] for a in model.attributes]
    value_names = [
        dict(zip(a.values, vs, strict=True))
        for a, vs in zip(model.attributes, value_var, strict=True)
    ]
    enc = Encoding(option_var, value_var, value_names, {})
    for option in model.options:
        if option.parent is not None:
            enc.hard.append([-option_var[option.index], option_var[option.parent]])
    for attribute in model.attributes:
        if attribute.parent is not None:
            enc.hard.extend([-v, option_var[attribute.parent]] for v in value_var[attribute.index])
    for index in sorted(model.counted):
        enc.units[index] = _units(model.options[index], option_var[index], pool, enc.hard)
    for rule in model.rules:
        guard = [] if rule.parent is None else [-option_var[rule.parent]]
        for clause in _RULES[rule.kind](rule, enc, pool):
            enc.ruled.append((rule.index, clause + guard))
    enc.hard.extend(pool.definitions)
    enc.top = pool.top
    enc.rules = len(model.rules)
    return enc


def _units(option: OptionNode, var: int, pool: _Vars, hard: list[Clause]) -> list[int]:
    """Unary quantity literals of an option: u[k] true when its quantity is at least k + 1."""
    editable = option.quantity.editable
    if editable is None:
        return [var] * int(option.default_quantity())
    units = [var] + [pool.new() for _ in range(int(editable.max) - 1)]
    for below, above in pairwise(units):
        hard.append([-above, below])
    hard.append([-var, units[int(editable.min) - 1]])
    return units


def _bounds(lits: list[int], low: int, high: int | None, pool: _Vars) -> list[Clause]:
    clauses: list[Clause] = []
    if high is not None and high < len(lits):
        if high == 0:
            clauses.extend([-lit] for lit in lits)
        else:
            card = CardEnc.atmost(lits, bound=high, top_id=pool.top, encoding=EncType.seqcounter)
            pool.top = max(pool.top, card.nv)
            clauses.extend(card.clauses)
    if low == 1:
        clauses.append(list(lits))
    elif low > len(lits):
        clauses.append([])
    elif low > 1:
        card = CardEnc.atleast(lits, bound=low, top_id=pool.top, encoding=EncType.seqcounter)
        pool.top = max(pool.top, card.nv)
        clauses.extend(card.clauses)
    return clauses


def _group(rule: Rule, enc: Encoding, pool: _Vars) -> list[Clause]:
    lits = [enc.option_var[o] for o in rule.options]
    return _bounds(lits, rule.min, rule.max, pool)


def _attribute(rule: Rule, enc: Encoding, pool: _Vars) -> list[Clause]:
    assert rule.attribute is not None
    return _bounds(enc.value_var[rule.attribute], 1, 1, pool)


def _requires(rule: Rule, enc: Encoding, pool: _Vars) -> list[Clause]:
    assert rule.subject is not None
    return [[-enc.option_var[rule.subject], *(enc.option_var[o] for o in rule.options)]]


def _excludes(rule: Rule, enc: Encoding, pool: _Vars) -> list[Clause]:
    assert rule.subject is not None
    s = enc.option_var[rule.subject]
    return [[-s, -enc.option_var[o]] for o in rule.options]


def _implies(rule: Rule, enc: Encoding, pool: _Vars) -> list[Clause]:
    assert rule.subject is not None
    s = enc.option_var[rule.subject]
    return [[-s, enc.option_var[o]] for o in rule.options]


def _compatible(rule: Rule, enc: Encoding, pool: _Vars) -> list[Clause]:
    assert rule.subject is not None
    s = enc.option_var[rule.subject]
    clauses = []
    for attribute, values in rule.allowed:
        names = enc.value_names[attribute]
        clauses.append([-s, *(names[v] for v in values)])
    return clauses


def _cardinality(rule: Rule, enc: Encoding, pool: _Vars) -> list[Clause]:
    return _bounds([enc.option_var[o] for o in rule.options], rule.min, rule.max, pool)


def _quantity(rule: Rule, enc: Encoding, pool: _Vars) -> list[Clause]:
    """sum(left) OP factor * sum(right) + offset over unary quantity literals. A side of one
    option counts with its own literals; a sum, with python-sat's totalizer."""
    left = [enc.units[o] for o in rule.options]
    right = [enc.units[o] for o in rule.others]
    clauses: list[Clause] = []
    f, c = rule.factor, rule.offset
    if rule.op in (">=", "=="):  # right >= k  ->  left >= f*k + c
        clauses.extend(_at_least_when(right, left, lambda k: f * k + c, pool))
    if rule.op in ("<=", "=="):  # left >= k  ->  right >= ceil((k - c) / f)
        clauses.extend(_at_least_when(left, right, lambda k: -((c - k) // f), pool))
    return clauses


def _at_least_when(
    cause: list[list[int]], effect: list[list[int]], need: Callable[[int], int], pool: _Vars
) -> Iterator[Clause]:
    """For every k: (at least k units of ``cause``) -> (at least need(k) units of ``effect``)."""
    reached = _reached(cause, pool)
    ensure = _ensure(effect, pool)
    for k in range(len(reached) + 1):
        t = need(k)
        if t <= 0:
            continue
        when = [] if k == 0 else [-reached[k - 1]]
        yield when if t > len(ensure) else [*when, ensure[t - 1]]


def _reached(side: list[list[int]], pool: _Vars) -> list[int]:
    """r[k - 1]: true whenever the side counts at least k units."""
    if len(side) == 1:
        return side[0]  # an option's own unary literals are exact
    return _totalizer([u for units in side for u in units], pool)


def _ensure(side: list[list[int]], pool: _Vars) -> list[int]:
    """e[t - 1]: when true, the side counts at least t units."""
    if len(side) == 1:
        return side[0]
    lits = [u for units in side for u in units]
    missing = _totalizer([-u for u in lits], pool)  # missing[j]: at least j + 1 units short
    return [-missing[len(lits) - t] for t in range(1, len(lits) + 1)]


def _totalizer(lits: list[int], pool: _Vars) -> list[int]:
    """Literals o[j], each forced true when at least j + 1 of ``lits`` are."""
    if not lits:
        return []
    tot = ITotalizer(lits=lits, ubound=len(lits), top_id=pool.top)
    pool.top = max(pool.top, tot.top_id)
    pool.definitions.extend(tot.cnf.clauses)
    outputs = list(tot.rhs)
    tot.delete()
    return outputs


_RULES: dict[str, Callable[[Rule, Encoding, _Vars], list[Clause]]] = {
    "group": _group,
    "attribute": _attribute,
    "requires": _requires,
    "excludes": _excludes,
    "implies": _implies,
    "compatible": _compatible,
    "cardinality": _cardinality,
    "quantity": lambda rule, enc, pool: list(_quantity(rule, enc, pool)),
}
