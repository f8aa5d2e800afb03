"""What a rule set change does to quote totals: reprice the same baskets under both rule sets.

``compare`` takes the baskets and two pricing functions (current, candidate) and reports, per
basket, the totals before and after and the lines whose net total moved. ``sample_baskets`` makes
realistic baskets from a catalog when there are no stored quotes to reprice.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_CEILING, Decimal

from cpq.pricing.errors import PricingError
from cpq.pricing.inputs import LineInput, PricingContext, PricingRequest
from cpq.pricing.snapshot import PricingCatalog
from cpq.pricing.waterfall import PricedLine, PricedQuote

Basket = tuple[str, PricingRequest]
Pricer = Callable[[PricingRequest], PricedQuote]  # raises PricingError

HUNDRED = Decimal(100)
CENT = Decimal("0.01")


@dataclass(frozen=True, slots=True)
class LineChange:
    line_id: str
    sku: str
    before: Decimal  # net total
    after: Decimal
    rules_before: tuple[str, ...]  # rule ids of the line's waterfall, in order
    rules_after: tuple[str, ...]

    @property
    def change(self) -> Decimal:
        return self.after - self.before


@dataclass(frozen=True, slots=True)
class BasketImpact:
    name: str
    currency: str
    before: Decimal | None  # quote total; None when pricing failed
    after: Decimal | None
    lines: tuple[LineChange, ...]  # the lines whose net total changed
    error_before: str | None = None
    error_after: str | None = None

    @property
    def change(self) -> Decimal | None:
        if self.before is None or self.after is None:
            return None
        return self.after - self.before

    @property
    def percent(self) -> Decimal | None:
        change = self.change
        if change is None or self.before is None or self.before == 0:
            return None
        return (change / self.before * HUNDRED).quantize(CENT)

    @property
    def status(self) -> str:
        """unchanged | up | down | failed"""
        change = self.change
        if change is None:
            return "failed"
        return "up" if change > 0 else "down" if change < 0 else "unchanged"


@dataclass(frozen=True, slots=True)
class ImpactReport:
    baskets: tuple[BasketImpact, ...]

    def count(self, status: str) -> int:
        return sum(1 for b in self.baskets if b.status == status)

    @property
    def unchanged(self) -> int:
        return self.count("unchanged")

    @property
    def up(self) -> int:
        return self.count("up")

    @property
    def down(self) -> int:
        return self.count("down")

    @property
    def failed_before(self) -> int:
        return sum(1 for b in self.baskets if b.error_before is not None)

    @property
    def failed_after(self) -> int:
        return sum(1 for b in self.baskets if b.error_after is not None)

    @property
    def changed(self) -> tuple[BasketImpact, ...]:
        return tuple(b for b in self.baskets if b.status in ("up", "down"))


def _price(pricer: Pricer, request: PricingRequest) -> PricedQuote | str:
    try:
        return pricer(request)
    except PricingError as exc:
        return str(exc)


def _rules(line: PricedLine) -> tuple[str, ...]:
    return tuple(a.rule_id for a in line.adjustments if a.rule_id is not None)


def _line_changes(before: PricedQuote, after: PricedQuote) -> tuple[LineChange, ...]:
    later = {line.line_id: line for line in after.lines}
    changes: list[LineChange] = []
    for old in before.lines:
        new = later.get(old.line_id)
        if new is not None and new.net_total != old.net_total:
            changes.append(
                LineChange(
                    old.line_id, old.sku, old.net_total, new.net_total, _rules(old), _rules(new)
                )
            )
    return tuple(changes)


def compare(
    baskets: Sequence[Basket], price_current: Pricer, price_candidate: Pricer
) -> ImpactReport:
    """Each basket priced by both; errors other than ``PricingError`` are bugs and propagate."""
    impacts: list[BasketImpact] = []
    for name, request in baskets:
        before = _price(price_current, request)
        after = _price(price_candidate, request)
        impacts.append(
            BasketImpact(
                name=name,
                currency=request.context.currency,
                before=before.total if isinstance(before, PricedQuote) else None,
                after=after.total if isinstance(after, PricedQuote) else None,
                lines=(
                    _line_changes(before, after)
                    if isinstance(before, PricedQuote) and isinstance(after, PricedQuote)
                    else ()
                ),
                error_before=before if isinstance(before, str) else None,
                error_after=after if isinstance(after, str) else None,
            )
        )
    return ImpactReport(tuple(impacts))


# --- sample baskets ------------------------------------------------------------------------

MAX_LINES = 15
MAX_QUANTITY = 50


@dataclass(frozen=True, slots=True)
class _Priced:
    """A SKU a standard list prices on the day: the unit it is priced in and its price breaks."""

    sku: str
    unit: str | None  # None: the item's base unit
    breaks: tuple[Decimal, ...]  # min quantities above zero, ascending


def _priced_skus(catalog: PricingCatalog, currency: str, day: date) -> list[_Priced]:
    """Active SKUs with a general price on ``day`` in a standard list in ``currency``."""
    lists = sorted(
        code
        for code, pl in catalog.price_lists.items()
        if pl.kind == "standard" and pl.currency == currency and pl.valid_on(day)
    )
    found: list[_Priced] = []
    for sku, item in catalog.items.items():
        if not item.active:
            continue
        entries = [
            e
            for code in lists
            for e in catalog.entries.get((code, sku), ())
            if e.customer is None and e.valid_on(day)
        ]
        if not entries:
            continue
        units = {e.unit for e in entries}
        unit = item.base_unit if item.base_unit in units else min(units)
        if (sku, unit) not in catalog.units:
            continue
        breaks = sorted({e.min_quantity for e in entries if e.unit == unit and e.min_quantity > 0})
        found.append(_Priced(sku, None if unit == item.base_unit else unit, tuple(breaks)))
    return found


def _currencies(catalog: PricingCatalog, day: date) -> list[str]:
    return sorted(
        {
            pl.currency
            for pl in catalog.price_lists.values()
            if pl.kind == "standard" and pl.valid_on(day)
        }
    )


def _quantity(rng: random.Random, priced: _Priced) -> Decimal:
    reachable = [b for b in priced.breaks if b <= MAX_QUANTITY]
    if reachable and rng.random() < 0.4:
        # At or a little above a price break, so that the break's price is the one used.
        low = max(int(rng.choice(reachable).to_integral_value(rounding=ROUND_CEILING)), 1)
        return Decimal(rng.randint(low, min(low + 5, MAX_QUANTITY)))
    return Decimal(rng.randint(1, MAX_QUANTITY))


def sample_baskets(
    catalog: PricingCatalog, pricing_date: date, count: int, seed: int
) -> list[Basket]:
    """``count`` baskets, the same for the same catalog, date and seed.

    Each active customer in turn (in its default currency, else the first standard list's), or no
    customer when the catalog has none; 1-15 active SKUs a standard list in that currency prices,
    quantities 1-50, some at a price break.
    """
    rng = random.Random(seed)
    currencies = _currencies(catalog, pricing_date)
    if not currencies or count <= 0:
        return []
    buyers: list[tuple[str | None, str]] = [
        (c.external_id, c.default_currency or currencies[0])
        for c in catalog.customers.values()
        if c.active
    ] or [(None, currency) for currency in currencies]
    pools: dict[str, list[_Priced]] = {}

    def pool_of(currency: str) -> list[_Priced]:
        if currency not in pools:
            pools[currency] = _priced_skus(catalog, currency, pricing_date)
        return pools[currency]

    baskets: list[Basket] = []
    for n in range(count):
        customer, currency = buyers[n % len(buyers)]
        if not pool_of(currency):  # nothing listed in that currency: a standard list's instead
            currency = next((c for c in currencies if pool_of(c)), currency)
        pool = pool_of(currency)
        if not pool:
            return []  # no standard list prices anything on that day
        picked = rng.sample(pool, rng.randint(1, min(MAX_LINES, len(pool))))
        lines = tuple(
            LineInput(f"L{k + 1}", p.sku, _quantity(rng, p), unit=p.unit)
            for k, p in enumerate(picked)
        )
        context = PricingContext(currency, pricing_date, customer=customer)
        name = f"basket {n + 1:03d} ({customer or 'no customer'}, {currency})"
        baskets.append((name, PricingRequest(context, lines)))
    return baskets
