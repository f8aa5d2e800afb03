"""The content an approval binds to: a hash of the terms, the lines and their prices.

Anything a customer would see or sign goes in (terms, every line input, every priced figure, the
pinned catalog version and rule set); nothing else (status, timestamps, who edited) does, so two
versions with the same content have the same hash.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, set | frozenset):
        return sorted(value)
    raise TypeError(f"{type(value).__name__} is not JSON data")


def to_json(value: Any) -> Any:
    """Plain JSON data: decimals as strings (exact), dates ISO, tuples as lists, sets sorted.

    A round trip through the C JSON encoder: several times faster than walking a priced quote
    of thousands of figures in Python."""
    return json.loads(json.dumps(value, default=_plain))


def snapshot_hash(terms: Mapping[str, Any], lines: Any, priced: Any) -> str:
    content = {"terms": terms, "lines": lines, "priced": priced}
    canonical = json.dumps(
        content, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_plain
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()
