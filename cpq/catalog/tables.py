"""Tables as they come out of a source, before and after a mapping profile names their columns."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from cpq.catalog.issues import Issue


@dataclass(slots=True)
class RawTable:
    """A file, sheet or API resource as exported: source column labels and raw values.

    ``name`` is the hint a profile matches (file stem, sheet name or resource name); ``origin`` is
    what error messages call it (``items.csv``, ``export.xlsx[Items]``, a resource URL).
    Values are ``str`` from text files; XLSX and JSON also give numbers, dates, booleans and None.
    """

    name: str
    origin: str
    header: list[str]
    rows: list[tuple[int, Sequence[object]]]
    # A ';'-delimited CSV from a European spreadsheet may write decimals as 12,50.
    decimal_comma: bool = False


@dataclass(frozen=True, slots=True)
class HttpResource:
    """One resource an HTTP source pages through, e.g. ERPNext's ``Item Price`` doctype."""

    name: str
    fields: tuple[str, ...]


@dataclass(slots=True)
class SourceRead:
    tables: list[RawTable] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)


@dataclass(slots=True)
class CanonicalTable:
    """Rows of one canonical entity: ``fields`` are canonical names, ``labels`` the source's."""

    entity: str
    origin: str
    fields: tuple[str, ...]
    labels: tuple[str, ...]
    rows: list[tuple[int, Sequence[object]]]
    decimal_comma: bool = False


@dataclass(slots=True)
class CanonicalRead:
    tables: list[CanonicalTable] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
