"""Numbers in waterfall explanations: 40 rather than 40.000 or 4E+1, 0.99 as written."""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache


@lru_cache(maxsize=4096)  # the same few percentages and amounts, worded again and again
def plain(number: Decimal) -> str:
    return format(number.normalize(), "f")
