"""Compiled mapping rules and how one rule turns a raw table into a canonical table.

A rule says how one kind of source table feeds one canonical entity: which columns give which
fields, which rows to keep, and how child-table continuation rows are read. Values pass through
unparsed (the catalog parser types them) except for the profile's own transforms and value maps.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from operator import itemgetter
from typing import NamedTuple

from cpq.catalog.entities import BY_NAME
from cpq.catalog.issues import Issue, error, warning
from cpq.catalog.tables import CanonicalTable, RawTable
from cpq.sync.transforms import TRANSFORMS, token


class NormalizedRows(list[tuple[int, Sequence[object]]]):
    """Raw rows a source hands over already tidy: each exactly as wide as the table's header, and
    every blank cell (empty or whitespace-only text) already None.

    A rule may then take such rows' cells as they are instead of looking at each one.
    """

    __slots__ = ()


def table_key(name: str) -> str:
    """Table names and patterns compare ignoring case, spaces and underscores."""
    return re.sub(r"[\s_]+", "", name).casefold()


def column_key(label: str) -> str:
    return label.strip().casefold()


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


@dataclass(frozen=True, slots=True)
class FieldRule:
    """One canonical field: from the first of ``columns`` the table has, or a constant."""

    name: str
    columns: tuple[str, ...] = ()
    constant: object = None
    # What error messages call a constant's "column": "cost_currency (profile parameter ...)".
    constant_label: str = ""
    transform: str | None = None
    value_map: Mapping[str, object] = field(default_factory=dict)

    @property
    def is_constant(self) -> bool:
        return not self.columns

    @property
    def passes_through(self) -> bool:
        """Whether ``convert`` changes blank values only."""
        return self.transform is None and not self.value_map

    def convert(self, value: object) -> object:
        if _blank(value):
            return None
        if self.transform is not None:
            value = TRANSFORMS[self.transform](value)
        return self.value_map.get(token(value), value) if self.value_map else value


@dataclass(frozen=True, slots=True)
class RowFilter:
    """Keeps a row if the column's value is one of ``values`` (``keep``) or is not (not ``keep``)."""

    columns: tuple[str, ...]
    values: frozenset[str]
    keep: bool
    reason: str

    def passes(self, value: object) -> bool:
        return (token(value) in self.values) == self.keep


@dataclass(frozen=True, slots=True)
class PathRule:
    """Groups derived from a category path column: "All / Saleable / Desks" gives three."""

    columns: tuple[str, ...]
    separator: str


