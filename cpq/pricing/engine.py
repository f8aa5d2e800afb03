"""Pricing a quote: fetch nothing, compute everything, return frozen data (docs/pricing.md).

A line's waterfall, in order: list price -> price rule -> discounts -> price rounding -> the rep's
manual price -> the rep's manual discount -> margin floor -> net unit price (rounded) -> net total (rounded per line,
or kept exact when the rule set rounds on the total).
Lines priced as a percent of other lines wait until those are priced. Then the quote: order-level
discounts, then the rep's quote discount, each spread over the lines exactly.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal, localcontext

from cpq.catalog.issues import Issue, error
from cpq.money import minor_units
from cpq.pricing import discounts
from cpq.pricing.charges import STRATEGIES, LineView, Outcome
from cpq.pricing.endings import apply_ending
from cpq.pricing.errors import PricingError
from cpq.pricing.inputs import DiscountKind, LineInput, PricingRequest
from cpq.pricing.price_lists import ListPrice, ListPricer, convert
from cpq.pricing.quote_level import QuoteLevel
from cpq.pricing.rounding import WORKING_PRECISION, to_digits, to_money
from cpq.pricing.rules import model as M
from cpq.pricing.rules.conditions import as_datetime
from cpq.pricing.selection import Judge, Ranked, RuleIndex
from cpq.pricing.snapshot import Item, PricingCatalog
from cpq.pricing.waterfall import Adjustment, PricedLine, PricedQuote, Step

ZERO = Decimal(0)
ONE = Decimal(1)
HUNDRED = Decimal(100)
CENT = Decimal("0.01")
MAX_PRICE_DIGITS = 6


@dataclass(slots=True, eq=False)
class LineState:
    """A line while it is being priced (the ``LineView`` strategies read)."""

    line_id: str
    path: str  # where the line is in the request, for error messages: lines[2].options[0]
    given: LineInput
    item: Item
    parent: LineState | None
    unit: str
    quantity: Decimal
    factor: Decimal
    base_quantity: Decimal
    listed: ListPrice | None
    list_price: Decimal | None
    cost: Decimal | None
    facts: dict[str, object]
    price: Decimal = ZERO
    digits: int = 2  # decimals of unit prices shown: the currency's, or the list's if more
    adjustments: list[Adjustment] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
    of_total: tuple[M.Rule, M.PercentOfTotal] | None = None
    recurring: bool = False
    term: int | None = None
    net_exact: Decimal = ZERO
    net_total: Decimal = ZERO
    amount: Decimal = ZERO

    @property
    def sku(self) -> str:
        return self.item.sku

    @property
    def parent_price(self) -> Decimal | None:
        return self.parent.net_exact if self.parent is not None else None


class PricingEngine:
    """A rule set made ready to price: build once, price many quotes (it keeps no quote state)."""

    def __init__(self, rule_set: M.RuleSet) -> None:
        self.rule_set = rule_set
        self.index = RuleIndex(rule_set)

    def price(self, request: PricingRequest, catalog: PricingCatalog) -> PricedQuote:
        with localcontext() as context:
            context.prec = WORKING_PRECISION
            return _Quote(self, request, catalog).run()


class _Quote:
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
        self.day = ctx.pricing_date
        self.judge = Judge(ctx.codes)
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
            "quote_total": ZERO,
            "quote_quantity": ZERO,
        }

    # --- Prices protocol -------------------------------------------------------------------

    def money(self, amounts: M.Amounts) -> Decimal:
        if self.currency in amounts:
            return amounts[self.currency]
        currency, amount = next(iter(amounts.items()))
        converted = convert(self.catalog, amount, currency, self.currency, self.day)
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
        lines = list(self._fetch_lines())
        if self.issues:
            raise PricingError(self.issues)
        self.quote_facts["quote_total"] = sum(
            ((ln.list_price or ZERO) * ln.quantity for ln in lines), ZERO
        )
        self.quote_facts["quote_quantity"] = sum((ln.base_quantity for ln in lines), ZERO)
        for ln in lines:
            ln.facts.update(self.quote_facts)
            ln.facts["line_amount"] = (ln.list_price or ZERO) * ln.quantity
        waiting: list[LineState] = []
        for ln in lines:
            if (ln.parent is not None and ln.parent in waiting) or not self._price_step(ln):
                waiting.append(ln)
            else:
                self._finish(ln)
        for ln in waiting:  # percent of total: the lines it is a percent of are priced now
            if ln.of_total is not None or not self._price_step(ln):
                self._percent_of_total(ln, lines)
            self._finish(ln)
        if self.issues:
            raise PricingError(self.issues)
        return QuoteLevel(self, lines).run()

    def _fetch_lines(self) -> Iterator[LineState]:
        seen: set[str] = set()
        stack: list[tuple[LineInput, str, LineState | None]] = [
            (line, f"lines[{n}]", None) for n, line in enumerate(self.request.lines)
        ]
        stack.reverse()
        while stack:
            given, path, parent = stack.pop()
            state = self._line(given, path, parent, seen)
            if state is None:
                continue
            yield state
            children = [(opt, f"{path}.options[{n}]", state) for n, opt in enumerate(given.options)]
            stack.extend(reversed(children))

    def _line(
        self, given: LineInput, path: str, parent: LineState | None, seen: set[str]
    ) -> LineState | None:
        def problem(code: str, message: str, column: str) -> None:
            self.issues.append(error(code, message, column=f"{path}.{column}", value=None))

        if given.line_id in seen:
            problem("duplicate_line", f"line id {given.line_id!r} is used twice", "id")
        seen.add(given.line_id)
        if given.quantity <= 0:
            problem("bad_quantity", "quantity must be above zero", "quantity")
        if given.manual_price is not None and given.manual_price < 0:
            problem("bad_manual_price", "a manual price cannot be negative", "manual_price")
        md = given.manual_discount
        if md is not None and (
            md.value < 0 or (md.kind is DiscountKind.PERCENT and md.value > 100)
        ):
            problem(
                "bad_manual_discount",
                "a manual discount is 0-100% or a non-negative amount",
                "manual_discount",
            )
        item = self.catalog.items.get(given.sku)
        if item is None:
            problem(
                "unknown_sku",
                f"no item {given.sku!r} in catalog version {self.catalog.version}",
                "sku",
            )
            return None
        if not item.active:
            problem("inactive_sku", f"item {given.sku!r} is discontinued", "sku")
        unit = given.unit or item.base_unit
        factor = self.catalog.units.get((item.sku, unit))
        if factor is None:
            units = sorted(u for s, u in self.catalog.units if s == item.sku)
            problem(
                "unknown_unit",
                f"{item.sku} is not sold by {unit!r} (units: {', '.join(units)})",
                "unit",
            )
            return None
        quantity = given.quantity * (parent.quantity if parent is not None else ONE)
        term = given.term_months or self.ctx.term_months
        base_quantity = quantity * factor
        listed = (
            self.pricer.list_price(item.sku, unit, quantity, base_quantity)
            if quantity > 0
            else None
        )
        digits = minor_units(self.currency)
        if listed is not None:
            # Unit prices keep the decimals the list was written with (a ferrule at 0.0123),
            # at least the currency's; converted and derived prices are rounded to that.
            written = -int(listed.source.entry_price.as_tuple().exponent)
            digits = max(digits, min(written, MAX_PRICE_DIGITS))
        list_price = to_digits(listed.unit_price, digits) if listed is not None else None
        cost = None
        if item.unit_cost is not None:
            converted = convert(
                self.catalog,
                item.unit_cost * factor,
                item.cost_currency or self.currency,
                self.currency,
                self.day,
            )
            cost = converted[0] if converted is not None else None
        facts: dict[str, object] = {
            "sku": item.sku,
            "product_group": item.group,
            "groups": item.groups,
            "brand": item.brand,
            "unit": unit,
            "quantity": base_quantity,
            "parent_sku": parent.sku if parent is not None else None,
            "term_months": Decimal(term) if term else None,
        }
        return LineState(
            line_id=given.line_id,
            path=path,
            given=given,
            item=item,
            parent=parent,
            unit=unit,
            quantity=quantity,
            factor=factor,
            base_quantity=base_quantity,
            listed=listed,
            list_price=list_price,
            cost=cost,
            facts=facts,
            price=list_price if list_price is not None else ZERO,
            digits=digits,
        )

    def _applicable(self, step: Step | None, ln: LineState) -> list[Ranked]:
        ranked = self.index.candidates(step, ln.item.sku, ln.item.groups, ln.item.brand)
        if not ranked:
            return ranked
        return self.judge.applicable(ranked, ln.facts, ln.base_quantity, self.day)

    def _record(
        self, ln: LineState, step: Step, rule: M.Rule | None, kind: str, why: str, after: Decimal
    ) -> None:
        ln.adjustments.append(
            Adjustment(step, kind, rule.id if rule else None, why, ln.price, after)
        )
        ln.price = after

    # --- line steps --------------------------------------------------------------------------

    def _price_step(self, ln: LineState) -> bool:
        """Apply the winning price rule; False when the line waits (percent of total)."""
        ranked = [(r, s) for r, s in self._applicable(Step.PRICE, ln) if self._fits(r, ln)]
        contenders: list[M.Rule] = []
        primary = next(
            (r for r, _ in ranked if r.combination is not M.Combination.BEST_PRICE), None
        )
        if primary is not None:
            contenders.append(primary)
        contenders += [r for r, _ in ranked if r.combination is M.Combination.BEST_PRICE]
        best: tuple[M.Rule, Outcome] | None = None
        for rule in contenders:
            if isinstance(rule.action, M.PercentOfTotal):
                if rule is primary and best is None and len(contenders) == 1:
                    ln.of_total = (rule, rule.action)
                    return False
                continue
            outcome = STRATEGIES[rule.kind](rule.action, ln, self)
            if outcome.price is None:
                ln.flags.append(f"rule_skipped:{rule.id}")
                continue
            if best is None or outcome.price < best[1].price:  # type: ignore[operator]
                best = (rule, outcome)
        if best is not None:
            rule, outcome = best
            assert outcome.price is not None
            self._record(
                ln,
                Step.PRICE,
                rule,
                rule.kind,
                f"{rule.description}: {outcome.explanation}",
                outcome.price,
            )
        elif ln.list_price is None:
            self.issues.append(
                error(
                    "no_price",
                    f"no price for {ln.sku} in {self.currency} on {self.day} in any list that applies",
                    column=f"{ln.path}.sku",
                )
            )
        return True

    @staticmethod
    def _fits(rule: M.Rule, ln: LineState) -> bool:
        if isinstance(rule.action, M.BundleComponent):
            return ln.parent is not None and (
                not rule.action.parents or ln.parent.sku in rule.action.parents
            )
        return True

    def _percent_of_total(self, ln: LineState, lines: list[LineState]) -> None:
        assert ln.of_total is not None
        rule, action = ln.of_total
        scope = action.of
        basis = sum(
            (
                other.amount
                for other in lines
                if other is not ln
                and other.of_total is None
                and scope.specificity(other.sku, other.item.groups, other.item.brand) is not None
            ),
            ZERO,
        )
        after = basis * action.percent / HUNDRED
        self._record(
            ln,
            Step.PRICE,
            rule,
            rule.kind,
            f"{rule.description}: {action.percent.normalize():f}% of {basis} (lines in scope)",
            after,
        )

    def _finish(self, ln: LineState) -> None:
        self._discount_step(ln)
        self._single(ln, Step.ROUNDING)
        given = ln.given
        if given.manual_price is not None:
            self._record(
                ln,
                Step.MANUAL_PRICE,
                None,
                "manual_price",
                "price set by the rep",
                given.manual_price,
            )
        if given.manual_discount is not None:
            md = given.manual_discount
            if md.kind is DiscountKind.PERCENT:
                after, why = (
                    ln.price * (1 - md.value / HUNDRED),
                    f"{md.value.normalize():f}% off by the rep",
                )
            else:
                after, why = (
                    ln.price - md.value,
                    f"{md.value.normalize():f} off per unit by the rep",
                )
            if md.reason:
                why += f" ({md.reason})"
            self._record(
                ln, Step.MANUAL_DISCOUNT, None, f"manual_discount_{md.kind}", why, max(after, ZERO)
            )
        self._single(ln, Step.MARGIN_FLOOR)
        self._recurring(ln)
        ln.net_exact = ln.price
        if self.rules.rounding == "per_line":
            ln.net_total = to_money(ln.price * ln.quantity, self.currency)
        else:
            ln.net_total = ln.price * ln.quantity
        ln.amount = ln.net_total * (ln.term or 1)

    def _discount_step(self, ln: LineState) -> None:
        """The strongest exclusive discount alone; else the stacking ones in order, unless a
        best-price one alone gives a lower price (then it applies alone)."""
        ranked = self._applicable(Step.DISCOUNT, ln)
        if not ranked:
            return
        exclusive = next((r for r, _ in ranked if r.combination is M.Combination.EXCLUSIVE), None)
        if exclusive is not None:
            self._apply_discounts(ln, [exclusive])
            return
        start = ln.price
        stacking = [r for r, _ in ranked if r.combination is not M.Combination.BEST_PRICE]
        stacked = start
        for rule in stacking:
            result = discounts.apply(rule, start, stacked, ln, self)
            stacked = result[0] if result is not None else stacked
        best: tuple[Decimal, M.Rule] | None = None
        for rule, _ in ranked:
            if rule.combination is M.Combination.BEST_PRICE:
                result = discounts.apply(rule, start, start, ln, self)
                if result is not None and result[0] < (best[0] if best else stacked):
                    best = (result[0], rule)
        self._apply_discounts(ln, [best[1]] if best is not None else stacking)

    def _apply_discounts(self, ln: LineState, rules: list[M.Rule]) -> None:
        start = ln.price
        for rule in rules:
            result = discounts.apply(rule, start, ln.price, ln, self)
            if result is not None:
                after, why = result
                self._record(
                    ln, Step.DISCOUNT, rule, rule.kind, f"{rule.description}: {why}", after
                )

    def _single(self, ln: LineState, step: Step) -> None:
        """Rounding and margin floor: the strongest rule that applies, alone."""
        ranked = self._applicable(step, ln)
        if not ranked:
            return
        rule = ranked[0][0]
        action = rule.action
        if isinstance(action, M.PriceRounding):
            after = apply_ending(ln.price, action.ending)
            why = f"ends in {action.ending.ending.normalize():f} (multiple {action.ending.multiple.normalize():f}, {action.ending.direction})"
            if action.surcharge is not None:
                extra = self.money(action.surcharge) * ln.factor
                after += extra
                why += f", plus {extra.normalize():f}"
            self._record(ln, step, rule, rule.kind, f"{rule.description}: {why}", after)
        elif isinstance(action, M.MarginFloor) and ln.cost is not None and not self._in_bundle(ln):
            floor = action.percent / HUNDRED
            if ln.price > 0 and (ln.price - ln.cost) / ln.price >= floor:
                return
            if ln.cost == 0 and ln.price >= 0 and floor == 0:
                return
            if action.action == "raise":
                after = ln.cost / (1 - floor)
                self._record(
                    ln,
                    step,
                    rule,
                    rule.kind,
                    f"{rule.description}: raised to a {action.percent.normalize():f}% margin",
                    after,
                )
            else:
                ln.flags.append(f"below_margin_floor:{rule.id}")

    @staticmethod
    def _in_bundle(ln: LineState) -> bool:
        """An option priced by its bundle: its margin is judged on the bundle, not alone."""
        return any(a.kind == "bundle_component" for a in ln.adjustments)

    def _recurring(self, ln: LineState) -> None:
        ranked = self._applicable(None, ln)
        if not ranked:
            return
        rule = ranked[0][0]
        assert isinstance(rule.action, M.Recurring)
        ln.recurring = True
        ln.term = ln.given.term_months or self.ctx.term_months or rule.action.term_months

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
