"""Parsing a whole table column by column, at C speed, when nothing in it is out of the ordinary.

A column of clean cells converts with ``map(Decimal, column)`` or ``map(str.strip, column)``
without a Python call per cell. At the first cell that needs a closer look (blank where a value is
required, not a number, negative, too precise...) this gives up and the row-by-row parser, which
reports every problem with its row and column, takes the table.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from decimal import Decimal, InvalidOperation
from itertools import repeat
from operator import itemgetter, ne

from cpq.catalog.entities import Field, Kind, Sign

Converter = Callable[[object], object]


class _Unsure(Exception):
    """This column needs the row-by-row parser."""


def _only_text(column: Sequence[object]) -> bool:
    return set(map(type, column)) == {str}


def _decimals(spec: Field, column: Sequence[object]) -> list[Decimal]:
    try:
        numbers = list(map(Decimal, column))  # type: ignore[arg-type]
        exact = list(map(Decimal.quantize, numbers, repeat(Decimal(1).scaleb(-spec.scale))))
    except (InvalidOperation, ValueError, TypeError):
        raise _Unsure from None
    if not all(map(Decimal.is_finite, numbers)) or any(map(ne, numbers, exact)):
        raise _Unsure
    if spec.sign is not Sign.ANY and any(map(Decimal.is_signed, numbers)):
        raise _Unsure
    if spec.sign is Sign.POSITIVE and any(map(Decimal.is_zero, numbers)):
        raise _Unsure
    return numbers


def _column(
    spec: Field, convert: Converter, column: Sequence[object], default: object, decimal_comma: bool
) -> Sequence[object]:
    if None not in column and _only_text(column):
        if spec.kind in (Kind.TEXT, Kind.CODE):
            stripped = list(map(str.strip, column))  # type: ignore[arg-type]
            blob = "".join(stripped)
            if "" in stripped or "\x00" in blob or "\x1f" in blob:
                raise _Unsure
            if spec.limit is not None and max(map(len, stripped)) > spec.limit:
                raise _Unsure
            return stripped
        if spec.kind is Kind.DECIMAL and not decimal_comma:
            return _decimals(spec, column)
        if spec.kind is Kind.DATE:
            try:
                return list(map(date.fromisoformat, column))  # type: ignore[arg-type]
            except ValueError:
                raise _Unsure from None
    out: list[object] = []
    append = out.append
    try:
        for cell in column:
            value = None if cell is None else convert(cell)
            if value is None:
                if spec.required:
                    raise _Unsure
                value = default
            append(value)
    except ValueError:  # BadValue is a ValueError
        raise _Unsure from None
    return out


def parse_columns(
    rows: Sequence[tuple[int, Sequence[object]]],
    width: int,
    plan: Sequence[tuple[Field, int, int, Converter]],
    template: Sequence[object],
    decimal_comma: bool,
) -> tuple[list[tuple[object, ...]], list[int]] | None:
    """Records (in entity field order) and row numbers, or None if a row needs a closer look.

    ``plan`` holds (field, record index, cell position, converter) for the fields the table has;
    ``template`` the record's defaults.
    """
    if not rows:
        return [], []
    cells = list(map(itemgetter(1), rows))
    if set(map(len, cells)) != {width}:
        return None
    # one itemgetter pass per column: zip(*cells) would unpack hundreds of thousands of arguments
    columns = {position: tuple(map(itemgetter(position), cells)) for _, _, position, _ in plan}
    converted: list[Sequence[object] | repeat[object]] = [repeat(value) for value in template]
    try:
        for spec, index, position, convert in plan:
            converted[index] = _column(
                spec, convert, columns[position], template[index], decimal_comma
            )
    except _Unsure:
        return None
    return list(zip(*converted)), list(map(itemgetter(0), rows))  # noqa: B905 - repeat() is endless
