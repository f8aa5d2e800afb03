"""Pricing a quote: fetch nothing, compute everything, return frozen data (docs/pricing.md).

A line's waterfall, in order: list price -> price rule -> discounts -> price rounding -> the rep's
manual price -> the rep's manual discount -> margin floor -> net unit price (rounded) -> net total
(rounded per line, or kept exact when the rule set rounds on the total).
Lines priced as a percent of other lines wait until those are priced. Then the quote: order-level
discounts, then the rep's quote discount, each spread over the lines exactly.
"""

from __future__ import annotations

from decimal import Decimal, localcontext

from cpq.catalog.issues import Issue, error
from cpq.gcpause import collector_paused
from cpq.money import minor_units
from cpq.pricing.charges import LineView
from cpq.pricing.errors import PricingError
from cpq.pricing.inputs import PricingRequest
from cpq.pricing.line_state import LineState, fetch_lines
from cpq.pricing.line_steps import finish, percent_of_total, price_step
from cpq.pricing.price_lists import ListPricer
from cpq.pricing.quote_level import QuoteLevel
from cpq.pricing.rounding import WORKING_PRECISION, to_digits, to_money
from cpq.pricing.rules import model as M
from cpq.pricing.rules.conditions import as_datetime
from cpq.pricing.selection import Judge, Ranked, RuleIndex
from cpq.pricing.snapshot import PricingCatalog
from cpq.pricing.waterfall import Adjustment, PricedLine, PricedQuote, Step

ZERO = Decimal(0)
HUNDRED = Decimal(100)
CENT = Decimal("0.01")


class PricingEngine:
    """A rule set made ready to price: build once, price many quotes (it keeps no quote state)."""

    def __init__(self, rule_set: M.RuleSet) -> None:
        self.rule_set = rule_set
        self.index = RuleIndex(rule_set)

    def price(self, request: PricingRequest, catalog: PricingCatalog) -> PricedQuote:
        with localcontext() as context, collector_paused():
            context.prec = WORKING_PRECISION
            return Quote(self, request, catalog).run()


