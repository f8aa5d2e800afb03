"""Normal forms of field values, so that equal values hash and compare equal across syncs.

``12.50`` and ``12.5`` are the same price; a date is its ISO form; None is distinct from ''.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from datetime import date
from decimal import Decimal
from functools import partial
from itertools import repeat
from operator import is_, itemgetter, methodcaller

from cpq.catalog.entities import Entity, Kind

NONE = "\x00"

Normaliser = Callable[[object], str]


def _decimal(value: Decimal) -> str:
    if not value:
        return "0"
    text = str(value)
    if "E" in text or ("." in text and text[-1] == "0"):
        return format(value.normalize(), "f")
    return text


def normal(value: object) -> str:
    if value is None:
        return NONE
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, Decimal):
        return _decimal(value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _text(value: object) -> str:
    return NONE if value is None else value  # type: ignore[return-value]


def _number(value: object) -> str:
    return NONE if value is None else _decimal(value)  # type: ignore[arg-type]


def _day(value: object) -> str:
    return NONE if value is None else value.isoformat()  # type: ignore[attr-defined]


def _flag(value: object) -> str:
    return NONE if value is None else ("1" if value else "0")


_BY_KIND: dict[Kind, Normaliser] = {
    Kind.TEXT: _text,
    Kind.CODE: _text,
    Kind.CURRENCY: _text,
    Kind.PRICE_LIST_KIND: _text,
    Kind.DECIMAL: _number,
    Kind.DATE: _day,
    Kind.BOOL: _flag,
}


def shown_key(values: Iterable[object]) -> str:
    """A natural key as people read it: ``STD-EUR / A-100 / each / 10``."""
    return " / ".join(normal(v) for v in values if v is not None and v != "")


Key = tuple[object, ...]


def key_function(entity: Entity) -> Callable[[tuple[object, ...]], Key]:
    """The record's natural key. Raw values compare as keys should: Decimal("10") equals
    Decimal("10.000") and hashes alike; dates and codes are themselves."""
    if len(entity.key_indexes) == 1:
        only = entity.key_indexes[0]
        return lambda record: (record[only],)
    return itemgetter(*entity.key_indexes)


def keys_of(entity: Entity, records: list[tuple[object, ...]]) -> list[Key]:
    """``key_function`` over many records, column by column at C speed."""
    return list(zip(*(map(itemgetter(i), records) for i in entity.key_indexes), strict=True))


def _digest(text: str) -> str:
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


def _hashed(value: object) -> str:
    """The form a value takes in a row hash: equal values alike (Decimal 12.50 as 12.5)."""
    if isinstance(value, Decimal):
        return str(value.normalize())
    return normal(value)


def row_hash(values: Iterable[object]) -> str:
    """A 128-bit digest of a record's values, stored with each row to detect changes."""
    return _digest("\x1f".join(map(_hashed, values)))


_TEXT = {None: NONE}  # .get(value, value): None becomes NONE, anything else itself, in C
_FLAG = {True: "1", False: "0", None: NONE}


def _column(kind: Kind, values: list[object]) -> Iterable[str]:
    """One field of many records in hashed form; without None, in C."""
    if kind is Kind.BOOL:
        return map(_FLAG.__getitem__, values)  # type: ignore[arg-type]
    if kind not in (Kind.DECIMAL, Kind.DATE):
        return map(_TEXT.get, values, values)  # type: ignore[arg-type]
    # (not ``None in values``: comparing a Decimal with None asks the numbers ABCs, slowly)
    if any(map(is_, values, repeat(None))):
        if set(values) == {None}:  # an optional column nobody filled
            return repeat(NONE, len(values))
        return map(_hashed, values)
    if kind is Kind.DECIMAL:
        return map(str, map(Decimal.normalize, values))  # type: ignore[arg-type]
    return map(date.isoformat, values)  # type: ignore[arg-type]


def hashes_of(entity: Entity, records: list[tuple[object, ...]]) -> list[str]:
    """``row_hash`` of many records, column by column."""
    if not records:
        return []
    columns = [
        _column(spec.kind, list(map(itemgetter(i), records)))
        for i, spec in enumerate(entity.fields)
    ]
    texts = map("\x1f".join, zip(*columns, strict=True))
    digests = map(partial(hashlib.blake2b, digest_size=16), map(str.encode, texts))
    return list(map(methodcaller("hexdigest"), digests))
