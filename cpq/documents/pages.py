"""Plan a long quote document as page ranges that can be laid out in parallel (no I/O).

WeasyPrint lays a long table out page after page in one process. To use several processes,
the line rows are assigned to pages *before* layout: the template's rows have a fixed geometry
(fixed column widths, a fixed line height, see quote.css), so a row's height follows from how
many lines its description wraps to, which is estimated from the document font's advance widths.
The estimate errs on the side of more lines (no kerning, breaks only at spaces), so a planned page
is at worst a little less full than WeasyPrint would make it, never overfull; and every part's
layout is checked against its plan (``matches``) before its pages are used, the caller falling
back to one whole render when a plan was wrong.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

PX_PER_MM = 96 / 25.4
PX_PER_PT = 96 / 72

# Mirrors quote.css (the lines marked "pages"): A4, the table's fixed columns and paddings.
PAGE_WIDTH_MM = 210.0
MARGIN_LEFT_MM = 15.0
MARGIN_RIGHT_MM = 15.0
FIXED_COLUMNS_MM = (26.0, 15.0, 20.0, 12.0, 21.0, 22.0)  # sku, qty, list, disc, net, amount
CELL_PADDING_MM = 1.0
NAME_INDENT_MM = {0: 1.0, 1: 5.0, 2: 9.0, 3: 13.0}  # td.name padding-left by depth
TEXT_PX = 9 * PX_PER_PT  # 9pt
SKU_PX = 8 * PX_PER_PT  # td.sku: 8pt
NOTE_PX = 7.5 * PX_PER_PT  # small: 7.5pt
LINE_PX = 11 * PX_PER_PT  # line-height: 11pt


@dataclass(frozen=True, slots=True)
class Part:
    """What one render shows: the header (``head``), these line rows, the totals, terms and
    signature (``tail``); a forced page break before each row index in ``breaks``; and the
    page footer ("page X of Y") unless the pages get it stamped on after merging.

    ``anchors``: the rows whose position the layout reports (None: every row). Each costs: a
    quarter of a long table's render time when every row has one."""

    rows: Sequence[Mapping[str, Any]]
    head: bool = True
    tail: bool = True
    breaks: frozenset[int] = field(default_factory=frozenset)
    footer: bool = True
    anchors: frozenset[int] | None = field(default_factory=frozenset)


@dataclass(frozen=True, slots=True)
class LaidOut:
    """A rendered part: the PDF, and per page the index of the first anchored row on it (None
    for a page without one) and where each anchored row's top is (CSS px from the page top)."""

    pdf: bytes
    first_rows: list[int | None]
    row_tops: list[dict[int, float]]


class AdvanceWidths:
    """Glyph advances of one font face, to measure text (unknown characters count one em)."""

    def __init__(self, advances: Mapping[str, int], units_per_em: int) -> None:
        self.advances = advances
        self.units_per_em = units_per_em

    def width(self, text: str, size_px: float) -> float:
        em = self.units_per_em
        units = sum(self.advances.get(ch, em) for ch in text)
        return units * size_px / em


@dataclass(frozen=True, slots=True)
class Geometry:
    """Measured once per template and language (``workers.calibrate``), in CSS px."""

    page_bottom: float  # where a page's content ends
    first_row_top: float  # the top of the first row on a continuation page (below the header)
    row_px: float  # a one-line row
    note_px: float  # what a recurring note's line adds


def name_width_px(depth: int) -> float:
    """The width the description of a row at ``depth`` wraps in."""
    table = PAGE_WIDTH_MM - MARGIN_LEFT_MM - MARGIN_RIGHT_MM
    column = table - sum(w + 2 * CELL_PADDING_MM for w in FIXED_COLUMNS_MM)
    indent = NAME_INDENT_MM[min(depth, 3)]
    return (column - indent - CELL_PADDING_MM) * PX_PER_MM


