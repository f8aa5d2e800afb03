"""Snapshot hashes (what an approval binds to) and reprice diffs."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from cpq.quotes.reprice_diff import reprice_diff
from cpq.quotes.snapshot import snapshot_hash, to_json

TERMS = {"currency": "EUR", "customer": "C-1", "valid_until": date(2026, 12, 1)}
LINES = [{"id": "1", "sku": "A", "quantity": "2"}]
PRICED = {
    "catalog_version": 1,
    "rule_set": "demo@abc",
    "lines": [
        {
            "line_id": "1",
            "sku": "A",
            "list_price": "10.00",
            "net_unit_price": "9.00",
            "final_amount": "18.00",
            "margin_percent": "40.00",
        },
        {
            "line_id": "2",
            "sku": "B",
            "list_price": "5.00",
            "net_unit_price": "5.00",
            "final_amount": "5.00",
            "margin_percent": None,
        },
    ],
    "totals": {
        "list_total": "25.00",
        "total": "23.00",
        "margin": "8.00",
        "margin_percent": "34.78",
    },
}


def test_same_content_same_hash_whatever_the_key_order_or_number_types() -> None:
    again = {"valid_until": "2026-12-01", "customer": "C-1", "currency": "EUR"}
    assert snapshot_hash(TERMS, LINES, PRICED) == snapshot_hash(again, LINES, to_json(PRICED))


def test_any_change_of_terms_lines_or_prices_changes_the_hash() -> None:
    base = snapshot_hash(TERMS, LINES, PRICED)
    assert snapshot_hash({**TERMS, "currency": "USD"}, LINES, PRICED) != base
    assert snapshot_hash(TERMS, [{**LINES[0], "quantity": "3"}], PRICED) != base
    moved = {**PRICED, "totals": {**PRICED["totals"], "total": "23.01"}}
    assert snapshot_hash(TERMS, LINES, moved) != base


def test_to_json_keeps_decimals_exact() -> None:
    assert to_json({"a": Decimal("1.50"), "b": (Decimal("0E-3"),)}) == {"a": "1.50", "b": ["0.000"]}


def test_the_diff_names_moved_added_and_removed_lines_and_totals() -> None:
    after = {
        "catalog_version": 2,
        "rule_set": "demo@abc",
        "lines": [
            {**PRICED["lines"][0], "list_price": "11.00", "final_amount": "19.80"},
            {
                "line_id": "3",
                "sku": "C",
                "list_price": "1",
                "net_unit_price": "1",
                "final_amount": "1",
                "margin_percent": None,
            },
        ],
        "totals": {**PRICED["totals"], "total": "20.80"},
    }
    diff = reprice_diff(PRICED, after)
    assert diff["changed"]
    assert diff["pins"] == {"catalog_version": {"before": 1, "after": 2}}
    changed, added, removed = diff["lines"]
    assert changed["change"] == "changed" and changed["list_price"]["delta"] == "1.00"
    assert changed["final_amount"] == {"before": "18.00", "after": "19.80", "delta": "1.80"}
    assert "net_unit_price" not in changed
    assert (added["line_id"], added["change"]) == ("3", "added")
    assert (removed["line_id"], removed["change"]) == ("2", "removed")
    assert diff["totals"] == {"total": {"before": "23.00", "after": "20.80", "delta": "-2.20"}}


def test_equal_figures_written_differently_are_no_change() -> None:
    same = {**PRICED, "totals": {**PRICED["totals"], "total": "23.0"}}
    assert reprice_diff(PRICED, same) == {"changed": False, "pins": {}, "lines": [], "totals": {}}
