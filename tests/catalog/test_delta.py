"""Line deltas between two CSV exports."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from cpq.catalog.delta import line_delta

OLD = "sku,unit_price\nA,1\nB,2\nC,3\n"


def test_changed_added_and_removed_lines_with_their_row_numbers() -> None:
    delta = line_delta(OLD, "sku,unit_price\nA,1\nB,2.5\nD,4\n", max_share=2)

    assert delta is not None
    assert delta.added == [(3, "B,2.5"), (4, "D,4")]
    assert delta.removed == ["B,2", "C,3"]
    assert delta.rows == 3


def test_the_same_export_has_an_empty_delta_whatever_the_bom_and_line_ends() -> None:
    delta = line_delta(OLD, "\ufeff" + OLD.replace("\n", "\r\n"))

    assert delta is not None and (delta.added, delta.removed) == ([], [])


def test_shapes_a_line_delta_cannot_read_fall_back() -> None:
    assert line_delta(OLD, "sku,price\nA,1\n") is None  # another header
    assert line_delta(OLD, 'sku,unit_price\nA,"1\n"\nB,2\nC,3\n') is None  # a quoted line break
    assert line_delta(OLD, "sku,unit_price\nA,1\n\nB,2\nC,3\n") is None  # a blank line
    assert line_delta(OLD, "sku,unit_price\nA,1\nA,1\nB,2\nC,3\n") is None  # a repeated line
    assert line_delta(OLD, "sku,unit_price\nX,1\nY,2\nZ,3\n") is None  # too much changed


@given(st.sets(st.integers(0, 40), max_size=30), st.sets(st.integers(0, 40), max_size=30))
def test_applying_the_delta_to_the_old_lines_gives_the_new_ones(
    old: set[int], new: set[int]
) -> None:
    old_rows, new_rows = (
        [f"K{n},{n % 7}" for n in sorted(old)],
        [f"K{n},{n % 7}" for n in sorted(new)],
    )

    delta = line_delta("h\n" + "\n".join(old_rows), "h\n" + "\n".join(new_rows), max_share=100)

    assert delta is not None
    kept = [r for r in old_rows if r not in delta.removed]
    assert sorted(kept + [line for _, line in delta.added]) == sorted(new_rows)
    assert all(new_rows[n - 2] == line for n, line in delta.added)
