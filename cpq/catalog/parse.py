"""Turn canonical tables into typed records, collecting every problem with file, row and column."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from cpq.catalog.entities import BY_NAME, Entity, Field, Kind, Sign
from cpq.catalog.issues import Issue, error
from cpq.catalog.tables import CanonicalRead, CanonicalTable
from cpq.money import is_currency

Record = tuple[object, ...]
Where = tuple[str, int]  # (origin, row)

_TRUE = frozenset({"true", "1", "yes", "y", "t"})
_FALSE = frozenset({"false", "0", "no", "n", "f"})


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
    labels: dict[str, dict[str, str]] = field(default_factory=dict)  # origin -> field -> label
    issues: list[Issue] = field(default_factory=list)
    # Key values of rows rejected for some other field: references to them are not reported
    # again as "unknown", which would bury the real problem under echoes.
    rejected_keys: dict[str, set[tuple[object, ...]]] = field(default_factory=dict)

    def label(self, origin: str, field_name: str) -> str:
        return self.labels.get(origin, {}).get(field_name, field_name)


def _text(value: object) -> str | None:
    if isinstance(value, dict | list):
        raise BadValue("not_a_value", "a nested structure where a single value belongs")
    text = str(value).strip()
    return text or None


def _decimal(value: object, spec: Field, decimal_comma: bool) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, str | int | Decimal | float):
        raise BadValue("not_a_number", f"{value!r} is not a number")
    if isinstance(value, float):  # only if a source slipped one through; take what was shown
        value = repr(value)
    if isinstance(value, str):
        text = value.strip()
        if decimal_comma and "," in text and "." not in text:
            text = text.replace(",", ".")
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise BadValue("not_a_number", f"{value!r} is not a number") from None
    else:
        number = Decimal(value)
    if not number.is_finite():
        raise BadValue("not_a_number", f"{value!r} is not a finite number")
    if spec.sign is Sign.NON_NEGATIVE and number < 0:
        raise BadValue("negative", f"{number} is negative; {spec.name} cannot be below zero")
    if spec.sign is Sign.POSITIVE and number <= 0:
        raise BadValue("not_positive", f"{number} must be greater than zero")
    exponent = number.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -spec.scale:
        number = number.normalize()
        exponent = number.as_tuple().exponent
        if isinstance(exponent, int) and exponent < -spec.scale:
            raise BadValue(
                "too_precise", f"{value} has more than {spec.scale} digits after the point"
            )
    return number


def _date(value: object) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    try:
        if len(text) > 10:  # ERP datetime columns ("2026-01-31 00:00:00"): the day is what counts
            return datetime.fromisoformat(text).date()
        return date.fromisoformat(text)
    except ValueError:
        raise BadValue("bad_date", f"{value!r} is not a date (expected YYYY-MM-DD)") from None


def _bool(value: object) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | Decimal) and value in (0, 1):
        return bool(value)
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise BadValue("bad_boolean", f"{value!r} is not a yes/no value (true/false, 1/0, yes/no)")


def _currency(value: object) -> str:
    code = str(value).strip().upper()
    if not is_currency(code):
        raise BadValue("unknown_currency", f"{value!r} is not an ISO 4217 currency code")
    return code


def _price_list_kind(value: object) -> str:
    from cpq.catalog.entities import PRICE_LIST_KINDS

    kind = str(value).strip().lower()
    if kind not in PRICE_LIST_KINDS:
        raise BadValue("bad_kind", f"{value!r} is not one of {', '.join(PRICE_LIST_KINDS)}")
    return kind


def converter(spec: Field, decimal_comma: bool) -> Callable[[object], object]:
    match spec.kind:
        case Kind.TEXT | Kind.CODE:
            return _text
        case Kind.DECIMAL:
            return lambda v: _decimal(v, spec, decimal_comma)
        case Kind.DATE:
            return _date
        case Kind.BOOL:
            return _bool
        case Kind.CURRENCY:
            return _currency
        case Kind.PRICE_LIST_KIND:
            return _price_list_kind
    raise AssertionError(spec.kind)


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _parse_table(
    table: CanonicalTable,
    entity: Entity,
    out: Parsed,
    reported: set[tuple[str, str | None, str | None]],
) -> None:
    positions = {name: i for i, name in enumerate(table.fields)}
    labels = dict(zip(table.fields, table.labels, strict=True))
    out.labels[table.origin] = labels
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
    plan: list[tuple[Field, int | None, Callable[[object], object], object]] = []
    for spec in entity.fields:
        convert = converter(spec, table.decimal_comma)
        default = None if spec.default is None else convert(spec.default)
        plan.append((spec, positions.get(spec.name), convert, default))
    records = out.records.setdefault(entity.name, [])
    where = out.where.setdefault(entity.name, [])
    for row_number, cells in table.rows:
        values: list[object] = []
        ok = True
        for spec, position, convert, default in plan:
            raw = None if position is None else cells[position]
            if _blank(raw):
                if spec.required:
                    ok = False
                    out.issues.append(
                        error(
                            "required",
                            f"{spec.name} is required but empty",
                            file=table.origin,
                            row=row_number,
                            column=labels[spec.name],
                        )
                    )
                values.append(default)
                continue
            try:
                values.append(convert(raw))
            except BadValue as bad:
                ok = False
                values.append(None)
                out.issues.append(
                    error(
                        bad.code,
                        str(bad),
                        file=table.origin,
                        row=row_number,
                        column=labels[spec.name],
                        value=str(raw),
                    )
                )
        if ok:
            records.append(tuple(values))
            where.append((table.origin, row_number))
        else:
            key = tuple(values[i] for i in entity.key_indexes)
            out.rejected_keys.setdefault(entity.name, set()).add(key)


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
