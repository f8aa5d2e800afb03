"""Diffing a snapshot against the current rows of an entity."""

from __future__ import annotations

from decimal import Decimal

from cpq.catalog import entities as E
from cpq.catalog.diff import CurrentRow, deactivated, diff, field_changes, report
from cpq.catalog.values import row_hash


def unit(sku: str, factor: str) -> tuple[object, ...]:
    return (sku, "box", Decimal(factor))


def test_added_changed_unchanged_and_vanished() -> None:
    current = {
        ("A", "box"): CurrentRow(1, row_hash(unit("A", "10")), True),
        ("B", "box"): CurrentRow(2, row_hash(unit("B", "10")), True),
        ("C", "box"): CurrentRow(3, row_hash(unit("C", "10")), True),
    }

    changes = diff(E.ITEM_UNITS, current, [unit("A", "10.000"), unit("B", "12"), unit("D", "5")])

    assert changes.added == [unit("D", "5")]
    assert changes.changed == [(2, unit("B", "12"))]
    assert changes.vanished == [(3, ("C", "box"))]
    assert changes.unchanged == 1
    assert report(changes, {})["samples"]["deactivated"] == ["C / box"]


def test_the_same_snapshot_is_empty() -> None:
    records = [unit("A", "1"), unit("B", "2")]
    current = {r[:2]: CurrentRow(n, row_hash(r), True) for n, r in enumerate(records)}

    assert diff(E.ITEM_UNITS, current, records).empty


def test_a_row_already_inactive_does_not_vanish_twice() -> None:
    item = ("A", "a", None, "each", None, None, None, None, False)
    current = {("A",): CurrentRow(1, row_hash(item), False)}

    assert diff(E.ITEMS, current, []).empty


def test_deactivation_keeps_the_record_but_inactive() -> None:
    item = ("A", "a", None, "each", None, None, None, None, True)

    assert deactivated(E.ITEMS, item)[-1] is False
    assert deactivated(E.ITEMS, item)[:-1] == item[:-1]


def test_field_changes_show_before_and_after() -> None:
    assert field_changes(E.ITEM_UNITS, unit("A", "10"), unit("A", "12.0")) == {
        "factor": ["10", "12"]
    }
