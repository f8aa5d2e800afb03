"""Normal forms of field values, so that equal values hash and compare equal across syncs."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import date
from decimal import Decimal


def normal(value: object) -> str:
    """A stable text form: 12.50 and 12.5 are the same price; None is distinct from ''."""
    if value is None:
        return "\x00"
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value else "0"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def key_of(values: Iterable[object]) -> tuple[str, ...]:
    return tuple("" if v is None else normal(v) for v in values)


def row_hash(values: Iterable[object]) -> str:
    """A 128-bit digest of a record's values, stored with each row to detect changes cheaply."""
    joined = "\x1f".join(normal(v) for v in values)
    return hashlib.blake2b(joined.encode(), digest_size=16).hexdigest()
