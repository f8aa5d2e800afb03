"""Where the engine rounds, and how.

The engine computes at 50 significant digits. Prices set by a total (graduated schedules, blocks,
free items) become unit prices by a division, so a unit price can be a repeating decimal; such a
figure times its quantity lands within 1e-40 of the exact total. Before rounding to the currency,
figures are first rounded to 20 decimals, which gives back the exact total (707.5 x 0.97 is
686.275, rounded half up to 686.28, not 686.274999... rounded down to 686.27).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Context, Decimal

from cpq.money import quantize

WORKING_PRECISION = 50
_SNAP = Decimal("1e-20")


_WIDE = Context(prec=80)  # room for 20 decimals on any amount


def snap(value: Decimal) -> Decimal:
    return value.quantize(_SNAP, rounding=ROUND_HALF_UP, context=_WIDE)


def to_money(value: Decimal, currency: str) -> Decimal:
    """Round to the currency's minor units (half up)."""
    return quantize(snap(value), currency)


def to_digits(value: Decimal, digits: int) -> Decimal:
    """Round a unit price to ``digits`` decimals (half up)."""
    return snap(value).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)
