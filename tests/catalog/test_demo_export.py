"""The demo back-office export is valid under docs/catalog-format.md and reproducible."""

from __future__ import annotations

import csv
import re
import subprocess
import sys
from collections import Counter, defaultdict
from datetime import date
from decimal import Decimal
from functools import cache
from itertools import pairwise
from pathlib import Path

import pytest

from cpq.catalog import entities as E
from cpq.money import is_currency

ROOT = Path(__file__).resolve().parents[2]
EXPORT = ROOT / "catalog" / "demo-export"
GENERATOR = ROOT / "catalog" / "generate_demo_export.py"
STANDARD = {"STD-EUR": "EUR", "STD-USD": "USD", "STD-GBP": "GBP"}


@cache
def table(name: str) -> tuple[dict[str, str], ...]:
    with (EXPORT / f"{name}.csv").open(encoding="utf-8", newline="") as f:
        return tuple(csv.DictReader(f))


def header(name: str) -> list[str]:
    with (EXPORT / f"{name}.csv").open(encoding="utf-8", newline="") as f:
        return next(csv.reader(f))


def decimal(text: str, places: int = 6) -> Decimal:
    assert re.fullmatch(rf"\d+(\.\d{{1,{places}}})?", text), text
    return Decimal(text)


def day(text: str) -> date | None:
    return date.fromisoformat(text) if text else None


def boolean(text: str) -> bool:
    assert text in ("true", "false"), text
    return text == "true"


def items() -> dict[str, dict[str, str]]:
    return {row["sku"]: row for row in table("items")}


def active_skus() -> list[str]:
    return [sku for sku, row in items().items() if boolean(row["active"])]


def units() -> dict[tuple[str, str], Decimal]:
    return {(r["sku"], r["unit"]): decimal(r["factor"]) for r in table("item_units")}


def lists() -> dict[str, dict[str, str]]:
    return {row["code"]: row for row in table("price_lists")}


def entries() -> tuple[dict[str, str], ...]:
    return table("price_list_entries")


@pytest.mark.parametrize("entity", [e for e in E.ENTITIES if e is not E.PRODUCT_MODELS])
def test_every_entity_file_has_the_canonical_header_and_unique_keys(entity: E.Entity) -> None:
    assert header(entity.name) == list(entity.field_names)
    defaults = {"min_quantity": "0"}
    keys = [tuple(row[k] or defaults.get(k, "") for k in entity.key) for row in table(entity.name)]
    assert keys, entity.name
    assert [k for k, n in Counter(keys).items() if n > 1] == []


def test_no_unknown_files() -> None:
    expected = {f"{e.name}.csv" for e in E.ENTITIES if e is not E.PRODUCT_MODELS}
    assert {p.name for p in EXPORT.iterdir()} == expected


def test_product_groups_form_a_three_level_tree() -> None:
    parents = {row["code"]: row["parent"] for row in table("product_groups")}
    assert all(boolean(row["active"]) for row in table("product_groups"))

    def depth(code: str) -> int:
        seen = []
        while code:
            assert code in parents and code not in seen, code
            seen.append(code)
            code = parents[code]
        return len(seen)

    depths = {code: depth(code) for code in parents}
    assert max(depths.values()) == 3
    for sku, row in items().items():
        assert depths.get(row["product_group"]) == 3, sku


def test_items() -> None:
    rows = items()
    assert len(active_skus()) >= 320
    assert 3 <= len(rows) - len(active_skus()) <= 10  # a handful discontinued
    assert 4 <= len({row["brand"] for row in rows.values()}) <= 6
    for sku, row in rows.items():
        assert re.fullmatch(r"[A-Z0-9][A-Z0-9-]*", sku), sku
        assert row["name"] and row["description"] and row["base_unit"], sku
        assert decimal(row["unit_cost"]) > 0, sku
        assert row["cost_currency"] == "EUR", sku
    assert {row["base_unit"] for row in rows.values()} == {"each", "m", "h", "day", "month"}


def test_item_units() -> None:
    rows = items()
    for (sku, unit), factor in units().items():
        assert sku in rows and unit != rows[sku]["base_unit"], (sku, unit)
        assert factor > 0
    assert {unit for _, unit in units()} >= {"box", "dozen", "reel", "pack"}


def test_price_lists() -> None:
    rows = lists()
    kinds = Counter(row["kind"] for row in rows.values())
    assert kinds == {"standard": 3, "contract": 2, "partner": 1}
    assert {code: rows[code]["currency"] for code in STANDARD} == STANDARD
    for code, row in rows.items():
        assert is_currency(row["currency"]), code
        assert boolean(row["active"]), code
        start, end = day(row["valid_from"]), day(row["valid_to"])
        assert start is not None and (end is None or start <= end), code


