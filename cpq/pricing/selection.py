"""Which rules apply to a line: an index by scope built once per rule set, then the conditions.

Candidates come out strongest first: higher priority, then the more specific scope (SKU, deeper
product group, group, brand, everything), then the order the rules are written in.

A rule's conditions on the quote (validity, customers, segments, territories, currencies, codes,
an expression that reads only quote facts) are judged once per quote; only the quantity range and
expressions that read line facts are judged per line, cached on the values of the facts they read.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any, TypeVar

from cpq.pricing.rules.model import Rule, RuleSet
from cpq.pricing.waterfall import Step

L = TypeVar("L")
MEMO_LIMIT = 200_000  # expression results kept per rule set
Ranked = tuple[Rule, int]  # a rule and how specifically it names the line
ByStep = dict[Step | None, list[Ranked]]


class RuleIndex:
    def __init__(self, rule_set: RuleSet) -> None:
        self.position = {rule.id: n for n, rule in enumerate(rule_set.rules)}
        self._by: dict[tuple[str, str], list[Rule]] = defaultdict(list)
        self._everything: list[Rule] = []
        self.quote_rules = [r for r in rule_set.rules if r.step is Step.QUOTE]
        for rule in rule_set.rules:
            if rule.step is Step.QUOTE:
                continue
            scope = rule.scope
            if scope.is_everything:
                self._everything.append(rule)
            for kind, names in (
                ("sku", scope.skus),
                ("group", scope.groups),
                ("brand", scope.brands),
            ):
                for name in names:
                    self._by[(kind, name)].append(rule)
        self._cache: dict[tuple[str, tuple[str, ...], str | None], ByStep] = {}
        # Expression results by the values of the facts they read: pure, so they outlive a quote
        # (a rep repricing a quote after each edit asks the same questions again).
        self.expression_results: dict[tuple[int, tuple[Any, ...]], bool] = {}

    def candidates(self, sku: str, groups: tuple[str, ...], brand: str | None) -> ByStep:
        """The rules whose scope names an item, by step, strongest first (cached per item)."""
        key = (sku, groups, brand)
        found = self._cache.get(key)
        if found is None:
            rules = {id(r): r for r in self._everything}
            keys = [("sku", sku), *(("group", g) for g in groups)]
            if brand:
                keys.append(("brand", brand))
            for k in keys:
                for r in self._by.get(k, ()):
                    rules[id(r)] = r
            found = {}
            for rule in sorted(rules.values(), key=lambda r: self.position[r.id]):
                specificity = rule.scope.specificity(sku, groups, brand)
                if specificity is not None:
                    found.setdefault(rule.step, []).append((rule, specificity))
            for ranked in found.values():
                ranked.sort(key=lambda rs: (-rs[0].priority, -rs[1]))  # stable: file order
            self._cache[key] = found
        return found


class Judge:
    """Judges conditions for one quote."""

    def __init__(
        self,
        quote_facts: Mapping[str, Any],
        codes: frozenset[str],
        day: date,
        memo: dict[tuple[int, tuple[Any, ...]], bool],
    ) -> None:
        self.quote_facts, self.codes, self.day = quote_facts, codes, day
        self._quote_ok: dict[int, bool] = {}
        self._memo = memo

    def holds_for_quote(self, rule: Rule) -> bool:
        """The rule's conditions on the quote (read once the quote's facts are complete)."""
        ok = self._quote_ok.get(id(rule))
        if ok is None:
            when, facts = rule.when, self.quote_facts
            ok = (
                rule.valid_on(self.day)
                and (not when.customers or facts["customer"] in when.customers)
                and (not when.segments or facts["segment"] in when.segments)
                and (not when.territories or facts["territory"] in when.territories)
                and (not when.currencies or facts["currency"] in when.currencies)
                and (not when.codes or bool(when.codes & self.codes))
                and (
                    when.expression is None
                    or when.expression.reads_line
                    or self._expression(when.expression, facts)
                )
            )
            self._quote_ok[id(rule)] = ok
        return ok

    def applicable(
        self,
        ranked: Sequence[Ranked],
        line: L,
        facts_of: Callable[[L], Mapping[str, Any]],
        base_quantity: Decimal,
    ) -> list[Ranked]:
        """The candidates whose conditions hold; a line's facts are built only if asked for."""
        found = []
        quote_ok = self._quote_ok
        for rule, specificity in ranked:
            ok = quote_ok.get(id(rule))
            if ok is None:
                ok = self.holds_for_quote(rule)
            if ok and (
                not rule.line_conditional
                or self._holds_for_line(rule, line, facts_of, base_quantity)
            ):
                found.append((rule, specificity))
        return found

    def _holds_for_line(
        self,
        rule: Rule,
        line: L,
        facts_of: Callable[[L], Mapping[str, Any]],
        base_quantity: Decimal,
    ) -> bool:
        when = rule.when
        if when.quantity is not None and not when.quantity.holds(base_quantity):
            return False
        condition = when.expression
        return (
            condition is None
            or not condition.reads_line
            or self._expression(condition, facts_of(line))
        )

    def _expression(self, condition: Any, facts: Mapping[str, Any]) -> bool:
        key = (id(condition), condition.key(facts))
        result = self._memo.get(key)
        if result is None:
            if len(self._memo) >= MEMO_LIMIT:
                self._memo.clear()
            result = self._memo[key] = condition.holds(facts)
        return bool(result)
