"""The column-at-a-time parser gives exactly what the row-by-row parser gives, or steps aside."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import cpq.catalog.parse as parse_module
from cpq.catalog.parse import Parsed, parse
from cpq.catalog.tables import CanonicalRead, CanonicalTable

FIELDS = ("price_list", "sku", "unit", "min_quantity", "valid_from", "unit_price", "currency")

cells = {
    "price_list": st.sampled_from(["STD", " STD ", "", None, "PL-2"]),
    "sku": st.sampled_from(["A", "B ", "  ", None, "C-1", "L" * 201, "N\x00UL", "U\x1fS"]),
    "unit": st.sampled_from([None, "box", " each", "u" * 51]),
    "min_quantity": st.sampled_from(
        [None, "0", "10", "-0", "-1", "1.5", "1e2", "x", "0.0000001", "1.000000000", " 2 "]
    ),
    "valid_from": st.sampled_from(
        [None, "2026-01-31", "2026-02-30", "2026-01-31 00:00:00", " 2026-03-01", "20260101", ""]
    ),
    "unit_price": st.sampled_from(
        [
            "12.50",
            "0",
            "-3",
            "NaN",
            "1_000",
            "abc",
            "1E+2",
            "0.1234567",
            "12.345678",
            None,
            "99999999999999999999999999.5",
            "1.0000000000000000000000000001",
        ]
    ),
    "currency": st.sampled_from([None, "EUR", "eur", "XYZ"]),
}
row = st.tuples(*(cells[f] for f in FIELDS))


def both_ways(
    rows: list[tuple[object, ...]], monkeypatch: pytest.MonkeyPatch
) -> tuple[Parsed, Parsed]:
    def read() -> CanonicalRead:
        table = CanonicalTable(
            "price_list_entries",
            "prices.csv",
            FIELDS,
            FIELDS,
            [(n + 2, r) for n, r in enumerate(rows)],
        )
        return CanonicalRead([table])

    fast = parse(read())
    with monkeypatch.context() as m:
        m.setattr(parse_module, "parse_columns", lambda *args: None)
        slow = parse(read())
    return fast, slow


@settings(max_examples=400)
@given(st.lists(row, max_size=6))
def test_columns_and_rows_agree(rows: list[tuple[object, ...]]) -> None:
    with pytest.MonkeyPatch.context() as monkeypatch:
        fast, slow = both_ways(rows, monkeypatch)

    assert fast.records == slow.records
    assert [repr(v) for r in fast.records for v in r] == [
        repr(v) for r in slow.records for v in r
    ]  # 12.50 stays 12.50
    assert fast.where == slow.where
    assert fast.issues == slow.issues


def test_clean_columns_take_the_fast_path(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    original = parse_module.parse_columns

    def spy(*args: object) -> object:
        result = original(*args)  # type: ignore[arg-type]
        calls.append(result is not None)
        return result

    monkeypatch.setattr(parse_module, "parse_columns", spy)
    table = CanonicalTable(
        "price_list_entries",
        "p.csv",
        ("price_list", "sku", "unit_price"),
        ("a", "b", "c"),
        [(2, ("STD", "A", "1.50")), (3, ("STD", "B", "2"))],
    )

    parsed = parse(CanonicalRead([table]))

    assert calls == [True]
    assert [r[7] for r in parsed.records["price_list_entries"]] == [
        parse_module.Decimal("1.50"),
        parse_module.Decimal("2"),
    ]
