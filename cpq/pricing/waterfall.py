"""A priced quote: per line, the list price and where it came from, each adjustment in order, the
net price, cost and margin; then quote-level adjustments and the totals."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import NamedTuple


class Step(StrEnum):
    """The steps of a line's waterfall, in the order they apply (docs/pricing.md)."""

    PRICE = "price"  # a rule that sets the price: fixed, markup, formula, schedules, bundle...
    DISCOUNT = "discount"  # discounts, surcharges, promotions, free items
    ROUNDING = "rounding"  # price endings
    MANUAL_PRICE = "manual_price"
    MANUAL_DISCOUNT = "manual_discount"
    MARGIN_FLOOR = "margin_floor"
    QUOTE = "quote"  # order-level discounts and the rep's quote discount


class Adjustment(NamedTuple):
    """One step of a waterfall: the unit price before and after (full precision).

    A named tuple rather than a frozen dataclass: a quote makes thousands, and a named tuple is
    built three times as fast; it is just as immutable.
    """

    step: Step
    kind: str
    rule_id: str | None
    description: str
    before: Decimal
    after: Decimal

    @property
    def amount(self) -> Decimal:
        return self.after - self.before


@dataclass(frozen=True, slots=True)
class Conversion:
    from_currency: str
    rate: Decimal  # 1 from_currency = rate quote currency (inverted when only the reverse exists)
    rate_date: date
    inverted: bool


class PriceSource(NamedTuple):
    """Where a list price came from: which list (and why that list), which entry."""

    price_list: str
    reason: str  # override | contract | segment | derived | standard | conversion
    currency: str
    unit: str
    min_quantity: Decimal
    entry_price: Decimal  # as written in the list, per ``unit``, in ``currency``
    customer_specific: bool = False
    valid_from: date | None = None
    valid_to: date | None = None
    derived_from: tuple[tuple[str, Decimal], ...] = ()  # (list, percent) from the base outwards
    conversion: Conversion | None = None


class PricedLine(NamedTuple):
    """One priced line (a named tuple, like ``Adjustment``, for the speed of building it)."""

    line_id: str
    sku: str
    name: str
    parent_line_id: str | None
    quantity: Decimal
    unit: str
    base_quantity: Decimal  # in the item's base unit; quantity conditions judge this
    list_price: Decimal  # per ``unit``, quote currency, quantized
    source: PriceSource | None  # None: the price came from a rule alone (no list price needed)
    adjustments: tuple[Adjustment, ...]
    net_unit_price_exact: Decimal
    net_unit_price: Decimal  # quantized
    net_total: Decimal  # per month for a recurring line; rounded as the rule set says
    recurring: bool
    term_months: int | None
    amount: Decimal  # net_total, times the term for a recurring line
    quote_discount: Decimal  # this line's share of the quote-level adjustments (<= 0)
    final_amount: Decimal  # amount + quote_discount
    unit_cost: Decimal | None  # per ``unit``, quote currency
    margin: Decimal | None  # final amount minus cost (over the term for recurring lines)
    margin_percent: Decimal | None
    flags: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class QuoteAdjustment:
    step: Step
    kind: str
    rule_id: str | None
    description: str
    basis: Decimal  # the amount the adjustment was computed on
    amount: Decimal  # signed; spread over lines so that the shares sum to it exactly
    shares: tuple[tuple[str, Decimal], ...]  # (line_id, share)


@dataclass(frozen=True, slots=True)
class PricedQuote:
    currency: str
    pricing_date: date
    catalog_version: int | None
    rule_set: str  # name and digest of the rule set
    rounding: str  # per_line | on_total
    lines: tuple[PricedLine, ...]
    quote_adjustments: tuple[QuoteAdjustment, ...]
    list_total: Decimal  # list price x quantity (x term), before any adjustment
    one_time_total: Decimal
    recurring_monthly_total: Decimal
    recurring_total: Decimal  # over each recurring line's term
    total: Decimal  # one-time + recurring over the term
    cost_total: Decimal | None
    margin: Decimal | None
    margin_percent: Decimal | None
    flags: tuple[str, ...] = ()
