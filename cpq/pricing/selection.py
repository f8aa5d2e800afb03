"""Which rules apply to a line: an index by scope built once per rule set, then the typed
conditions and expressions of the candidates, judged with results cached on the facts they read.

Candidates come out strongest first: higher priority, then the more specific scope (SKU, deeper
product group, group, brand, everything), then the order the rules are written in.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from cpq.pricing.rules.model import Conditions, Rule, RuleSet
from cpq.pricing.waterfall import Step

Ranked = tuple[Rule, int]  # a rule and how specifically it names the line


class RuleIndex:
    def __init__(self, rule_set: RuleSet) -> None:
        self.position = {rule.id: n for n, rule in enumerate(rule_set.rules)}
        self._by: dict[tuple[Step | None, str, str], list[Rule]] = defaultdict(list)
        self._everything: dict[Step | None, list[Rule]] = defaultdict(list)
        self.quote_rules = [r for r in rule_set.rules if r.step is Step.QUOTE]
        for rule in rule_set.rules:
            if rule.step is Step.QUOTE:
                continue
            scope = rule.scope
            if scope.is_everything:
                self._everything[rule.step].append(rule)
            for kind, names in (
                ("sku", scope.skus),
                ("group", scope.groups),
                ("brand", scope.brands),
            ):
                for name in names:
                    self._by[(rule.step, kind, name)].append(rule)
        self._cache: dict[tuple[Step | None, str, tuple[str, ...], str | None], list[Ranked]] = {}

    def candidates(
        self, step: Step | None, sku: str, groups: tuple[str, ...], brand: str | None
    ) -> list[Ranked]:
        key = (step, sku, groups, brand)
        found = self._cache.get(key)
        if found is None:
            rules = {id(r): r for r in self._everything.get(step, ())}
            for kind, names in (
                ("sku", (sku,)),
                ("group", groups),
                ("brand", (brand,) if brand else ()),
            ):
                for name in names:
                    for r in self._by.get((step, kind, name), ()):
                        rules[id(r)] = r
            ranked = []
            for rule in rules.values():
                specificity = rule.scope.specificity(sku, groups, brand)
                if specificity is not None:
                    ranked.append((rule, specificity))
            ranked.sort(key=lambda rs: (-rs[0].priority, -rs[1], self.position[rs[0].id]))
            found = self._cache[key] = ranked
        return found


class Judge:
    """Judges conditions for one quote; expression results are cached on the facts they read."""

    def __init__(self, codes: frozenset[str]) -> None:
        self.codes = codes
        self._memo: dict[tuple[int, tuple[Any, ...]], bool] = {}

    def holds(
        self, when: Conditions, facts: Mapping[str, Any], base_quantity: Decimal | None
    ) -> bool:
        if when.customers and facts["customer"] not in when.customers:
            return False
        if when.segments and facts["segment"] not in when.segments:
            return False
        if when.territories and facts["territory"] not in when.territories:
            return False
        if when.currencies and facts["currency"] not in when.currencies:
            return False
        if when.codes and not (when.codes & self.codes):
            return False
        if when.quantity is not None and (
            base_quantity is None or not when.quantity.holds(base_quantity)
        ):
            return False
        condition = when.expression
        if condition is None:
            return True
        key = (id(condition), tuple(facts[s] for s in condition.symbols))
        result = self._memo.get(key)
        if result is None:
            result = self._memo[key] = condition.holds(facts)
        return result

    def applicable(
        self,
        ranked: Sequence[Ranked],
        facts: Mapping[str, Any],
        base_quantity: Decimal | None,
        day: Any,
    ) -> list[Ranked]:
        return [
            (rule, spec)
            for rule, spec in ranked
            if rule.valid_on(day) and self.holds(rule.when, facts, base_quantity)
        ]
