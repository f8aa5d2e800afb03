"""Load-time check: two rules that could both apply to one line, where neither priority nor
specificity nor combination says which wins.

Only the typed conditions are reasoned about (sets of customers, segments, territories,
currencies; quantity ranges; validity periods; bundle parents). Two expressions are assumed to
be able to hold together: tell such rules apart by priority, or with typed conditions.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from datetime import date

from cpq.pricing.rules.model import BundleComponent, Combination, Range, Rule
from cpq.pricing.waterfall import Step

# Steps where only one rule applies to a line, unless the rules say how they combine.
_ONE_WINS = {Step.PRICE, Step.ROUNDING, Step.MARGIN_FLOOR, None}


def _competes(rule: Rule) -> bool:
    if rule.step in _ONE_WINS:
        return rule.combination is not Combination.BEST_PRICE
    return rule.combination is Combination.EXCLUSIVE


def _scope_keys(rule: Rule) -> Iterator[tuple[str, str]]:
    scope = rule.scope
    if scope.is_everything:
        yield ("everything", "")
    yield from (("SKU", s) for s in scope.skus)
    yield from (("product group", g) for g in scope.groups)
    yield from (("brand", b) for b in scope.brands)


def _disjoint_sets(a: frozenset[str], b: frozenset[str]) -> bool:
    return bool(a) and bool(b) and not (a & b)


def _disjoint_ranges(a: Range | None, b: Range | None) -> bool:
    if a is None or b is None:
        return False
    return (a.max is not None and b.min is not None and a.max < b.min) or (
        b.max is not None and a.min is not None and b.max < a.min
    )


def _disjoint_periods(a: Rule, b: Rule) -> bool:
    lo = max(a.valid_from or date.min, b.valid_from or date.min)
    hi = min(a.valid_to or date.max, b.valid_to or date.max)
    return lo > hi


def _exclusive_conditions(a: Rule, b: Rule) -> bool:
    wa, wb = a.when, b.when
    if any(
        _disjoint_sets(x, y)
        for x, y in (
            (wa.customers, wb.customers),
            (wa.segments, wb.segments),
            (wa.territories, wb.territories),
            (wa.currencies, wb.currencies),
        )
    ):
        return True
    if _disjoint_ranges(wa.quantity, wb.quantity) or _disjoint_periods(a, b):
        return True
    pa, pb = a.action, b.action
    return (
        isinstance(pa, BundleComponent)
        and isinstance(pb, BundleComponent)
        and _disjoint_sets(pa.parents, pb.parents)
    )


def ambiguities(rules: Sequence[Rule]) -> list[tuple[Rule, Rule, str]]:
    """Pairs of rules (in file order) that can tie on a line, with the scope they share."""
    buckets: dict[tuple[object, int, tuple[str, str]], list[Rule]] = defaultdict(list)
    for rule in rules:
        if _competes(rule):
            for key in _scope_keys(rule):
                buckets[(rule.step, rule.priority, key)].append(rule)
    found: dict[tuple[str, str], tuple[Rule, Rule, str]] = {}
    for (_, _, (what, name)), bucket in buckets.items():
        for i, first in enumerate(bucket):
            for second in bucket[i + 1 :]:
                pair = (first.id, second.id)
                if pair in found or _exclusive_conditions(first, second):
                    continue
                shared = "both apply to everything" if what == "everything" else f"{what} {name}"
                found[pair] = (
                    first,
                    second,
                    f"both are {first.step or 'recurring'} rules for {shared}",
                )
    return list(found.values())