def wrapped_lines(text: str, width_px: float, face: AdvanceWidths, size_px: float) -> int:
    """How many lines ``text`` takes at most when wrapped at spaces into ``width_px``; a word
    wider than the line counts as the lines it would need if broken anywhere."""
    words = text.split()
    if not words:
        return 1
    space = face.width(" ", size_px)
    lines, used = 0, width_px  # as if a full line came before the first word
    for word in words:
        w = face.width(word, size_px)
        if used + space + w <= width_px:
            used += space + w
            continue
        # A new line; a word wider than it takes the lines it would need broken anywhere.
        extra = max(1, math.ceil(w / width_px))
        lines += extra
        used = w - (extra - 1) * width_px
    return lines


def row_height(
    row: Mapping[str, Any], geometry: Geometry, regular: AdvanceWidths, bold: AdvanceWidths
) -> float:
    """The height of one line row, its description wrapped as ``wrapped_lines`` estimates."""
    face = bold if row.get("is_bundle") else regular
    width = name_width_px(int(row.get("depth", 0)))
    lines = max(
        wrapped_lines(str(row.get("name", "")), width, face, TEXT_PX),
        wrapped_lines(str(row.get("sku", "")), FIXED_COLUMNS_MM[0] * PX_PER_MM, face, SKU_PX),
    )
    height = geometry.row_px + (lines - 1) * LINE_PX
    note = str(row.get("recurring_note") or "")
    if note:
        note_lines = wrapped_lines(note, width, regular, NOTE_PX)
        height += geometry.note_px + (note_lines - 1) * LINE_PX
    return height


def plan_pages(
    rows: Sequence[Mapping[str, Any]],
    geometry: Geometry,
    regular: AdvanceWidths,
    bold: AdvanceWidths,
    first_page_top: float | None = None,
) -> list[list[int]]:
    """The rows' indexes, page by page, each page starting below the repeated table header
    (the first page at ``first_page_top``, below the document's header, when given)."""
    pages: list[list[int]] = []
    current: list[int] = []
    top = geometry.first_row_top if first_page_top is None else first_page_top
    for row in rows:
        height = row_height(row, geometry, regular, bold)
        if current and top + height > geometry.page_bottom:
            pages.append(current)
            current, top = [], geometry.first_row_top
        current.append(int(row["index"]))
        top += height
    if current:
        pages.append(current)
    return pages


def split_ranges(pages: Sequence[list[int]], parts: int, max_rows: int) -> list[list[list[int]]]:
    """Consecutive runs of pages, about equal in rows: ``parts`` of them, or more so that a run
    holds about ``max_rows`` rows at most (never more runs than pages)."""
    total = sum(len(p) for p in pages)
    wanted = max(1, min(max(parts, math.ceil(total / max_rows)), len(pages)))
    share = total / wanted
    ranges: list[list[list[int]]] = []
    current: list[list[int]] = []
    done = 0
    for number, page in enumerate(pages):
        left = len(pages) - number  # pages not yet placed, this one included
        to_open = wanted - len(ranges) - 1  # runs still to start after the current one
        if (
            current
            and to_open > 0
            and (left <= to_open or done + len(page) / 2 > share * (len(ranges) + 1))
        ):
            ranges.append(current)
            current = []
        current.append(page)
        done += len(page)
    ranges.append(current)
    return ranges


def matches(planned: Sequence[list[int]], first_rows: Sequence[int | None], tail: bool) -> bool:
    """Whether a part's layout kept its plan: its pages start with the planned rows (the rows
    anchored), and after them come only pages without any (the totals and terms, for the last
    part). A row pushed onto a page of its own (a page the plan did not have) shows as a page
    without an anchor between planned ones."""
    starts = [page[0] for page in planned]
    if list(first_rows[: len(starts)]) != starts:
        return False
    extra = first_rows[len(starts) :]
    return all(row is None for row in extra) and (tail or not extra)
