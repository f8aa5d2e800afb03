"""Price endings (Odoo's price_round and price_surcharge in one): round to a multiple, then end on a
chosen figure, e.g. multiple 1 and ending 0.99 turn 123.40 into 122.99 and 123.60 into 123.99."""

from __future__ import annotations

from decimal import Decimal

from cpq.pricing.rules.model import Ending
from cpq.pricing.wording import plain

# Direction -> how the waterfall says it.
DIRECTIONS = {
    "nearest": "to the nearest",
    "up": "up to a multiple of",
    "down": "down to a multiple of",
}


def apply_ending(price: Decimal, ending: Ending) -> Decimal:
    """The price ending on ``ending.ending`` nearest to (or above, or below) ``price``; never < 0.

    With offset = (multiple - ending) mod multiple, the result is R(price + offset) - offset, R
    rounding to a multiple of ``multiple``: the prices with the ending are exactly those whose
    sum with the offset is a multiple, so rounding that sum picks the right one.
    """
    _validate(ending)
    offset = (ending.multiple - ending.ending) % ending.multiple
    result = _round_to_multiple(price + offset, ending.multiple, ending.direction) - offset
    # Rounding a small price down could go below zero; a price list never charges less than free.
    return max(result, Decimal(0))


def describe_ending(ending: Ending) -> str:
    """For the price waterfall, e.g. "rounded to the nearest 1, ending in 0.99"."""
    _validate(ending)
    text = f"rounded {DIRECTIONS[ending.direction]} {plain(ending.multiple)}"
    return f"{text}, ending in {plain(ending.ending)}" if ending.ending else text


def _validate(ending: Ending) -> None:
    if not ending.multiple > 0:
        raise ValueError(f"rounding multiple must be positive, got {ending.multiple}")
    if not 0 <= ending.ending < ending.multiple:
        raise ValueError(f"ending must be in [0, {ending.multiple}), got {ending.ending}")
    if ending.direction not in DIRECTIONS:
        raise ValueError(f"direction must be one of {', '.join(DIRECTIONS)}: {ending.direction!r}")


def _round_to_multiple(value: Decimal, multiple: Decimal, direction: str) -> Decimal:
    # Decimal's remainder is exact, unlike value / multiple (think multiple 0.03), so no tie or
    # exact multiple is misjudged. % keeps the dividend's sign; shift it into [0, multiple).
    rest = value % multiple
    if rest < 0:
        rest += multiple
    below = value - rest
    if direction == "down" or not rest:
        return below
    if direction == "up" or rest * 2 >= multiple:  # nearest: a tie goes up (ROUND_HALF_UP)
        return below + multiple
    return below
