"""Turn canonical tables into typed records, collecting every problem with file, row and column."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from itertools import repeat

from cpq.catalog.columns import parse_columns
from cpq.catalog.entities import BY_NAME, PRICE_LIST_KINDS, Entity, Field, Kind, Sign
from cpq.catalog.issues import Issue, error
from cpq.catalog.tables import CanonicalRead, CanonicalTable
from cpq.money import iso_currencies

Record = tuple[object, ...]
Where = tuple[str, int]  # (origin, row)

_TRUE = frozenset({"true", "1", "yes", "y", "t"})
_FALSE = frozenset({"false", "0", "no", "n", "f"})
_CURRENCIES = iso_currencies()
_DIGITS = 28  # Decimal's default precision: more digits would be rounded in comparisons


class BadValue(ValueError):
    """A cell that cannot be read as its field's type; ``code`` names the kind of problem."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(slots=True)
class Parsed:
    """The records of every entity the source carried, with where each came from."""

    records: dict[str, list[Record]] = field(default_factory=dict)
    where: dict[str, list[Where]] = field(default_factory=dict)
    # (origin, entity) -> field -> the source's column label: one file may feed several entities
    labels: dict[tuple[str, str], dict[str, str]] = field(default_factory=dict)
    issues: list[Issue] = field(default_factory=list)
    # Key values of rows rejected for some other field: references to them are not reported
    # again as "unknown", which would bury the real problem under echoes.
    rejected_keys: dict[str, set[tuple[object, ...]]] = field(default_factory=dict)
    # Each record's natural key in normal form, filled in by ``checks.check``.
    keys: dict[str, list[tuple[object, ...]]] = field(default_factory=dict)

    def label(self, origin: str, entity: str, field_name: str) -> str:
        return self.labels.get((origin, entity), {}).get(field_name, field_name)


def _text(value: object) -> str | None:
    if value.__class__ is str:
        return value.strip() or None
    if isinstance(value, dict | list):
        raise BadValue("not_a_value", "a nested structure where a single value belongs")
    return str(value).strip() or None


def _text_converter(limit: int | None) -> Callable[[object], str | None]:
    def convert(value: object) -> str | None:
        text = _text(value)
        if text is not None:
            if "\x00" in text or "\x1f" in text:
                raise BadValue(
                    "bad_character", "contains a NUL or unit-separator control character"
                )
            if limit is not None and len(text) > limit:
                raise BadValue("too_long", f"{len(text)} characters; at most {limit} fit")
        return text

    return convert


def _too_precise(number: Decimal, scale: int) -> bool:
    exponent = number.normalize().as_tuple().exponent
    return isinstance(exponent, int) and exponent < -scale


def _decimal_converter(spec: Field, decimal_comma: bool) -> Callable[[object], Decimal | None]:
    scale, sign = spec.scale, spec.sign

    def convert(value: object) -> Decimal | None:
        if value.__class__ is str:
            text: str = value
            if decimal_comma and "," in text and "." not in text:
                text = text.replace(",", ".")
            try:
                number = Decimal(text)
            except InvalidOperation:
                if not text.strip():
                    return None
                raise BadValue("not_a_number", f"{value!r} is not a number") from None
        elif isinstance(value, bool) or not isinstance(value, int | Decimal | float):
            raise BadValue("not_a_number", f"{value!r} is not a number")
        else:
            # a float only if a source slipped one through: take what was shown
            text = repr(value) if isinstance(value, float) else str(value)
            number = Decimal(text)
        if not number.is_finite():
            raise BadValue("not_a_number", f"{value!r} is not a finite number")
        if sign is Sign.NON_NEGATIVE and number.is_signed() and number < 0:
            raise BadValue("negative", f"{number} is negative; {spec.name} cannot be below zero")
        if sign is Sign.POSITIVE and (number.is_signed() or not number):
            raise BadValue("not_positive", f"{number} must be greater than zero")
        if len(text) > _DIGITS and len(number.as_tuple().digits) > _DIGITS:
            raise BadValue("too_precise", f"{value} has more than {_DIGITS} significant digits")
        # Most cells have few decimals: only look closer when the text says there may be more.
        dot = text.find(".")
        if (
            (dot >= 0 and len(text) - dot - 1 > scale) or "e" in text or "E" in text
        ) and _too_precise(number, scale):
            raise BadValue("too_precise", f"{value} has more than {scale} digits after the point")
        return number

    return convert


def _date(value: object) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    if not text:
        return None
    try:
        if len(text) > 10:  # ERP datetime columns ("2026-01-31 00:00:00"): the day is what counts
            return datetime.fromisoformat(text).date()
        return date.fromisoformat(text)
    except ValueError:
        raise BadValue("bad_date", f"{value!r} is not a date (expected YYYY-MM-DD)") from None


def _bool(value: object) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | Decimal) and value in (0, 1):
        return bool(value)
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    if not text:
        return None
    raise BadValue("bad_boolean", f"{value!r} is not a yes/no value (true/false, 1/0, yes/no)")