@dataclass(frozen=True, slots=True)
class TableRule:
    entity: str
    patterns: tuple[str, ...]  # glob patterns over table_key(name)
    fields: tuple[FieldRule, ...] = ()
    paths: PathRule | None = None
    fill_down: tuple[str, ...] = ()
    skip_blank: tuple[str, ...] = ()
    filters: tuple[RowFilter, ...] = ()
    if_column: str | None = None
    # Parameters the rule's constants need but the profile leaves unset.
    unset_parameters: tuple[str, ...] = ()

    def matches(self, table_name: str) -> bool:
        key = table_key(table_name)
        return any(fnmatchcase(key, pattern) for pattern in self.patterns)

    def apply(self, table: RawTable) -> Applied:
        """This rule's canonical table from ``table`` (None if it cannot read one there)."""
        columns = _Columns(table.header)
        if self.if_column is not None:
            rule = next(f for f in self.fields if f.name == self.if_column)
            if columns.find(rule.columns) is None:
                return Applied(None, [_not_in_table(table, self.entity, rule.columns)], set())
        if self.unset_parameters:
            names = ", ".join(self.unset_parameters)
            message = (
                f"{self.entity} cannot be read: the profile parameter(s) {names} are not set "
                "(see docs/mapping-profiles.md, 'Parameters')"
            )
            return Applied(None, [error("missing_parameter", message, file=table.origin)], set())
        filters = _Filters(self.filters, columns)
        if self.paths is not None:
            return self._apply_paths(table, self.paths, columns, filters)
        return self._apply_fields(table, columns, filters)

    def _apply_fields(self, table: RawTable, columns: _Columns, filters: _Filters) -> Applied:
        entity = BY_NAME[self.entity]
        plan: list[tuple[FieldRule, int | None]] = []
        missing: list[Issue] = []
        for rule in self.fields:
            position = None if rule.is_constant else columns.find(rule.columns)
            if rule.is_constant or position is not None:
                plan.append((rule, position))
            elif entity.fields[entity.index(rule.name)].required:
                missing.append(_missing_column(table, self.entity, rule))
        if missing:
            # The columns found are still the table's, not "ignored" ones.
            return Applied(None, missing, {p for _, p in plan if p is not None})
        index = {rule.name: n for n, (rule, _) in enumerate(plan)}
        fill_down = [index[name] for name in self.fill_down if name in index]
        skip_blank = [index[name] for name in self.skip_blank if name in index]
        if (
            isinstance(table.rows, NormalizedRows)
            and not (fill_down or skip_blank or filters.active)
            and all(p is not None and rule.passes_through for rule, p in plan)
        ):
            # Every value is taken as it is, so whole rows are picked at C speed.
            rows = _picked(table, [p for _, p in plan if p is not None])
        else:
            rows = _mapped(table, plan, fill_down, skip_blank, filters)
        canonical = CanonicalTable(
            entity=self.entity,
            origin=table.origin,
            fields=tuple(rule.name for rule, _ in plan),
            labels=tuple(rule.constant_label if p is None else table.header[p] for rule, p in plan),
            rows=rows,
            decimal_comma=table.decimal_comma,
        )
        used = {p for _, p in plan if p is not None} | filters.positions
        return Applied(canonical, filters.warnings(table, self.entity), used)

    def _apply_paths(
        self, table: RawTable, paths: PathRule, columns: _Columns, filters: _Filters
    ) -> Applied:
        position = columns.find(paths.columns)
        if position is None:
            # The groups are a by-product of this table, so without the path there are none.
            return Applied(None, [_not_in_table(table, self.entity, paths.columns)], set())
        groups: dict[str, tuple[int, Sequence[object]]] = {}
        for number, cells in table.rows:
            path = _at(cells, position)
            if _blank(path) or filters.rejects(cells):
                continue
            parts = [p.strip() for p in str(path).split(paths.separator.strip())]
            parts = [p for p in parts if p]
            for depth in range(len(parts)):
                code = paths.separator.join(parts[: depth + 1])
                parent = paths.separator.join(parts[:depth]) or None
                # A group is listed once, at the first row whose path passes through it.
                groups.setdefault(code, (number, [code, parts[depth], parent]))
        label = table.header[position]
        canonical = CanonicalTable(
            entity=self.entity,
            origin=table.origin,
            fields=("code", "name", "parent"),
            labels=(label, label, label),
            rows=list(groups.values()),
            decimal_comma=table.decimal_comma,
        )
        return Applied(
            canonical, filters.warnings(table, self.entity), {position} | filters.positions
        )


def _picked(table: RawTable, positions: list[int]) -> list[tuple[int, Sequence[object]]]:
    """``positions`` of tidy rows (see NormalizedRows), the rows themselves if that is all of them."""
    if positions == list(range(len(table.header))):
        return list(table.rows)
    pick: Callable[[Sequence[object]], Sequence[object]]
    if len(positions) > 1:
        pick = itemgetter(*positions)
    else:
        # itemgetter of one position returns the value itself, not a tuple of it (and of none
        # it cannot be made): a slice gives the one or no values.
        start = positions[0] if positions else 0
        pick = itemgetter(slice(start, start + len(positions)))
    numbers = map(itemgetter(0), table.rows)
    return list(zip(numbers, map(pick, map(itemgetter(1), table.rows)), strict=True))


