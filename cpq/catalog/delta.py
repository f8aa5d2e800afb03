"""What changed between two versions of one CSV export, line by line, without parsing it.

A re-sync in which 1% of the price rows changed should cost about 1% of a full sync. Comparing
the export's lines as text finds the changed rows at C speed; only those are then parsed and
checked. This works only when one line is one record: no line breaks inside quoted cells, no blank
lines, the same header. Otherwise the caller does a full sync. A line repeated in the new export
is a duplicate record, which the caller's check of the changed rows finds.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import compress
from operator import ne

MAX_SHARE = 0.25  # beyond this, reading the whole export is as cheap and simpler


@dataclass(frozen=True, slots=True)
class LineDelta:
    header: str
    added: list[tuple[int, str]]  # (row number, as a spreadsheet counts it; the line)
    removed: list[str]
    rows: int  # records in the new export


def _text(export: str) -> str:
    return export.removeprefix("\ufeff")


def _one_record_per_line(lines: list[str], text: str) -> bool:
    if '"' in text and any(line.count('"') % 2 for line in lines):
        return False  # a quoted cell may run across lines
    return "" not in lines


def line_delta(old: str, new: str, max_share: float = MAX_SHARE) -> LineDelta | None:
    """The lines of ``new`` that ``old`` lacks and those it lost, or None if not line-shaped."""
    old, new = _text(old), _text(new)
    old_lines, new_lines = old.splitlines(), new.splitlines()
    if not old_lines or not new_lines or old_lines[0] != new_lines[0]:
        return None
    old_body, new_body = old_lines[1:], new_lines[1:]
    if not (_one_record_per_line(new_body, new) and _one_record_per_line(old_body, old)):
        return None
    limit = max_share * max(len(new_body), 1)
    if len(old_body) == len(new_body):
        # Rows edited in place (the usual case): compare line by line, in C.
        differs = list(map(ne, old_body, new_body))
        if sum(differs) * 2 <= limit:
            added = list(compress(enumerate(new_body, start=2), differs))
            return LineDelta(new_lines[0], added, list(compress(old_body, differs)), len(new_body))
    old_set, new_set = set(old_body), set(new_body)
    if len(new_set) != len(new_body):
        return None  # a repeated line is a duplicate record: the full check reports it
    gained, lost = new_set - old_set, old_set - new_set
    # compress/map keep the scan of 300,000 lines in C
    added = list(compress(enumerate(new_body, start=2), map(gained.__contains__, new_body)))
    removed = list(compress(old_body, map(lost.__contains__, old_body)))
    if len(added) + len(removed) > limit:
        return None
    return LineDelta(new_lines[0], added, removed, len(new_body))
