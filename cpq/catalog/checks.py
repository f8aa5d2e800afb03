"""Checks across records and entities: duplicates, references, periods, overlaps, coverage.

Entities the sync does not carry are looked up in the current catalog version through
``CurrentCatalog`` (implemented by the repository), so a folder with only prices is still checked
against the items already stored.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from operator import itemgetter
from typing import Protocol

from cpq.catalog import entities as E
from cpq.catalog.issues import Issue, error, warning
from cpq.catalog.parse import Parsed, Record, Where
from cpq.catalog.values import Key, keys_of


class CurrentCatalog(Protocol):
    def group_parents(self) -> Mapping[str, str | None]: ...
    def items(self) -> Mapping[str, tuple[str, bool]]: ...  # sku -> (base unit, active)
    def units(self) -> Mapping[tuple[str, str], Decimal]: ...
    def price_lists(self) -> Mapping[str, str]: ...  # code -> currency
    def customers(self) -> frozenset[str]: ...
    def priced_skus(self) -> frozenset[str]: ...


class _Checker:
    def __init__(self, parsed: Parsed, current: CurrentCatalog, complete: bool) -> None:
        self.p = parsed
        self.current = current
        self.complete = complete
        self.issues: list[Issue] = []

    # -- helpers ---------------------------------------------------------------------------
    def present(self, entity: E.Entity) -> bool:
        return entity.name in self.p.records

    def rows(self, entity: E.Entity) -> zip[tuple[Record, Where]]:
        return zip(self.p.records[entity.name], self.p.where[entity.name], strict=True)

    def rejected(self, entity: E.Entity, part: int = 0) -> set[object]:
        return {k[part] for k in self.p.rejected_keys.get(entity.name, set())}

    def fail(self, entity: E.Entity, code: str, message: str, where: Where, field: str) -> None:
        origin, row = where
        column = self.p.label(origin, entity.name, field)
        self.issues.append(error(code, message, file=origin, row=row, column=column))

    # -- reference data, from this sync or the current version ----------------------------
    def group_parents(self) -> dict[str, str | None]:
        if not self.present(E.PRODUCT_GROUPS):
            return dict(self.current.group_parents())
        i = E.PRODUCT_GROUPS.index("parent")
        return {str(r[0]): r[i] for r in self.p.records[E.PRODUCT_GROUPS.name]}  # type: ignore[misc]

    def items(self) -> dict[str, tuple[str, bool]]:
        if not self.present(E.ITEMS):
            return dict(self.current.items())
        unit, active = E.ITEMS.index("base_unit"), E.ITEMS.index("active")
        return {str(r[0]): (str(r[unit]), bool(r[active])) for r in self.p.records[E.ITEMS.name]}

    def units(self) -> dict[tuple[str, str], Decimal]:
        if not self.present(E.ITEM_UNITS):
            return dict(self.current.units())
        return {(str(r[0]), str(r[1])): r[2] for r in self.p.records[E.ITEM_UNITS.name]}  # type: ignore[misc]

    def price_lists(self) -> dict[str, str]:
        if not self.present(E.PRICE_LISTS):
            return dict(self.current.price_lists())
        i = E.PRICE_LISTS.index("currency")
        return {str(r[0]): str(r[i]) for r in self.p.records[E.PRICE_LISTS.name]}

    def customers(self) -> set[str]:
        if not self.present(E.CUSTOMERS):
            return set(self.current.customers())
        return {str(r[0]) for r in self.p.records[E.CUSTOMERS.name]}

    # -- checks ----------------------------------------------------------------------------
    def duplicates(self, entity: E.Entity, keys: list[Key]) -> None:
        if len(set(keys)) == len(keys):
            return
        first: dict[Key, Where] = {}
        field = "sku" if entity is E.PRICE_LIST_ENTRIES else entity.key[-1]
        for key, where in zip(keys, self.p.where[entity.name], strict=True):
            if key in first:
                origin, row = first[key]
                shown = ", ".join(f"{k}={v or '-'}" for k, v in zip(entity.key, key, strict=True))
                message = f"duplicate {entity.name} record ({shown}); first at {origin} row {row}"
                self.fail(entity, "duplicate_key", message, where, field)
            else:
                first[key] = where

    def product_groups(self) -> None:
        g = E.PRODUCT_GROUPS
        parents = self.group_parents()
        known = set(parents) | self.rejected(g)
        i_parent = g.index("parent")
        for record, where in self.rows(g):
            parent = record[i_parent]
            if parent is not None and parent not in known:
                self.fail(
                    g, "unknown_group", f"parent group {parent!r} does not exist", where, "parent"
                )
        in_cycle: set[str] = set()
        for start in parents:
            seen: list[str] = []
            node: str | None = start
            while node is not None and node in parents and node not in seen:
                seen.append(node)
                node = parents[node]
            if node is not None and node == start:
                in_cycle.add(start)
        for record, where in self.rows(g):
            if record[0] in in_cycle:
                self.fail(
                    g, "group_cycle", f"group {record[0]!r} is its own ancestor", where, "parent"
                )

    def items_(self) -> None:
        i = E.ITEMS
        groups = set(self.group_parents()) | self.rejected(E.PRODUCT_GROUPS)
        i_group, i_cost, i_currency = (
            i.index("product_group"),
            i.index("unit_cost"),
            i.index("cost_currency"),
        )
        for record, where in self.rows(i):
            group = record[i_group]
            if group is not None and group not in groups:
                self.fail(
                    i,
                    "unknown_group",
                    f"product group {group!r} does not exist",
                    where,
                    "product_group",
                )
            if record[i_cost] is not None and record[i_currency] is None:
                message = "unit_cost is given without cost_currency"
                self.fail(i, "missing_cost_currency", message, where, "cost_currency")

    def item_units(self, items: Mapping[str, tuple[str, bool]]) -> None:
        u = E.ITEM_UNITS
        rejected = self.rejected(E.ITEMS)
        for record, where in self.rows(u):
            sku, unit, factor = str(record[0]), str(record[1]), record[2]
            if sku not in items:
                if sku not in rejected:
                    self.fail(u, "unknown_sku", f"unit for unknown SKU {sku!r}", where, "sku")
            elif unit == items[sku][0] and factor != 1:
                message = f"{unit!r} is the base unit of {sku}; its factor must be 1"
                self.fail(u, "bad_factor", message, where, "factor")

    def period(self, entity: E.Entity, record: Record, where: Where) -> None:
        lo, hi = record[entity.index("valid_from")], record[entity.index("valid_to")]
        if isinstance(lo, date) and isinstance(hi, date) and hi < lo:
            self.fail(
                entity, "bad_period", f"valid_to {hi} is before valid_from {lo}", where, "valid_to"
            )

    def price_lists_(self) -> None:
        for record, where in self.rows(E.PRICE_LISTS):
            self.period(E.PRICE_LISTS, record, where)

    def entries(self, items: Mapping[str, tuple[str, bool]]) -> None:
        """Check each price's references; a price without a unit gets its item's base unit."""
        pe = E.PRICE_LIST_ENTRIES
        lists, units, customers = self.price_lists(), self.units(), self.customers()
        rejected_items, rejected_lists = self.rejected(E.ITEMS), self.rejected(E.PRICE_LISTS)
        rejected_customers = self.rejected(E.CUSTOMERS)
        i_list, i_sku, i_unit = pe.index("price_list"), pe.index("sku"), pe.index("unit")
        i_cust, i_cur = pe.index("customer"), pe.index("currency")
        i_from, i_to = pe.index("valid_from"), pe.index("valid_to")
        clean = _entries_without_problems(self.p.records[pe.name], items, lists, units, customers)
        if clean is not None:
            self.p.records[pe.name] = clean
            return
        resolved: list[Record] = []
        for record, where in self.rows(pe):
            price_list, sku, unit = str(record[i_list]), str(record[i_sku]), record[i_unit]
            currency = lists.get(price_list)
            if currency is None:
                if price_list not in rejected_lists:
                    self.fail(
                        pe,
                        "unknown_price_list",
                        f"price list {price_list!r} does not exist",
                        where,
                        "price_list",
                    )
            elif record[i_cur] is not None and record[i_cur] != currency:
                message = f"price in {record[i_cur]} but price list {price_list} is in {currency}"
                self.fail(pe, "currency_mismatch", message, where, "currency")
            item = items.get(sku)
            if item is None:
                if sku not in rejected_items:
                    self.fail(pe, "unknown_sku", f"price for unknown SKU {sku!r}", where, "sku")
            elif unit is None:
                record = (*record[:i_unit], item[0], *record[i_unit + 1 :])
            elif unit != item[0] and (sku, unit) not in units:
                self.fail(pe, "unknown_unit", f"{sku} is not sold in unit {unit!r}", where, "unit")
            customer = record[i_cust]
            if (
                customer is not None
                and customer not in customers
                and customer not in rejected_customers
            ):
                self.fail(
                    pe,
                    "unknown_customer",
                    f"customer {customer!r} does not exist",
                    where,
                    "customer",
                )
            if record[i_to] is not None and record[i_from] is not None:
                self.period(pe, record, where)
            resolved.append(record)
        self.p.records[pe.name] = resolved

    def overlaps(self, keys: list[Key]) -> None:
        """Two prices for the same list, SKU, unit, break and customer must not share a day."""
        pe = E.PRICE_LIST_ENTRIES
        i_from, i_to = pe.index("valid_from"), pe.index("valid_to")
        k_from = pe.key.index("valid_from")
        group_of = itemgetter(*(n for n in range(len(pe.key)) if n != k_from))
        group_keys = list(map(group_of, keys))
        shared = {g for g, n in Counter(group_keys).items() if n > 1}
        if not shared:
            return
        groups: dict[Key, list[tuple[Record, Where]]] = {}
        seen: set[Key] = set()
        rows = zip(keys, group_keys, self.p.records[pe.name], self.p.where[pe.name], strict=True)
        for key, group, record, where in rows:
            if group not in shared or key in seen:
                continue  # the same key twice is reported as a duplicate, not also as an overlap
            seen.add(key)
            groups.setdefault(group, []).append((record, where))
        for members in groups.values():
            members.sort(key=lambda rw: rw[0][i_from] or date.min)  # type: ignore[return-value,arg-type]
            reach: date | None = members[0][0][i_to]  # type: ignore[assignment]
            reach_where = members[0][1]
            for record, where in members[1:]:
                start: date = record[i_from] or date.min  # type: ignore[assignment]
                if reach is None or start <= reach:
                    message = (
                        f"validity overlaps the price for {record[pe.index('sku')]} in "
                        f"{record[pe.index('price_list')]} at {reach_where[0]} row {reach_where[1]}"
                    )
                    self.fail(pe, "overlapping_validity", message, where, "valid_from")
                end: date | None = record[i_to]  # type: ignore[assignment]
                if reach is not None and (end is None or end > reach):
                    reach, reach_where = end, where

    def customers_(self) -> None:
        c = E.CUSTOMERS
        lists = set(self.price_lists()) | self.rejected(E.PRICE_LISTS)
        i_contract = c.index("contract_price_list")
        for record, where in self.rows(c):
            contract = record[i_contract]
            if contract is not None and contract not in lists:
                message = f"contract price list {contract!r} does not exist"
                self.fail(c, "unknown_price_list", message, where, "contract_price_list")

    def rates(self) -> None:
        for record, where in self.rows(E.EXCHANGE_RATES):
            if record[0] == record[1]:
                self.fail(
                    E.EXCHANGE_RATES,
                    "same_currency",
                    f"a rate from {record[0]} to itself",
                    where,
                    "to_currency",
                )

    def unpriced(self, items: Mapping[str, tuple[str, bool]]) -> None:
        pe = E.PRICE_LIST_ENTRIES
        if not (self.present(E.ITEMS) or self.present(pe)):
            return
        if self.present(pe):
            i_sku = pe.index("sku")
            priced = {r[i_sku] for r in self.p.records[pe.name]}
            # a price rejected for a bad cell is reported once, not again as "no price"
            priced |= self.rejected(pe, part=1)
        else:
            priced = set(self.current.priced_skus())
        if self.present(E.ITEMS):
            i_active = E.ITEMS.index("active")
            for record, (origin, row) in self.rows(E.ITEMS):
                if record[i_active] and record[0] not in priced:
                    message = f"active item {record[0]} has no price in any price list"
                    self.issues.append(warning("no_price", message, file=origin, row=row))
        else:
            for sku, (_, active) in sorted(items.items()):
                if active and sku not in priced:
                    self.issues.append(
                        warning("no_price", f"active item {sku} has no price in any price list")
                    )

    def run(self) -> list[Issue]:
        items = self.items()
        checks = (
            (E.PRODUCT_GROUPS, self.product_groups),
            (E.ITEMS, self.items_),
            (E.ITEM_UNITS, lambda: self.item_units(items)),
            (E.PRICE_LISTS, self.price_lists_),
            (E.PRICE_LIST_ENTRIES, lambda: self.entries(items)),
            (E.CUSTOMERS, self.customers_),
            (E.EXCHANGE_RATES, self.rates),
        )
        for entity, check in checks:
            if self.present(entity):
                check()
        for entity in E.ENTITIES:
            if self.present(entity):
                keys = self.p.keys[entity.name] = keys_of(entity, self.p.records[entity.name])
                self.duplicates(entity, keys)
                if entity is E.PRICE_LIST_ENTRIES:
                    self.overlaps(keys)
        if self.complete:
            self.unpriced(items)
        return self.issues


def _entries_without_problems(
    records: list[Record],
    items: Mapping[str, tuple[str, bool]],
    lists: Mapping[str, str],
    units: Mapping[tuple[str, str], Decimal],
    customers: set[str],
) -> list[Record] | None:
    """The prices with base units filled in, if a whole-column look finds nothing to report;
    otherwise None, and the row-by-row check finds and places every problem."""
    pe = E.PRICE_LIST_ENTRIES
    if not records:
        return records
    columns = [tuple(map(itemgetter(i), records)) for i in range(len(pe.fields))]
    skus, unit_column = columns[pe.index("sku")], columns[pe.index("unit")]
    if not set(columns[pe.index("price_list")]) <= lists.keys() or not set(skus) <= items.keys():
        return None
    if (
        set(columns[pe.index("currency")]) != {None}
        or not set(columns[pe.index("customer")]) - {None} <= customers
    ):
        return None
    all_base = set(unit_column) == {None}  # the usual export: every price in the base unit
    for sku, unit in () if all_base else set(zip(skus, unit_column, strict=True)):
        if unit is not None and unit != items[sku][0] and (sku, unit) not in units:
            return None
    starts, ends = columns[pe.index("valid_from")], columns[pe.index("valid_to")]
    if set(starts) != {None} and set(ends) != {None}:
        periods = zip(starts, ends, strict=True)
        if any(lo is not None and hi is not None and hi < lo for lo, hi in periods):
            return None
    if all_base:
        base_units = {sku: unit for sku, (unit, _) in items.items()}
        columns[pe.index("unit")] = tuple(map(base_units.__getitem__, skus))
        return list(zip(*columns, strict=True))
    if None in unit_column:
        columns[pe.index("unit")] = tuple(
            items[s][0] if u is None else u for s, u in zip(skus, unit_column, strict=True)
        )
        return list(zip(*columns, strict=True))
    return records


def check(parsed: Parsed, current: CurrentCatalog, *, complete: bool = True) -> list[Issue]:
    """Check the parsed snapshot and complete it for storage: each price without a unit gets its
    item's base unit, and ``parsed.keys`` holds every record's natural key in normal form.

    ``complete=False``: the records are only part of their entities (a re-sync's changed rows
    with the stored rows they could clash with), so coverage (items with no price) is not judged.
    """
    return _Checker(parsed, current, complete).run()