def _mapped(
    table: RawTable,
    plan: Sequence[tuple[FieldRule, int | None]],
    fill_down: Sequence[int],
    skip_blank: Sequence[int],
    filters: _Filters,
) -> list[tuple[int, Sequence[object]]]:
    """Each row's values for ``plan``: filled down, filtered, transformed and value-mapped."""
    pick = _picker(plan)
    width = max((p + 1 for _, p in plan if p is not None), default=0)
    converts = [None if rule.passes_through else rule.convert for rule, _ in plan]
    plain = not any(converts)
    rejects = filters.rejects if filters.active else None
    above: dict[int, object] = {}
    rows: list[tuple[int, Sequence[object]]] = []
    for number, cells in table.rows:
        if len(cells) < width:
            # A source may hand over rows shorter than the header (an API record without the key).
            cells = (*cells, *(None,) * (width - len(cells)))
        raw = pick(cells)
        if fill_down:
            # Continuation rows of a child table leave the parent's columns blank.
            raw = list(raw)
            for n in fill_down:
                if _blank(raw[n]):
                    raw[n] = above.get(n)
                else:
                    above[n] = raw[n]
        if skip_blank and any(_blank(raw[n]) for n in skip_blank):
            continue
        if rejects is not None and rejects(cells):
            continue
        # _blank and FieldRule.convert, written out: this runs for every value of a large export.
        if plain:
            values = [
                None if v is None or (isinstance(v, str) and not v.strip()) else v for v in raw
            ]
        else:
            values = [
                None
                if v is None or (isinstance(v, str) and not v.strip())
                else v
                if convert is None
                else convert(v)
                for v, convert in zip(raw, converts, strict=True)
            ]
        rows.append((number, tuple(values)))
    return rows


def _picker(
    plan: Sequence[tuple[FieldRule, int | None]],
) -> Callable[[Sequence[object]], Sequence[object]]:
    """What gives a row's raw values for ``plan``: the cells at its positions and its constants."""
    positions = [p for _, p in plan]
    if len(positions) > 1 and None not in positions:
        return itemgetter(*positions)
    sources = [(p, rule.constant) for rule, p in plan]
    return lambda cells: [constant if p is None else cells[p] for p, constant in sources]


class Applied(NamedTuple):
    table: CanonicalTable | None
    issues: list[Issue]
    used_columns: set[int]  # positions in the raw header the rule read


class _Filters:
    """The rule's row filters whose column the table has; counts the rows each one skips."""

    def __init__(self, filters: Sequence[RowFilter], columns: _Columns) -> None:
        found = [(f, columns.find(f.columns)) for f in filters]
        # A filter on a column the export lacks cannot tell rows apart, so it keeps them all.
        self._active = [(f, p) for f, p in found if p is not None]
        self._skipped: Counter[int] = Counter()

    @property
    def active(self) -> bool:
        return bool(self._active)

    @property
    def positions(self) -> set[int]:
        return {p for _, p in self._active}

    def rejects(self, cells: Sequence[object]) -> bool:
        for k, (row_filter, position) in enumerate(self._active):
            if not row_filter.passes(_at(cells, position)):
                self._skipped[k] += 1
                return True
        return False

    def warnings(self, table: RawTable, entity: str) -> list[Issue]:
        """One warning per filter with how many rows it skipped: never a silent drop."""
        return [
            warning(
                "skipped_rows",
                f"{count} row(s) not read as {entity}: {self._active[k][0].reason}",
                file=table.origin,
                column=table.header[self._active[k][1]],
            )
            for k, count in sorted(self._skipped.items())
        ]


class _Columns:
    """Finds source columns by label, case-insensitively and ignoring surrounding spaces."""

    def __init__(self, header: Sequence[str]) -> None:
        self._positions: dict[str, int] = {}
        for position, label in enumerate(header):
            self._positions.setdefault(column_key(label), position)

    def find(self, alternatives: Sequence[str]) -> int | None:
        return next(
            (self._positions[k] for k in map(column_key, alternatives) if k in self._positions),
            None,
        )


def _at(cells: Sequence[object], position: int) -> object:
    # A source may hand over rows shorter than the header (an API record without the key).
    return cells[position] if position < len(cells) else None


def _alternatives(columns: Sequence[str]) -> str:
    return " or ".join(repr(c) for c in columns)


def _not_in_table(table: RawTable, entity: str, columns: Sequence[str]) -> Issue:
    message = f"no {entity} read from this table: it has no column {_alternatives(columns)}"
    return warning("entity_not_in_table", message, file=table.origin)


def _missing_column(table: RawTable, entity: str, rule: FieldRule) -> Issue:
    if len(rule.columns) == 1:
        message = f"required column {rule.columns[0]!r} is missing"
    else:
        message = (
            f"required column for {entity}.{rule.name} is missing "
            f"(looked for {_alternatives(rule.columns)})"
        )
    return error("missing_column", message, file=table.origin, column=rule.name)
