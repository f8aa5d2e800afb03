"""The figures of a priced quote that an approval policy judges: discounts, totals, margin, terms.

Percentages are rounded to four places *against* the quote: discounts up, the margin down, so an
approval is never bypassed by rounding (15.00001% off is more than 15%). Nothing divides by a
zero list price or base amount: such a figure is 0 (no discount on a free item).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import Any

from cpq.pricing.quote_level import MANUAL_QUOTE_DISCOUNT
from cpq.pricing.waterfall import PricedLine, PricedQuote, Step

ZERO = Decimal(0)
HUNDRED = Decimal(100)
PLACES = Decimal("0.0001")
MANUAL_STEPS = frozenset({Step.MANUAL_PRICE, Step.MANUAL_DISCOUNT})


def up(value: Decimal) -> Decimal:
    """Four places, rounded towards more (for figures where more is worse)."""
    return value.quantize(PLACES, ROUND_CEILING)


def down(value: Decimal) -> Decimal:
    """Four places, rounded towards less (for the margin, where less is worse)."""
    return value.quantize(PLACES, ROUND_FLOOR)


def _percent_up(part: Decimal, whole: Decimal) -> Decimal:
    if whole > 0:
        return up(part / whole * HUNDRED)
    return HUNDRED if part > 0 else ZERO  # something taken off nothing: all of it


@dataclass(frozen=True, slots=True)
class QuoteFigures:
    currency: str
    total: Decimal  # PricedQuote.total, quote currency
    total_amount: Decimal | None  # the total in the policy currency; None: no exchange rate
    list_total: Decimal
    max_line_discount_percent: Decimal  # the rep's largest line discount, % of the rules' price
    total_discount_percent: Decimal  # the rep's discounts over the quote, % of the rules' total
    list_discount_percent: Decimal  # (list_total - total) / list_total
    margin_percent: Decimal | None  # None: some line has no cost, or nothing is charged
    payment_terms: str | None
    customer: str | None
    segment: str | None
    skus: frozenset[str]
    groups: frozenset[str]  # the lines' product groups with their ancestors
    line_count: int

    def to_json(self) -> dict[str, Any]:
        """JSON-safe: Decimals as strings, sets as sorted lists."""
        return {
            "currency": self.currency,
            "total": _text(self.total),
            "total_amount": _text(self.total_amount),
            "list_total": _text(self.list_total),
            "max_line_discount_percent": _text(self.max_line_discount_percent),
            "total_discount_percent": _text(self.total_discount_percent),
            "list_discount_percent": _text(self.list_discount_percent),
            "margin_percent": _text(self.margin_percent),
            "payment_terms": self.payment_terms,
            "customer": self.customer,
            "segment": self.segment,
            "skus": sorted(self.skus),
            "groups": sorted(self.groups),
            "line_count": self.line_count,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> QuoteFigures:
        return cls(
            currency=str(data["currency"]),
            total=Decimal(data["total"]),
            total_amount=_number(data["total_amount"]),
            list_total=Decimal(data["list_total"]),
            max_line_discount_percent=Decimal(data["max_line_discount_percent"]),
            total_discount_percent=Decimal(data["total_discount_percent"]),
            list_discount_percent=Decimal(data["list_discount_percent"]),
            margin_percent=_number(data["margin_percent"]),
            payment_terms=data["payment_terms"],
            customer=data["customer"],
            segment=data["segment"],
            skus=frozenset(data["skus"]),
            groups=frozenset(data["groups"]),
            line_count=int(data["line_count"]),
        )


def _text(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:f}"


def _number(value: Any) -> Decimal | None:
    return None if value is None else Decimal(value)


def manual_unit_prices(line: PricedLine) -> tuple[Decimal, Decimal] | None:
    """The unit price before the rep's manual steps (what the rules gave) and after them; None
    when the rep changed nothing on the line."""
    manual = [a for a in line.adjustments if a.step in MANUAL_STEPS]
    if not manual:
        return None
    return manual[0].before, manual[-1].after


def _line_discount_percent(line: PricedLine) -> Decimal:
    prices = manual_unit_prices(line)
    if prices is None:
        return ZERO
    before, after = prices
    return max(_percent_up(before - after, before), ZERO)


def _manual_line_discount(line: PricedLine) -> Decimal:
    """The amount the rep's manual steps took off the line (negative when they raised it)."""
    prices = manual_unit_prices(line)
    if prices is None:
        return ZERO
    before, after = prices
    return (before - after) * line.quantity * (line.term_months or 1)


def _margin_percent(priced: PricedQuote) -> Decimal | None:
    # The engine's quote margin covers only the lines with a cost; a line without one could cost
    # anything, so the margin is unknown (and a margin rule fails closed) rather than flattering.
    if priced.margin is None or priced.cost_total is None:
        return None
    if any(line.unit_cost is None for line in priced.lines):
        return None
    revenue = priced.cost_total + priced.margin
    return down(priced.margin / revenue * HUNDRED) if revenue > 0 else None


def figures_of(
    priced: PricedQuote,
    *,
    payment_terms: str | None,
    customer: str | None,
    segment: str | None,
    groups_of: Mapping[str, Iterable[str]],
    rate_to_policy: Decimal | None,
) -> QuoteFigures:
    """The figures of ``priced`` for the approval policy.

    ``groups_of`` gives each SKU's product groups with their ancestors (as the pricing catalog's
    ``Item.groups`` does); ``rate_to_policy``: 1 quote currency = rate policy currency (1 for the
    same currency, None when there is no rate).

    The total discount is the rep's: manual line discounts (net of manual prices above the
    rules' price) plus the quote discount, as a share of the quote without them. Order-level
    discounts the rules give are not the rep's and count on neither side.
    """
    manual = sum((_manual_line_discount(line) for line in priced.lines), ZERO)
    manual -= sum(
        (a.amount for a in priced.quote_adjustments if a.kind == MANUAL_QUOTE_DISCOUNT), ZERO
    )
    groups: set[str] = set()
    for sku in {line.sku for line in priced.lines}:
        groups.update(groups_of.get(sku, ()))
    return QuoteFigures(
        currency=priced.currency,
        total=priced.total,
        total_amount=up(priced.total * rate_to_policy) if rate_to_policy is not None else None,
        list_total=priced.list_total,
        max_line_discount_percent=max(
            (_line_discount_percent(line) for line in priced.lines), default=ZERO
        ),
        total_discount_percent=_percent_up(manual, priced.total + manual),
        list_discount_percent=_percent_up(priced.list_total - priced.total, priced.list_total),
        margin_percent=_margin_percent(priced),
        payment_terms=payment_terms,
        customer=customer,
        segment=segment,
        skus=frozenset(line.sku for line in priced.lines),
        groups=frozenset(groups),
        line_count=len(priced.lines),
    )
