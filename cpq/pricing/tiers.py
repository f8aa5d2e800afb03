"""Tiered prices, Stripe style: volume range (the tier reached prices every unit), graduated slab
(each tier prices the units inside it) and block (a price per started block of units).

Tiers are given by their inclusive upper bounds (``up_to``, in base units; None = unbounded, last
tier only) and, where needed, unit prices already resolved to one currency, parallel to them.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from cpq.money import quantize
from cpq.pricing.wording import plain


def check_tiers(up_tos: Sequence[Decimal | None]) -> list[str]:
    """Every problem with a schedule's upper bounds, tiers numbered from 1 as a reader counts."""
    if not up_tos:
        return ["a tier schedule needs at least one tier"]
    problems = []
    previous: Decimal | None = None
    for number, up_to in enumerate(up_tos, start=1):
        if up_to is None:
            if number < len(up_tos):
                problems.append(f"tier {number}: only the last tier may have no upper bound")
            continue
        if up_to <= 0:
            problems.append(f"tier {number}: up_to must be positive, got {up_to}")
        if previous is not None and up_to <= previous:
            problems.append(f"tier {number}: up_to {up_to} must be above the previous {previous}")
        previous = up_to
    return problems


def range_tier(up_tos: Sequence[Decimal | None], quantity: Decimal) -> int:
    """Index of the tier ``quantity`` reaches: the first whose up_to holds it, else the last."""
    if not up_tos:
        raise ValueError("a tier schedule needs at least one tier")
    for index, up_to in enumerate(up_tos):
        if up_to is None or quantity <= up_to:
            return index
    # Beyond a bounded last tier: still priced, at the last tier, rather than refused.
    return len(up_tos) - 1


def slab_total(
    up_tos: Sequence[Decimal | None], unit_prices: Sequence[Decimal], quantity: Decimal
) -> tuple[Decimal, tuple[tuple[Decimal, Decimal], ...]]:
    """Graduated price of ``quantity``: the full-precision total and the (units, unit price) parts.

    The first up_to[0] units at price[0], the next up_to[1] - up_to[0] at price[1], and so on;
    units beyond a bounded last tier at the last price. A fractional quantity (say 2.5 kg) is
    priced continuously, so the total has no jump at a tier boundary.
    """
    if not up_tos or len(up_tos) != len(unit_prices):
        raise ValueError("need one unit price per tier, and at least one tier")
    if quantity < 0:
        raise ValueError(f"quantity must not be negative, got {quantity}")
    parts: list[tuple[Decimal, Decimal]] = []
    lower = Decimal(0)
    last = len(up_tos) - 1
    for index, (up_to, price) in enumerate(zip(up_tos, unit_prices, strict=True)):
        upper = quantity if up_to is None or index == last else min(quantity, up_to)
        if upper > lower:
            parts.append((upper - lower, price))
        if upper >= quantity:
            break
        lower = upper
    total = sum((units * price for units, price in parts), Decimal(0))
    return total, tuple(parts)


def block_total(size: Decimal, block_price: Decimal, quantity: Decimal) -> tuple[Decimal, Decimal]:
    """(blocks, total): every started block of ``size`` units is charged in full."""
    if not size > 0:
        raise ValueError(f"block size must be positive, got {size}")
    if quantity < 0:
        raise ValueError(f"quantity must not be negative, got {quantity}")
    # divmod is exact where quantity / size would round (size 3, quantity 1).
    whole, rest = divmod(quantity, size)
    blocks = whole + 1 if rest else whole
    return blocks, blocks * block_price


def describe_slab(parts: Sequence[tuple[Decimal, Decimal]], currency: str) -> str:
    """For the price waterfall, e.g. "10 units at 95.00, 40 units at 90.00"."""
    return ", ".join(f"{_units(units)} at {_money(price, currency)}" for units, price in parts)


def describe_blocks(blocks: Decimal, size: Decimal, block_price: Decimal, currency: str) -> str:
    """For the price waterfall, e.g. "3 blocks of 100 units at 25.00"."""
    noun = "block" if blocks == 1 else "blocks"
    return f"{plain(blocks)} {noun} of {_units(size)} at {_money(block_price, currency)}"


def _units(units: Decimal) -> str:
    return f"{plain(units)} {'unit' if units == 1 else 'units'}"


def _money(amount: Decimal, currency: str) -> str:
    # A unit price may carry more digits than the currency (0.0125 EUR); show them, never hide.
    rounded = quantize(amount, currency)
    return str(rounded) if rounded == amount else plain(amount)