def _currency(value: object) -> str | None:
    code = str(value).strip().upper()
    if code in _CURRENCIES:
        return code
    if not code:
        return None
    raise BadValue("unknown_currency", f"{value!r} is not an ISO 4217 currency code")


def _price_list_kind(value: object) -> str | None:
    kind = str(value).strip().lower()
    if kind in PRICE_LIST_KINDS:
        return kind
    if not kind:
        return None
    raise BadValue("bad_kind", f"{value!r} is not one of {', '.join(PRICE_LIST_KINDS)}")


def converter(spec: Field, decimal_comma: bool) -> Callable[[object], object]:
    match spec.kind:
        case Kind.TEXT | Kind.CODE:
            return _text_converter(spec.limit)
        case Kind.DECIMAL:
            return _decimal_converter(spec, decimal_comma)
        case Kind.DATE:
            return _date
        case Kind.BOOL:
            return _bool
        case Kind.CURRENCY:
            return _currency
        case Kind.PRICE_LIST_KIND:
            return _price_list_kind
    raise AssertionError(spec.kind)


class _Required(Exception):
    """A required cell is empty (control flow of the fast path only)."""


def _cell_issues(
    table: CanonicalTable,
    plan: list[_Step],
    labels: dict[str, str],
    row_number: int,
    cells: Sequence[object],
) -> list[Issue]:
    """Every problem of one row: the slow path, taken only for rows that failed the fast one."""
    issues = []
    for spec, _index, position, convert in plan:
        raw = cells[position]
        try:
            value = None if raw is None else convert(raw)
        except BadValue as bad:
            column = labels[spec.name]
            issues.append(
                error(
                    bad.code,
                    str(bad),
                    file=table.origin,
                    row=row_number,
                    column=column,
                    value=str(raw),
                )
            )
            continue
        if value is None and spec.required:
            message = f"{spec.name} is required but empty"
            issues.append(
                error(
                    "required", message, file=table.origin, row=row_number, column=labels[spec.name]
                )
            )
    return issues


_Step = tuple[
    Field, int, int, Callable[[object], object]
]  # (field, record index, cell position, converter)


def _parse_table(
    table: CanonicalTable,
    entity: Entity,
    out: Parsed,
    reported: set[tuple[str, str | None, str | None]],
) -> None:
    positions = {name: i for i, name in enumerate(table.fields)}
    labels = dict(zip(table.fields, table.labels, strict=True))
    out.labels[(table.origin, entity.name)] = labels
    missing = [f.name for f in entity.fields if f.required and f.name not in positions]
    for name in missing:
        if ("missing_column", table.origin, name) not in reported:
            out.issues.append(
                error(
                    "missing_column",
                    f"required column {name!r} is missing",
                    file=table.origin,
                    column=name,
                )
            )
    if missing:
        return
    template: list[object] = []
    plan: list[_Step] = []
    for index, spec in enumerate(entity.fields):
        convert = converter(spec, table.decimal_comma)
        template.append(None if spec.default is None else convert(spec.default))
        if spec.name in positions:
            plan.append((spec, index, positions[spec.name], convert))
    records = out.records.setdefault(entity.name, [])
    where = out.where.setdefault(entity.name, [])
    origin = table.origin
    fast = parse_columns(table.rows, len(table.fields), plan, template, table.decimal_comma)
    if fast is not None:
        records.extend(fast[0])
        where.extend(zip(repeat(origin), fast[1]))
        return
    steps = [(index, position, convert, spec.required) for spec, index, position, convert in plan]
    for row_number, cells in table.rows:
        values = template.copy()
        try:
            for index, position, convert, required in steps:
                raw = cells[position]
                if raw is not None:
                    value = convert(raw)
                    if value is not None:
                        values[index] = value
                        continue
                if required:
                    raise _Required
        except (BadValue, _Required):
            out.issues.extend(_cell_issues(table, plan, labels, row_number, cells))
            rejected = []
            for i in entity.key_indexes:
                step = next((s for s in plan if s[1] == i), None)
                try:
                    rejected.append(
                        None if step is None or cells[step[2]] is None else step[3](cells[step[2]])
                    )
                except BadValue:
                    rejected.append(None)
            out.rejected_keys.setdefault(entity.name, set()).add(tuple(rejected))
            continue
        records.append(tuple(values))
        where.append((origin, row_number))


def parse(read: CanonicalRead, extra_tables: Sequence[CanonicalTable] = ()) -> Parsed:
    """Parse every table; an entity is 'present' as soon as one of its tables was read."""
    out = Parsed(issues=list(read.issues))
    reported = {(i.code, i.file, i.column) for i in read.issues}
    for table in [*read.tables, *extra_tables]:
        entity = BY_NAME.get(table.entity)
        if entity is None:
            raise ValueError(f"unknown entity {table.entity!r} from {table.origin}")
        out.records.setdefault(entity.name, [])
        out.where.setdefault(entity.name, [])
        _parse_table(table, entity, out, reported)
    return out
