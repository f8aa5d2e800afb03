"""Read a back-office export from a folder (or one file): CSV, JSON Lines and XLSX.

Every file becomes one raw table (a workbook with several sheets, one per sheet). Problems in a
file are reported as issues located by file and row, and only that file (or row) is skipped, so
one sync run reports everything wrong with an export at once.
"""

from __future__ import annotations

import codecs
import csv
import decimal
import io
import json
import zipfile
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, time
from pathlib import Path
from xml.etree.ElementTree import ParseError

import openpyxl
from openpyxl.utils.exceptions import InvalidFileException

from cpq.catalog.issues import Issue, error, warning
from cpq.catalog.tables import RawTable, SourceRead
from cpq.errors import InvalidInput, SourceError

SUFFIXES = (".csv", ".jsonl", ".xlsx")
_DELIMITERS = (",", ";", "\t")
_BOM = "\ufeff"

Row = tuple[int, Sequence[object]]
Read = tuple[list[RawTable], list[Issue]]


class FolderSource:
    """Every ``*.csv``, ``*.jsonl`` and ``*.xlsx`` in a folder (not its subfolders), or one file."""

    def __init__(self, path: Path, *, encoding: str | None = None) -> None:
        self._path = path.resolve()
        if encoding is not None:
            try:
                codecs.lookup(encoding)
            except LookupError:
                raise InvalidInput(f"unknown encoding {encoding!r}") from None
        self._encoding = encoding or "utf-8"
        kind = "file" if self._path.is_file() else "folder"
        self.description = f"{kind} {self._path}"

    def read(self) -> SourceRead:
        result = SourceRead()
        for file in self._files(result.issues):
            try:
                tables, issues = self._read_file(file)
            except OSError as exc:
                raise SourceError(f"cannot read {file}: {exc.strerror or exc}") from exc
            result.tables.extend(tables)
            result.issues.extend(issues)
        return result

    def _files(self, issues: list[Issue]) -> list[Path]:
        if self._path.is_file():
            if self._path.suffix.lower() not in SUFFIXES:
                raise SourceError(f"{self._path} is not a .csv, .jsonl or .xlsx file")
            return [self._path]
        if not self._path.is_dir():
            raise SourceError(f"{self._path} does not exist")
        files = []
        for entry in sorted(self._path.iterdir(), key=lambda p: p.name):
            # Folders and hidden files (.DS_Store, .gitkeep) are never part of an export.
            if entry.is_dir() or entry.name.startswith("."):
                continue
            if entry.suffix.lower() in SUFFIXES and not entry.name.startswith("~$"):
                files.append(entry)
                continue
            reason = (
                "an Excel lock file (is the workbook still open?)"
                if entry.name.startswith("~$")
                else "only .csv, .jsonl and .xlsx files are read"
            )
            issues.append(warning("ignored_file", f"ignored file: {reason}", file=entry.name))
        return files

    def _read_file(self, file: Path) -> Read:
        suffix = file.suffix.lower()
        if suffix == ".xlsx":
            return _read_xlsx(file)
        data = file.read_bytes()
        if not data.removeprefix(codecs.BOM_UTF8).strip():
            return [], [warning("empty_file", "the file is empty", file=file.name)]
        if suffix == ".csv":
            return _read_csv(file, data, self._encoding)
        return _read_jsonl(file, data, self._encoding)


def _cell(value: object) -> object:
    """Empty and whitespace-only cells are "no value", whatever the format wrote for them."""
    if isinstance(value, str) and not value.strip():
        return None
    return value


def _decode(
    file: Path, data: bytes, encoding: str, row_at: Callable[[str], int]
) -> tuple[str | None, list[Issue]]:
    """Decode strictly: a wrong guess must not turn 'Müller' into 'MÃ¼ller' in the catalog."""
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        row = row_at(data[: exc.start].decode(encoding, errors="replace").removeprefix(_BOM))
        message = (
            f"the file is not valid {encoding} text (row {row}, byte {exc.start}); "
            "if it was saved with another encoding, sync it with --encoding "
            "(e.g. --encoding cp1252 for a CSV saved by Excel on Windows)"
        )
        bad = data[exc.start : exc.end].hex(" ").upper()
        return None, [error("bad_encoding", message, file=file.name, row=row, value=bad)]
    return text.removeprefix(_BOM), []


def _header_row(cells: Sequence[object]) -> list[str]:
    labels = ["" if c is None else str(c).strip() for c in cells]
    # Spreadsheets often leave empty trailing header cells; they name no column.
    while labels and not labels[-1]:
        labels.pop()
    return labels


def _check_header(file: str, header: list[str], row: int | None) -> list[Issue]:
    issues: list[Issue] = []
    seen: dict[str, int] = {}
    for position, label in enumerate(header, start=1):
        # Profiles match labels case-insensitively, so "SKU" and "sku" would be one column.
        key = label.casefold()
        if not label:
            issues.append(
                error(
                    "bad_header",
                    f"column {position} has no name in the header row",
                    file=file,
                    row=row,
                )
            )
        elif key in seen:
            issues.append(
                error(
                    "bad_header",
                    f"column {position} repeats the name of column {seen[key]}",
                    file=file,
                    row=row,
                    column=label,
                )
            )
        else:
            seen[key] = position
    return issues


def _shape(
    file: str, header: list[str], records: Iterable[tuple[int, Sequence[object]]]
) -> tuple[list[Row], list[Issue]]:
    """Drop blank rows, pad short rows, reject rows with values beyond the last column."""
    rows: list[Row] = []
    issues: list[Issue] = []
    width = len(header)
    for number, raw in records:
        cells = [_cell(c) for c in raw]
        if all(c is None for c in cells):
            continue
        if any(c is not None for c in cells[width:]):
            issues.append(
                error(
                    "bad_row_shape",
                    f"the row has {len(cells)} cells but the header names {width} columns; "
                    "the row is skipped (a delimiter inside an unquoted value?)",
                    file=file,
                    row=number,
                )
            )
            continue
        rows.append((number, cells[:width] + [None] * (width - len(cells))))
    return rows, issues