class Quote:
    def __init__(
        self, engine: PricingEngine, request: PricingRequest, catalog: PricingCatalog
    ) -> None:
        self.engine, self.index, self.rules = engine, engine.index, engine.rule_set
        self.catalog = catalog
        ctx = self.ctx = request.context
        self.request = request
        self.issues: list[Issue] = []
        customer = catalog.customers.get(ctx.customer) if ctx.customer else None
        if ctx.customer and customer is None:
            self.issues.append(
                error(
                    "unknown_customer", f"no customer {ctx.customer!r}", column="context.customer"
                )
            )
        self.segment = ctx.segment or (customer.segment if customer else None)
        self.territory = ctx.territory or (customer.territory if customer else None)
        self.currency = ctx.currency
        self.digits = minor_units(ctx.currency)
        self.day = ctx.pricing_date
        self.pricer = ListPricer(
            catalog,
            self.rules,
            currency=ctx.currency,
            day=ctx.pricing_date,
            customer=ctx.customer,
            segment=self.segment,
            override=ctx.price_list,
        )
        if (
            ctx.price_list
            and ctx.price_list not in catalog.price_lists
            and ctx.price_list not in self.rules.derived_lists
        ):
            self.issues.append(
                error(
                    "unknown_price_list",
                    f"no price list {ctx.price_list!r}",
                    column="context.price_list",
                )
            )
        self.quote_facts: dict[str, object] = {
            "customer": ctx.customer,
            "segment": self.segment,
            "territory": self.territory,
            "currency": ctx.currency,
            "date": as_datetime(ctx.pricing_date),
            "codes": tuple(sorted(ctx.codes)),
            "quote_total": ZERO,  # set once the lines are fetched, before any rule is judged
            "quote_quantity": ZERO,
        }
        self.judge = Judge(
            self.quote_facts, ctx.codes, ctx.pricing_date, self.index.expression_results
        )

    # --- Prices protocol -------------------------------------------------------------------

    def money(self, amounts: M.Amounts) -> Decimal:
        if self.currency in amounts:
            return amounts[self.currency]
        currency, amount = next(iter(amounts.items()))
        converted = self.pricer.to_quote_currency(amount, currency)
        if converted is None:
            raise PricingError(
                [
                    error(
                        "no_exchange_rate",
                        f"a rule's amount is in {currency} and there is no rate {currency}->{self.currency} on {self.day}",
                    )
                ]
            )
        return converted[0]

    def price_in_list(self, code: str, line: LineView) -> Decimal | None:
        found = self.pricer.in_list(code, line.sku, line.unit, line.quantity, line.base_quantity)
        return found.unit_price if found is not None else None

    # --- phases ----------------------------------------------------------------------------

    def run(self) -> PricedQuote:
        lines = list(fetch_lines(self))
        if self.issues:
            raise PricingError(self.issues)
        self.quote_facts["quote_total"] = sum(
            ((ln.list_price or ZERO) * ln.quantity for ln in lines), ZERO
        )
        self.quote_facts["quote_quantity"] = sum((ln.base_quantity for ln in lines), ZERO)
        waiting: list[LineState] = []
        waiting_ids: set[str] = set()  # options of a waiting bundle wait with it
        for ln in lines:
            if (ln.parent is not None and ln.parent.line_id in waiting_ids) or not price_step(
                self, ln
            ):
                waiting.append(ln)
                waiting_ids.add(ln.line_id)
            else:
                finish(self, ln)
        for ln in waiting:  # percent of total: the lines it is a percent of are priced now
            if ln.of_total is not None or not price_step(self, ln):
                percent_of_total(self, ln, lines)
            finish(self, ln)
        if self.issues:
            raise PricingError(self.issues)
        return QuoteLevel(self, lines).run()

    def applicable(self, step: Step | None, ln: LineState) -> list[Ranked]:
        ranked = ln.rules.get(step)
        if not ranked:
            return []
        return self.judge.applicable(ranked, ln, self.line_facts, ln.base_quantity)

    def line_facts(self, ln: LineState) -> dict[str, object]:
        """The facts an expression can read about a line (LINE_FACTS), built once per line."""
        if ln.facts is None:
            term = ln.given.term_months or self.ctx.term_months
            ln.facts = {
                **self.quote_facts,
                "sku": ln.item.sku,
                "product_group": ln.item.group,
                "groups": ln.item.groups,
                "brand": ln.item.brand,
                "unit": ln.unit,
                "quantity": ln.base_quantity,
                "line_amount": (ln.list_price or ZERO) * ln.quantity,
                "parent_sku": ln.parent.sku if ln.parent is not None else None,
                "term_months": Decimal(term) if term else None,
            }
        return ln.facts

    def record(
        self, ln: LineState, step: Step, rule: M.Rule | None, kind: str, why: str, after: Decimal
    ) -> None:
        ln.adjustments.append(
            Adjustment(step, kind, rule.id if rule else None, why, ln.price, after)
        )
        ln.price = after

    # --- output ------------------------------------------------------------------------------

    def priced_line(self, ln: LineState, share: Decimal) -> PricedLine:
        final = ln.amount + share
        term = ln.term or 1
        cost_total = (
            to_money(ln.cost * ln.quantity * term, self.currency) if ln.cost is not None else None
        )
        margin = final - cost_total if cost_total is not None else None
        margin_pct = (
            (margin / final * HUNDRED).quantize(CENT) if margin is not None and final > 0 else None
        )
        return PricedLine(
            line_id=ln.line_id,
            sku=ln.sku,
            name=ln.item.name,
            parent_line_id=ln.parent.line_id if ln.parent is not None else None,
            quantity=ln.quantity,
            unit=ln.unit,
            base_quantity=ln.base_quantity,
            list_price=ln.list_price if ln.list_price is not None else ZERO,
            source=ln.listed.source if ln.listed is not None else None,
            adjustments=tuple(ln.adjustments),
            net_unit_price_exact=ln.net_exact,
            net_unit_price=to_digits(ln.net_exact, ln.digits),
            net_total=ln.net_total,
            recurring=ln.recurring,
            term_months=ln.term,
            amount=ln.amount,
            quote_discount=share,
            final_amount=final,
            unit_cost=ln.cost,
            margin=margin,
            margin_percent=margin_pct,
            flags=tuple(ln.flags),
        )