def test_price_list_entries_refer_to_what_exists() -> None:
    known, sold_in, price_lists = items(), units(), lists()
    customers = {row["external_id"] for row in table("customers")}
    for row in entries():
        where = (row["price_list"], row["sku"], row["unit"])
        assert row["price_list"] in price_lists, where
        assert row["sku"] in known and boolean(known[row["sku"]]["active"]), where
        unit = row["unit"] or known[row["sku"]]["base_unit"]
        assert unit == known[row["sku"]]["base_unit"] or (row["sku"], unit) in sold_in, where
        assert decimal(row["unit_price"]) > 0, where
        decimal(row["min_quantity"] or "0")
        assert row["currency"] in ("", price_lists[row["price_list"]]["currency"]), where
        assert row["customer"] in customers or not row["customer"], where
        start, end = day(row["valid_from"]), day(row["valid_to"])
        assert start is None or end is None or start <= end, where


def test_no_overlapping_validity() -> None:
    periods: dict[tuple[str, str, str, str, str], list[tuple[date, date]]] = defaultdict(list)
    base_units = {sku: row["base_unit"] for sku, row in items().items()}
    for row in entries():
        unit = row["unit"] or base_units[row["sku"]]
        key = (row["price_list"], row["sku"], unit, row["min_quantity"] or "0", row["customer"])
        start, end = day(row["valid_from"]) or date.min, day(row["valid_to"]) or date.max
        periods[key].append((start, end))
    for key, spans in periods.items():
        spans.sort()
        for (_, end), (start, _) in pairwise(spans):
            assert end < start, key


def test_every_active_item_is_priced_on_each_standard_list() -> None:
    base_units = {sku: row["base_unit"] for sku, row in items().items()}
    for code in STANDARD:
        priced = {
            row["sku"]
            for row in entries()
            if row["price_list"] == code
            and (row["unit"] or base_units[row["sku"]]) == base_units[row["sku"]]
            and Decimal(row["min_quantity"] or "0") == 0
            and not row["customer"]
        }
        assert priced == set(active_skus()), code


def test_prices_carry_a_margin_over_cost() -> None:
    costs = {sku: decimal(row["unit_cost"]) for sku, row in items().items()}
    factors = units()
    for row in entries():
        if row["price_list"] == "STD-EUR":
            factor = factors.get((row["sku"], row["unit"]), Decimal(1))
            assert decimal(row["unit_price"]) > costs[row["sku"]] * factor, row


def test_negotiated_lists_price_a_subset() -> None:
    by_kind = {code: row["kind"] for code, row in lists().items()}
    priced: dict[str, set[str]] = defaultdict(set)
    for row in entries():
        priced[row["price_list"]].add(row["sku"])
    active = set(active_skus())
    for code, kind in by_kind.items():
        if kind != "standard":
            assert priced[code] and priced[code] < active, code


def test_price_breaks_future_prices_box_prices_and_customer_prices() -> None:
    groups = {sku: row["product_group"] for sku, row in items().items()}
    breaks = {
        groups[row["sku"]].split("-")[1]
        for row in entries()
        if Decimal(row["min_quantity"] or "0") > 0
    }
    assert {"CBL", "INS"} <= breaks  # cables and consumables
    today = date(2026, 1, 1)
    future = [row for row in entries() if (day(row["valid_from"]) or today) > today]
    assert len(future) >= 3
    assert any(row["unit"] == "box" for row in entries())
    assert any(row["customer"] for row in entries())


def test_customers() -> None:
    rows = table("customers")
    kinds = {code: row["kind"] for code, row in lists().items()}
    assert len(rows) >= 20
    assert {row["segment"] for row in rows} == {"enterprise", "mid-market", "smb", "public-sector"}
    assert {row["default_currency"] for row in rows} == {"EUR", "USD", "GBP"}
    assert all(boolean(row["active"]) for row in rows)
    pointing = Counter(
        kinds[row["contract_price_list"]] for row in rows if row["contract_price_list"]
    )
    assert pointing["contract"] == 2 and pointing["partner"] >= 2


def test_exchange_rates() -> None:
    rows = table("exchange_rates")
    pairs = {(row["from_currency"], row["to_currency"]) for row in rows}
    assert pairs >= {("EUR", "USD"), ("EUR", "GBP"), ("USD", "EUR"), ("GBP", "EUR")}
    assert len({row["valid_date"] for row in rows}) >= 3
    for row in rows:
        assert is_currency(row["from_currency"]) and is_currency(row["to_currency"])
        assert row["from_currency"] != row["to_currency"]
        valid = day(row["valid_date"])
        assert valid is not None and valid.year == 2026
        assert decimal(row["rate"], places=10) > 0


def test_generator_reproduces_the_files_byte_for_byte(tmp_path: Path) -> None:
    subprocess.run([sys.executable, str(GENERATOR), str(tmp_path)], check=True)
    written = sorted(p.name for p in tmp_path.iterdir())
    assert written == sorted(p.name for p in EXPORT.iterdir())
    for name in written:
        assert (tmp_path / name).read_bytes() == (EXPORT / name).read_bytes(), name
