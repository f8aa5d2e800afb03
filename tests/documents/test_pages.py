"""Planning page ranges (pure): text measurement, page plans, ranges and plan checks."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from cpq.documents.pages import (
    LINE_PX,
    TEXT_PX,
    AdvanceWidths,
    Geometry,
    matches,
    name_width_px,
    plan_pages,
    row_height,
    split_ranges,
    wrapped_lines,
)

FACE = AdvanceWidths({ch: 500 for ch in "abcdefghijklmnopqrstuvwxyz "}, 1000)  # half an em each
GEOMETRY = Geometry(page_bottom=1000.0, first_row_top=100.0, row_px=20.0, note_px=10.0)
words = st.text(alphabet="abcdefghij", min_size=1, max_size=30)


def test_text_is_measured_by_its_advances_and_unknown_characters_count_one_em() -> None:
    assert FACE.width("ab", 10) == 10.0
    assert FACE.width("a€", 10) == 15.0


def test_words_wrap_at_spaces() -> None:
    # "aaaa" is 20 px at 10 px: two words and a space (45 px) do not fit in 40 px.
    assert wrapped_lines("aaaa aaaa", 45, FACE, 10) == 1
    assert wrapped_lines("aaaa aaaa", 40, FACE, 10) == 2
    assert wrapped_lines("", 40, FACE, 10) == 1


def test_a_word_wider_than_the_line_counts_the_lines_it_could_be_broken_into() -> None:
    assert wrapped_lines("a" * 20, 40, FACE, 10) == 3  # 100 px in 40 px lines


@given(st.lists(words, min_size=1, max_size=12), st.integers(20, 300), st.integers(1, 100))
def test_a_narrower_column_never_needs_fewer_lines(
    parts: list[str], width: int, narrower_by: int
) -> None:
    text = " ".join(parts)
    wide = wrapped_lines(text, width + narrower_by, FACE, 10)
    narrow = wrapped_lines(text, width, FACE, 10)
    assert narrow >= wide >= 1


def test_options_wrap_in_a_narrower_column_than_bundles() -> None:
    assert name_width_px(1) < name_width_px(0)
    assert name_width_px(9) == name_width_px(3)


def _row(index: int, name: str = "a", note: str = "") -> dict[str, object]:
    return {"index": index, "name": name, "sku": "s", "depth": 0, "recurring_note": note}


def test_a_row_is_one_line_high_plus_its_wrapped_lines_and_its_note() -> None:
    wide = name_width_px(0)
    long_name = " ".join(["abcdefghij"] * 40)
    lines = wrapped_lines(long_name, wide, FACE, TEXT_PX)

    assert lines > 1
    assert row_height(_row(0), GEOMETRY, FACE, FACE) == 20.0
    assert row_height(_row(0, note="a"), GEOMETRY, FACE, FACE) == 30.0
    assert row_height(_row(0, long_name), GEOMETRY, FACE, FACE) == 20.0 + (lines - 1) * LINE_PX


def test_pages_are_filled_up_to_the_bottom_and_never_past_it() -> None:
    rows = [_row(i) for i in range(100)]  # 45 one-line rows fit between 100 and 1000

    pages = plan_pages(rows, GEOMETRY, FACE, FACE)

    assert [len(p) for p in pages] == [45, 45, 10]
    assert [i for page in pages for i in page] == list(range(100))


def test_a_row_taller_than_a_page_gets_a_page_of_its_own() -> None:
    huge = " ".join(["abcdefghij"] * 2000)
    pages = plan_pages([_row(0), _row(1, huge), _row(2)], GEOMETRY, FACE, FACE)

    assert pages == [[0], [1], [2]]


@given(
    st.lists(st.integers(1, 60), min_size=1, max_size=80), st.integers(1, 8), st.integers(1, 500)
)
def test_ranges_keep_every_page_in_order(sizes: list[int], parts: int, max_rows: int) -> None:
    pages, start = [], 0
    for size in sizes:
        pages.append(list(range(start, start + size)))
        start += size

    ranges = split_ranges(pages, parts, max_rows)

    assert [p for r in ranges for p in r] == pages
    assert all(r for r in ranges)
    assert len(ranges) <= len(pages)
    if len(pages) >= parts:
        assert len(ranges) >= parts


def test_ranges_hold_at_most_the_rows_a_worker_may_lay_out() -> None:
    pages = [list(range(i * 40, i * 40 + 40)) for i in range(50)]  # 2,000 rows

    ranges = split_ranges(pages, 2, 600)

    assert len(ranges) >= 4
    assert max(sum(len(p) for p in r) for r in ranges) <= 600


def test_a_layout_keeps_its_plan_only_if_every_page_starts_with_the_planned_row() -> None:
    planned = [[3, 4, 5], [6, 7]]

    assert matches(planned, [3, 6], tail=False)
    assert matches(planned, [3, 6, None], tail=True)  # the totals on a page of their own
    assert not matches(planned, [3, 6, None], tail=False)
    assert not matches(planned, [3, 5, 6], tail=True)  # a row did not fit its page
    assert not matches(planned, [3, 6, 7], tail=True)