# -- CSV --------------------------------------------------------------------------------------


def _delimiter(text: str) -> str:
    """The delimiter used most often in the header line (outside quotes); ',' if none is."""
    counts = dict.fromkeys(_DELIMITERS, 0)
    quoted = False
    for char in text:
        if char == '"':
            quoted = not quoted
        elif char in "\r\n" and not quoted:
            break
        elif char in counts and not quoted:
            counts[char] += 1
    best = max(_DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def _csv_row_at(delimiter: str) -> Callable[[str], int]:
    def row_at(prefix: str) -> int:
        # The sentinel makes the record the offset falls in always the last one read, even
        # when the prefix ends on a line break.
        return sum(
            1 for _ in csv.reader(io.StringIO(prefix + "x", newline=""), delimiter=delimiter)
        )

    return row_at


def _read_csv(file: Path, data: bytes, encoding: str) -> Read:
    head = data[:65536].decode(encoding, errors="replace").removeprefix(_BOM)
    delimiter = _delimiter(head)
    text, issues = _decode(file, data, encoding, _csv_row_at(delimiter))
    if text is None:
        return [], issues
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    records: list[tuple[int, Sequence[object]]] = []
    try:
        for record in reader:
            records.append((len(records) + 1, record))
    except csv.Error as exc:
        row = len(records) + 1
        return [], [error("bad_csv", f"the file is not valid CSV: {exc}", file=file.name, row=row)]
    return _table(file.stem, file.name, records, decimal_comma=delimiter == ";")


def _table(
    name: str, origin: str, records: Sequence[tuple[int, Sequence[object]]], decimal_comma: bool
) -> Read:
    """A table from records whose first non-blank one is the header."""
    while records and all(_cell(c) is None for c in records[0][1]):
        records = records[1:]
    if not records:
        return [], [warning("empty_file", "the file is empty", file=origin)]
    header = _header_row(records[0][1])
    issues = _check_header(origin, header, records[0][0])
    if issues:
        return [], issues
    rows, issues = _shape(origin, header, records[1:])
    table = RawTable(name, origin, header, rows, decimal_comma=decimal_comma)
    return [table], issues


# -- JSON Lines -------------------------------------------------------------------------------


def _reject_constant(name: str) -> object:
    # json accepts NaN and Infinity by default and would hand them over as floats.
    raise ValueError(f"{name} is not a valid JSON number")


def _read_jsonl(file: Path, data: bytes, encoding: str) -> Read:
    text, issues = _decode(file, data, encoding, lambda prefix: prefix.count("\n") + 1)
    if text is None:
        return [], issues
    objects: list[tuple[int, dict[str, object]]] = []
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line, parse_float=decimal.Decimal, parse_constant=_reject_constant)
        except ValueError as exc:
            issues.append(
                error("bad_json", f"the line is not valid JSON: {exc}", file=file.name, row=number)
            )
            continue
        if not isinstance(value, dict):
            issues.append(
                error(
                    "bad_json",
                    f"the line holds a JSON {type(value).__name__}, not an object",
                    file=file.name,
                    row=number,
                )
            )
            continue
        objects.append((number, value))
    if not objects:
        return [], issues or [warning("empty_file", "the file holds no records", file=file.name)]
    # The columns are the keys in order of first appearance; a record may leave any out.
    header = list(dict.fromkeys(k for _, o in objects for k in o))
    header_issues = _check_header(file.name, header, None)
    if header_issues:
        return [], [*issues, *header_issues]
    rows: list[Row] = [(n, [_cell(o.get(k)) for k in header]) for n, o in objects]
    return [RawTable(file.stem, file.name, header, rows)], issues


# -- XLSX -------------------------------------------------------------------------------------


def _xlsx_value(value: object) -> object:
    if isinstance(value, float):
        # Excel stores numbers as binary floats; repr is the shortest text that reads back the
        # same, i.e. what the user typed and sees (12.1, not 12.0999999999999996447).
        return decimal.Decimal(repr(value))
    if isinstance(value, datetime) and value.time() == time(0, 0):
        return value.date()
    return _cell(value)


def _read_xlsx(file: Path) -> Read:
    try:
        book = openpyxl.load_workbook(file, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, ValueError, ParseError) as exc:
        return [], [_bad_xlsx(file, exc)]
    try:
        sheets = book.worksheets
        tables: list[RawTable] = []
        issues: list[Issue] = []
        for sheet in sheets:
            # Some writers record a wrong used range; without it every row is read.
            sheet.reset_dimensions()
            records = [
                (number, [_xlsx_value(v) for v in values])
                for number, values in enumerate(sheet.iter_rows(values_only=True), start=1)
            ]
            if len(sheets) == 1:
                found, found_issues = _table(file.stem, file.name, records, decimal_comma=False)
            elif any(v is not None for _, values in records for v in values):
                origin = f"{file.name}[{sheet.title}]"
                found, found_issues = _table(sheet.title, origin, records, decimal_comma=False)
            else:
                continue
            tables.extend(found)
            issues.extend(found_issues)
    except (zipfile.BadZipFile, KeyError, ValueError, ParseError) as exc:
        return [], [_bad_xlsx(file, exc)]
    finally:
        book.close()
    return tables, issues


def _bad_xlsx(file: Path, exc: Exception) -> Issue:
    return error(
        "bad_file",
        f"the file is not a readable .xlsx workbook ({type(exc).__name__}: {exc})",
        file=file.name,
    )
