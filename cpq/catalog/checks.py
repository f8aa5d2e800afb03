"""Checks across records and entities: duplicates, references, periods, overlaps, coverage.

Entities the sync does not carry are looked up in the current catalog version through
``CurrentCatalog`` (implemented by the repository), so a folder with only prices is still checked
against the items already stored.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Protocol

from cpq.catalog import entities as E
from cpq.catalog.issues import Issue, error, warning
from cpq.catalog.parse import Parsed, Record, Where
from cpq.catalog.values import key_of


class CurrentCatalog(Protocol):
    def group_parents(self) -> Mapping[str, str | None]: ...
    def items(self) -> Mapping[str, tuple[str, bool]]: ...  # sku -> (base unit, active)
    def units(self) -> Mapping[tuple[str, str], Decimal]: ...
    def price_lists(self) -> Mapping[str, str]: ...  # code -> currency
    def customers(self) -> frozenset[str]: ...
    def priced_skus(self) -> frozenset[str]: ...


class _Checker:
    def __init__(self, parsed: Parsed, current: CurrentCatalog) -> None:
        self.p = parsed
        self.current = current
        self.issues: list[Issue] = []

    # -- helpers ---------------------------------------------------------------------------
    def present(self, entity: E.Entity) -> bool:
        return entity.name in self.p.records

    def rows(self, entity: E.Entity) -> list[tuple[Record, Where]]:
        return list(zip(self.p.records[entity.name], self.p.where[entity.name], strict=True))

    def rejected(self, entity: E.Entity) -> set[object]:
        return {k[0] for k in self.p.rejected_keys.get(entity.name, set())}

    def fail(self, code: str, message: str, where: Where, field: str) -> None:
        origin, row = where
        column = self.p.label(origin, field)
        self.issues.append(error(code, message, file=origin, row=row, column=column))

    def value(self, entity: E.Entity, record: Record, name: str) -> object:
        return record[entity.index(name)]

    # -- reference data, from this sync or the current version ----------------------------
    def group_parents(self) -> dict[str, str | None]:
        if not self.present(E.PRODUCT_GROUPS):
            return dict(self.current.group_parents())
        g = E.PRODUCT_GROUPS
        return {str(r[g.index("code")]): r[g.index("parent")] for r in self.p.records[g.name]}  # type: ignore[misc]

    def items(self) -> dict[str, tuple[str, bool]]:
        if not self.present(E.ITEMS):
            return dict(self.current.items())
        i = E.ITEMS
        return {
            str(r[i.index("sku")]): (str(r[i.index("base_unit")]), bool(r[i.index("active")]))
            for r in self.p.records[i.name]
        }

    def units(self) -> dict[tuple[str, str], Decimal]:
        if not self.present(E.ITEM_UNITS):
            return dict(self.current.units())
        return {(str(r[0]), str(r[1])): r[2] for r in self.p.records[E.ITEM_UNITS.name]}  # type: ignore[misc]

    def price_lists(self) -> dict[str, str]:
        if not self.present(E.PRICE_LISTS):
            return dict(self.current.price_lists())
        pl = E.PRICE_LISTS
        return {str(r[0]): str(r[pl.index("currency")]) for r in self.p.records[pl.name]}

    def customers(self) -> set[str]:
        if not self.present(E.CUSTOMERS):
            return set(self.current.customers())
        return {str(r[0]) for r in self.p.records[E.CUSTOMERS.name]}

    # -- checks ----------------------------------------------------------------------------
    def duplicates(self, entity: E.Entity) -> None:
        first: dict[tuple[str, ...], Where] = {}
        for record, where in self.rows(entity):
            key = key_of(record[i] for i in entity.key_indexes)
            if key in first:
                origin, row = first[key]
                shown = ", ".join(f"{k}={v or '-'}" for k, v in zip(entity.key, key, strict=True))
                self.fail(
                    "duplicate_key",
                    f"duplicate {entity.name} record ({shown}); first at {origin} row {row}",
                    where,
                    "sku" if entity is E.PRICE_LIST_ENTRIES else entity.key[-1],
                )
            else:
                first[key] = where

    def product_groups(self) -> None:
        g = E.PRODUCT_GROUPS
        parents = self.group_parents()
        known = set(parents) | self.rejected(g)
        for record, where in self.rows(g):
            parent = self.value(g, record, "parent")
            if parent is not None and parent not in known:
                self.fail(
                    "unknown_group", f"parent group {parent!r} does not exist", where, "parent"
                )
        in_cycle: set[str] = set()
        for start in parents:
            seen: list[str] = []
            node: str | None = start
            while node is not None and node in parents and node not in seen:
                seen.append(node)
                node = parents[node]
            if node is not None and node in seen and node == start:
                in_cycle.add(start)
        for record, where in self.rows(g):
            code = str(record[0])
            if code in in_cycle:
                self.fail("group_cycle", f"group {code!r} is its own ancestor", where, "parent")

    def items_(self) -> None:
        i = E.ITEMS
        groups = set(self.group_parents()) | self.rejected(E.PRODUCT_GROUPS)
        for record, where in self.rows(i):
            group = self.value(i, record, "product_group")
            if group is not None and group not in groups:
                self.fail(
                    "unknown_group",
                    f"product group {group!r} does not exist",
                    where,
                    "product_group",
                )
            if (
                self.value(i, record, "unit_cost") is not None
                and self.value(i, record, "cost_currency") is None
            ):
                self.fail(
                    "missing_cost_currency",
                    "unit_cost is given without cost_currency",
                    where,
                    "cost_currency",
                )

    def item_units(self, items: Mapping[str, tuple[str, bool]]) -> None:
        rejected = self.rejected(E.ITEMS)
        for record, where in self.rows(E.ITEM_UNITS):
            sku, unit, factor = str(record[0]), str(record[1]), record[2]
            if sku not in items:
                if sku not in rejected:
                    self.fail("unknown_sku", f"unit for unknown SKU {sku!r}", where, "sku")
            elif unit == items[sku][0] and factor != 1:
                self.fail(
                    "bad_factor",
                    f"{unit!r} is the base unit of {sku}; its factor must be 1",
                    where,
                    "factor",
                )

    def period(self, entity: E.Entity, record: Record, where: Where, start: str, end: str) -> None:
        lo, hi = self.value(entity, record, start), self.value(entity, record, end)
        if isinstance(lo, date) and isinstance(hi, date) and hi < lo:
            self.fail("bad_period", f"{end} {hi} is before {start} {lo}", where, end)

    def price_lists_(self) -> None:
        for record, where in self.rows(E.PRICE_LISTS):
            self.period(E.PRICE_LISTS, record, where, "valid_from", "valid_to")

    def entries(self, items: Mapping[str, tuple[str, bool]]) -> None:
        pe = E.PRICE_LIST_ENTRIES
        lists = self.price_lists()
        units = self.units()
        customers = self.customers()
        rejected_items, rejected_lists = self.rejected(E.ITEMS), self.rejected(E.PRICE_LISTS)
        rejected_customers = self.rejected(E.CUSTOMERS)
        i_list, i_sku, i_unit = pe.index("price_list"), pe.index("sku"), pe.index("unit")
        i_cust, i_cur = pe.index("customer"), pe.index("currency")
        resolved: list[Record] = []
        for record, where in self.rows(pe):
            price_list, sku, unit = record[i_list], record[i_sku], record[i_unit]
            if price_list not in lists:
                if price_list not in rejected_lists:
                    self.fail(
                        "unknown_price_list",
                        f"price list {price_list!r} does not exist",
                        where,
                        "price_list",
                    )
            elif record[i_cur] is not None and record[i_cur] != lists[str(price_list)]:
                self.fail(
                    "currency_mismatch",
                    f"price in {record[i_cur]} but price list {price_list} "
                    f"is in {lists[str(price_list)]}",
                    where,
                    "currency",
                )
            if sku not in items:
                if sku not in rejected_items:
                    self.fail("unknown_sku", f"price for unknown SKU {sku!r}", where, "sku")
            else:
                base = items[str(sku)][0]
                if unit is None:
                    record = (*record[:i_unit], base, *record[i_unit + 1 :])
                elif unit != base and (sku, unit) not in units:
                    self.fail("unknown_unit", f"{sku} is not sold in unit {unit!r}", where, "unit")
            customer = record[i_cust]
            if (
                customer is not None
                and customer not in customers
                and customer not in rejected_customers
            ):
                self.fail(
                    "unknown_customer", f"customer {customer!r} does not exist", where, "customer"
                )
            self.period(pe, record, where, "valid_from", "valid_to")
            resolved.append(record)
        self.p.records[pe.name] = resolved

    def overlaps(self) -> None:
        """Two prices for the same list, SKU, unit, break and customer must not share a day."""
        pe = E.PRICE_LIST_ENTRIES
        i_from, i_to = pe.index("valid_from"), pe.index("valid_to")
        group_fields = [
            pe.index(n) for n in ("price_list", "sku", "unit", "min_quantity", "customer")
        ]
        groups: dict[tuple[str, ...], list[tuple[Record, Where]]] = defaultdict(list)
        starts: set[tuple[str, ...]] = set()
        for record, where in self.rows(pe):
            group = key_of(record[i] for i in group_fields)
            if (*group, str(record[i_from])) in starts:
                continue  # the same key twice is reported as a duplicate, not also as an overlap
            starts.add((*group, str(record[i_from])))
            groups[group].append((record, where))
        for rows in groups.values():
            if len(rows) < 2:
                continue
            rows.sort(key=lambda rw: rw[0][i_from] or date.min)  # type: ignore[return-value,arg-type]
            reach: date | None = date.min
            reach_where = rows[0][1]
            for n, (record, where) in enumerate(rows):
                start = record[i_from] or date.min
                if n and (reach is None or start <= reach):  # type: ignore[operator]
                    self.fail(
                        "overlapping_validity",
                        f"validity overlaps the price for {record[pe.index('sku')]} in "
                        f"{record[pe.index('price_list')]} "
                        f"at {reach_where[0]} row {reach_where[1]}",
                        where,
                        "valid_from",
                    )
                end = record[i_to]
                if reach is not None and (end is None or end > reach):  # type: ignore[operator]
                    reach, reach_where = end, where  # type: ignore[assignment]

    def customers_(self) -> None:
        c = E.CUSTOMERS
        lists = set(self.price_lists()) | self.rejected(E.PRICE_LISTS)
        for record, where in self.rows(c):
            contract = self.value(c, record, "contract_price_list")
            if contract is not None and contract not in lists:
                self.fail(
                    "unknown_price_list",
                    f"contract price list {contract!r} does not exist",
                    where,
                    "contract_price_list",
                )

    def rates(self) -> None:
        for record, where in self.rows(E.EXCHANGE_RATES):
            if record[0] == record[1]:
                self.fail(
                    "same_currency", f"a rate from {record[0]} to itself", where, "to_currency"
                )

    def unpriced(self, items: Mapping[str, tuple[str, bool]]) -> None:
        if not (self.present(E.ITEMS) or self.present(E.PRICE_LIST_ENTRIES)):
            return
        if self.present(E.PRICE_LIST_ENTRIES):
            i_sku = E.PRICE_LIST_ENTRIES.index("sku")
            priced = {r[i_sku] for r in self.p.records[E.PRICE_LIST_ENTRIES.name]}
            # a price rejected for a bad cell is reported once, not again as "no price"
            priced |= {k[1] for k in self.p.rejected_keys.get(E.PRICE_LIST_ENTRIES.name, set())}
        else:
            priced = set(self.current.priced_skus())
        if self.present(E.ITEMS):
            for record, (origin, row) in self.rows(E.ITEMS):
                if record[E.ITEMS.index("active")] and record[0] not in priced:
                    self.issues.append(
                        warning(
                            "no_price",
                            f"active item {record[0]} has no price in any price list",
                            file=origin,
                            row=row,
                        )
                    )
        else:
            for sku, (_, active) in sorted(items.items()):
                if active and sku not in priced:
                    self.issues.append(
                        warning("no_price", f"active item {sku} has no price in any price list")
                    )

    def run(self) -> list[Issue]:
        for entity in E.ENTITIES:
            if self.present(entity):
                self.duplicates(entity)
        items = self.items()
        checks = (
            (E.PRODUCT_GROUPS, self.product_groups),
            (E.ITEMS, self.items_),
            (E.ITEM_UNITS, lambda: self.item_units(items)),
            (E.PRICE_LISTS, self.price_lists_),
            (E.PRICE_LIST_ENTRIES, lambda: self.entries(items)),
            (E.PRICE_LIST_ENTRIES, self.overlaps),
            (E.CUSTOMERS, self.customers_),
            (E.EXCHANGE_RATES, self.rates),
        )
        for entity, check in checks:
            if self.present(entity):
                check()
        self.unpriced(items)
        return self.issues


def check(parsed: Parsed, current: CurrentCatalog) -> list[Issue]:
    """Check the parsed snapshot; price entries without a unit get their item's base unit."""
    return _Checker(parsed, current).run()
