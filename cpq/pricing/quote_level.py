"""The quote step: order-level discounts on amount or quantity thresholds, then the rep's quote
discount; each computed once on the quote, quantized, and spread over its lines exactly."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING

from cpq.pricing.allocation import allocate
from cpq.pricing.inputs import DiscountKind
from cpq.pricing.rounding import to_money
from cpq.pricing.rules import model as M
from cpq.pricing.waterfall import PricedQuote, QuoteAdjustment, Step
from cpq.pricing.wording import plain

if TYPE_CHECKING:
    from cpq.pricing.engine import Quote
    from cpq.pricing.line_state import LineState

ZERO = Decimal(0)
HUNDRED = Decimal(100)
CENT = Decimal("0.01")
MANUAL_QUOTE_DISCOUNT = "manual_quote_discount"  # the kind of the rep's quote discount


def _specificity(scope: M.Scope) -> int:
    return 100 if scope.groups else 10 if scope.brands else 0


class QuoteLevel:
    def __init__(self, quote: Quote, lines: Sequence[LineState]) -> None:
        self.quote, self.lines = quote, lines
        self.currency = quote.currency
        self.running = {ln.line_id: ln.amount for ln in lines}
        self.adjustments: list[QuoteAdjustment] = []
        self._named: dict[tuple[str, str], list[int]] | None = None  # built when first asked
        self._ranks: dict[str, int] | None = None

    def _index(self) -> dict[tuple[str, str], list[int]]:
        """Lines by what a scope can name: SKU, each of its groups (with ancestors), brand."""
        if self._named is None:
            self._named = {}
            for n, ln in enumerate(self.lines):
                keys = [("sku", ln.item.sku), *(("group", g) for g in ln.item.groups)]
                if ln.item.brand is not None:
                    keys.append(("brand", ln.item.brand))
                for key in keys:
                    self._named.setdefault(key, []).append(n)
        return self._named

    def _id_ranks(self) -> dict[str, int]:
        """Each line's rank by line id (ties in a split go by id)."""
        if self._ranks is None:
            ids = sorted(ln.line_id for ln in self.lines)
            self._ranks = {line_id: rank for rank, line_id in enumerate(ids)}
        return self._ranks

    def _lines_in(self, scope: M.Scope) -> list[LineState]:
        """The lines a scope names, in quote order."""
        if scope.is_everything:
            return list(self.lines)
        named = self._index()
        found: set[int] = set()
        for kind, names in (("sku", scope.skus), ("group", scope.groups), ("brand", scope.brands)):
            for name in names:
                found.update(named.get((kind, name), ()))
        return [self.lines[n] for n in sorted(found)]

    def run(self) -> PricedQuote:
        self._order_discounts()
        self._manual_discount()
        return self._totals()

    def _applicable(self) -> list[M.Rule]:
        q = self.quote
        rules = [r for r in q.index.quote_rules if q.judge.holds_for_quote(r)]
        rules.sort(key=lambda r: (-r.priority, -_specificity(r.scope), q.index.position[r.id]))
        exclusive = next((r for r in rules if r.combination is M.Combination.EXCLUSIVE), None)
        return [exclusive] if exclusive is not None else rules

    def _order_discounts(self) -> None:
        """The stacking discounts in order, unless one best-price discount alone gives more."""
        rules = self._applicable()
        start = dict(self.running)
        stacked: list[QuoteAdjustment] = []
        running = dict(start)
        for rule in rules:
            if rule.combination is not M.Combination.BEST_PRICE:
                offer = self._offer(rule, start, running)
                if offer is not None:
                    stacked.append(offer)
                    for line_id, share in offer.shares:
                        running[line_id] += share
        best = sum((a.amount for a in stacked), ZERO)
        chosen = stacked
        for rule in rules:
            if rule.combination is M.Combination.BEST_PRICE:
                offer = self._offer(rule, start, start)
                if offer is not None and offer.amount < best:
                    best, chosen = offer.amount, [offer]
        for adjustment in chosen:
            self._commit(adjustment)

    def _offer(
        self, rule: M.Rule, start: dict[str, Decimal], running: dict[str, Decimal]
    ) -> QuoteAdjustment | None:
        assert isinstance(rule.action, M.OrderDiscount)
        lines = self._lines_in(rule.scope)
        amounts = start if rule.combination is M.Combination.ADDITIVE else running
        basis = sum((amounts[ln.line_id] for ln in lines), ZERO)
        if rule.action.basis == "quantity":
            measured = sum((ln.base_quantity for ln in lines), ZERO)
        else:
            measured = sum((start[ln.line_id] for ln in lines), ZERO)
        reached = [t for t in rule.action.tiers if t.threshold <= measured]
        if not lines or not reached:
            return None
        tier = reached[-1]
        amount = -to_money(basis * tier.percent / HUNDRED, self.currency)
        why = (
            f"{rule.description}: {plain(tier.percent)}% off, "
            f"{rule.action.basis} {plain(measured)} reached {plain(tier.threshold)}"
        )
        return self._split(rule.kind, rule.id, why, basis, amount, lines, running)

    def _split(
        self,
        kind: str,
        rule_id: str | None,
        why: str,
        basis: Decimal,
        amount: Decimal,
        lines: Sequence[LineState],
        running: dict[str, Decimal],
    ) -> QuoteAdjustment | None:
        """The adjustment with its shares; ties go by line id, so the order of lines is moot."""
        if not amount:
            return None
        weights = [max(running[ln.line_id], ZERO) for ln in lines]
        ranks = self._id_ranks()
        split = allocate(amount, weights, self.currency, [ranks[ln.line_id] for ln in lines])
        return QuoteAdjustment(
            step=Step.QUOTE,
            kind=kind,
            rule_id=rule_id,
            description=why,
            basis=basis,
            amount=amount,
            shares=tuple(zip((ln.line_id for ln in lines), split, strict=True)),
        )

    def _commit(self, adjustment: QuoteAdjustment) -> None:
        for line_id, share in adjustment.shares:
            self.running[line_id] += share
        self.adjustments.append(adjustment)

    def _manual_discount(self) -> None:
        given = self.quote.ctx.quote_discount
        if given is None:
            return
        if given.kind is not DiscountKind.PERCENT:
            raise ValueError("a quote discount is a percentage")
        basis = sum(self.running.values(), ZERO)
        amount = -to_money(basis * given.value / HUNDRED, self.currency)
        why = f"{plain(given.value)}% off the quote by the rep"
        if given.reason:
            why += f" ({given.reason})"
        adjustment = self._split(
            MANUAL_QUOTE_DISCOUNT, None, why, basis, amount, self.lines, self.running
        )
        if adjustment is not None:
            self._commit(adjustment)

    def _totals(self) -> PricedQuote:
        q, cur = self.quote, self.currency
        shares = {ln.line_id: self.running[ln.line_id] - ln.amount for ln in self.lines}
        priced = tuple(q.priced_line(ln, shares[ln.line_id]) for ln in self.lines)
        one_time = recurring = monthly = listed = cost = revenue = ZERO
        costed = False
        for p in priced:  # one pass: a 10,000-line quote is summed once, not six times
            term = p.term_months or 1
            listed += p.list_price * p.quantity * term
            if p.recurring:
                recurring += p.final_amount
                monthly += p.final_amount / term
            else:
                one_time += p.final_amount
            if p.unit_cost is not None:
                costed = True
                cost += p.unit_cost * p.quantity * term
                revenue += p.final_amount
        cost_total = margin = margin_pct = None
        if costed:
            cost_total = to_money(cost, cur)
            revenue = to_money(revenue, cur)
            margin = revenue - cost_total
            margin_pct = (margin / revenue * HUNDRED).quantize(CENT) if revenue > 0 else None
        flags = sorted({f.split(":", 1)[0] for p in priced for f in p.flags})
        return PricedQuote(
            currency=cur,
            pricing_date=q.day,
            catalog_version=q.catalog.version,
            rule_set=q.rules.label,
            rounding=q.rules.rounding,
            lines=priced,
            quote_adjustments=tuple(self.adjustments),
            list_total=to_money(listed, cur),
            one_time_total=to_money(one_time, cur),
            recurring_monthly_total=to_money(monthly, cur),
            recurring_total=to_money(recurring, cur),
            total=to_money(one_time + recurring, cur),  # rounded once
            cost_total=cost_total,
            margin=margin,
            margin_percent=margin_pct,
            flags=tuple(flags),
        )
