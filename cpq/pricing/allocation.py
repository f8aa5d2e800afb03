"""Spreading a quote-level amount (an order discount, a freight charge) over the quote's lines.

Largest remainder method in the currency's minor units: every line gets the whole minor units of
its exact proportional share, and the minor units left over go to the lines with the largest
fractional parts (ties: the earliest line). The shares always sum exactly to the total, and the
same input always gives the same shares.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from cpq.money import minor_units, quantize


def allocate(
    total: Decimal,
    weights: Sequence[Decimal],
    currency: str,
    ties: Sequence[int] | None = None,
) -> tuple[Decimal, ...]:
    """Split ``total`` over lines in proportion to ``weights`` (typically the lines' net totals).

    ``ties`` ranks the lines for equal remainders (lower first); by default, their position.

    Each share is quantized to the currency's minor units and has the sign of ``total``; all zero
    weights spread the total equally. When ``|total|`` is at most the sum of the weights, each
    rounded down to minor units (always so for weights that are money amounts), no share exceeds
    its weight: a discount never takes a line below zero.
    """
    if quantize(total, currency) != total:
        # Rounding it here would silently break "the shares sum to the total".
        raise ValueError(f"total {total} is not in {currency} minor units")
    if not weights:
        if total:
            raise ValueError(f"no lines to allocate {total} {currency} over")
        return ()
    if any(not w.is_finite() or w < 0 for w in weights):
        raise ValueError(f"weights must be finite and non-negative: {list(weights)}")

    # Integers keep the proportions exact (Decimal division would round at the context's
    # precision) and are much faster than Fractions: every weight is scaled to whole units of
    # the finest decimal among them.
    digits = minor_units(currency)
    units = abs(int(total.scaleb(digits)))
    finest = min(min(int(w.as_tuple().exponent) for w in weights), 0)
    scaled = [int(w.scaleb(-finest)) for w in weights]
    if sum(scaled) == 0:
        shares = _largest_remainder(units, [1] * len(weights), None, ties)
    else:
        # The largest share in minor units that does not exceed the weight itself.
        caps = [(w * 10**digits) // 10**-finest for w in scaled]
        # When the caps cannot hold the total (|total| above the weights, or weights finer than
        # minor units) no capped split exists; plain largest remainder is the fair fallback.
        shares = _largest_remainder(units, scaled, caps if units <= sum(caps) else None, ties)

    sign = -1 if total < 0 else 1
    return tuple(Decimal(sign * share).scaleb(-digits) for share in shares)


def _largest_remainder(
    units: int, weights: list[int], caps: list[int] | None, ties: Sequence[int] | None
) -> list[int]:
    """``units`` whole minor units split by ``weights`` (sum > 0), no share above its cap."""
    whole = sum(weights)
    parts = [divmod(units * w, whole) for w in weights]
    shares = [share for share, _ in parts]
    left = units - sum(shares)
    if not left:
        return shares
    # The largest remainders first (ties: the lowest rank, by default the earliest line).
    rank = ties if ties is not None else range(len(weights))
    order = sorted(range(len(weights)), key=lambda i: (-parts[i][1], rank[i]))
    # Without caps one pass suffices (left < number of lines). With caps, a capped line passes its
    # unit on to the next in order; sum(caps) >= units guarantees every pass gives at least one.
    while left:
        for i in order:
            if left and (caps is None or shares[i] < caps[i]):
                shares[i] += 1
                left -= 1
    return shares
