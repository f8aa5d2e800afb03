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
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime, time
from functools import partial
from itertools import chain, compress, repeat
from operator import contains
from pathlib import Path
from xml.etree.ElementTree import ParseError

import openpyxl
from openpyxl.utils.exceptions import InvalidFileException

from cpq.catalog.issues import Issue, error, warning
from cpq.catalog.tables import RawTable, SourceRead
from cpq.errors import InvalidInput, SourceError
from cpq.sync.rules import NormalizedRows

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

    @property
    def path(self) -> Path:
        """The folder or file read, resolved."""
        return self._path

    @property
    def encoding(self) -> str:
        """The text encoding CSV and JSON Lines files are decoded with."""
        return self._encoding

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
        if suffix == ".csv":
            return _read_csv(file, self._encoding)
        return _read_jsonl(file, self._encoding)


def _read_bytes(file: Path) -> bytes | None:
    """The file's bytes; None if it holds nothing but a byte order mark and whitespace."""
    data = file.read_bytes()
    # The start alone almost always shows text, which spares stripping a copy of a large file.
    if data[:4096].removeprefix(codecs.BOM_UTF8).strip():
        return data
    return data if data.removeprefix(codecs.BOM_UTF8).strip() else None


def _empty_file(file: Path) -> Read:
    return [], [warning("empty_file", "the file is empty", file=file.name)]


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
    file: str, header: list[str], records: Sequence[Sequence[object]], start: int, *, text: bool
) -> tuple[list[Row], list[Issue]]:
    """Drop blank rows, pad short rows, reject rows with values beyond the last column.

    ``records[start:]`` are the rows below the header, numbered ``start + 1`` on. ``text`` records
    hold only ``str`` (CSV); the others' cells are already tidy (blank ones None). Most rows need
    no work, so all of them are checked at C speed and only the others are visited one by one.
    """
    width = len(header)
    body = list(records[start:])
    # Whitespace-only cells are rare: one pass over every cell tells whether to look for them.
    spaces = text and any(map(str.isspace, chain.from_iterable(body)))  # type: ignore[arg-type]
    keep = bytearray(b"\x01") * len(body)
    issues: list[Issue] = []
    for index in _untidy(body, width, text=text, spaces=spaces):
        cells = body[index]
        if text:
            cells = (
                tuple([_cell(c) for c in cells])
                if spaces
                else tuple(map(_EMPTY_IS_NONE.get, cells, cells))
            )
        if cells.count(None) == len(cells):
            keep[index] = False
            continue
        if cells[width:].count(None) != len(cells[width:]):
            issues.append(
                error(
                    "bad_row_shape",
                    f"the row has {len(cells)} cells but the header names {width} columns; "
                    "the row is skipped (a delimiter inside an unquoted value?)",
                    file=file,
                    row=start + 1 + index,
                )
            )
            keep[index] = False
            continue
        body[index] = (*cells[:width], *(None,) * (width - len(cells)))
    numbered = zip(range(start + 1, start + 1 + len(body)), body, strict=True)
    return NormalizedRows(compress(numbered, keep)), issues


_EMPTY_IS_NONE: dict[object, object] = {"": None}


def _untidy(body: list[Sequence[object]], width: int, *, text: bool, spaces: bool) -> list[int]:
    """Indexes of the rows that are of another width or may hold blank cells, in order."""
    indexes = range(len(body))
    found = set(compress(indexes, map(width.__ne__, map(len, body))))
    if text:
        found.update(compress(indexes, map(contains, body, repeat(""))))
        if spaces:
            found.update(compress(indexes, map(any, map(partial(map, str.isspace), body))))
    else:
        blank = (None,) * width
        found.update(compress(indexes, map(blank.__eq__, body)))
    return sorted(found)


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


def _read_csv(file: Path, encoding: str) -> Read:
    data = _read_bytes(file)
    if data is None:
        return _empty_file(file)
    head = data[:65536].decode(encoding, errors="replace").removeprefix(_BOM)
    delimiter = _delimiter(head)
    text, issues = _decode(file, data, encoding, _csv_row_at(delimiter))
    del data  # only the text is needed from here on, and a large file's bytes take room
    if text is None:
        return [], issues
    try:
        # Tuples, not the reader's lists: smaller, and the garbage collector soon stops tracking
        # them (a tuple of strings cannot be part of a cycle); with lists, its repeated passes
        # over hundreds of thousands of rows take longer than reading them.
        records = list(map(tuple, _csv_reader(text, delimiter)))
    except csv.Error as exc:
        row = _records_before_error(text, delimiter) + 1
        return [], [error("bad_csv", f"the file is not valid CSV: {exc}", file=file.name, row=row)]
    del text
    return _table(file.stem, file.name, records, decimal_comma=delimiter == ";", text=True)


def _csv_reader(text: str, delimiter: str) -> Iterator[list[str]]:
    lines = chain.from_iterable(map(partial(io.StringIO, newline=""), _chunks(text)))
    return csv.reader(lines, delimiter=delimiter, strict=True)


def _chunks(text: str, size: int = 1 << 20) -> Iterator[str]:
    """The text in pieces of whole lines: a StringIO holds 4 bytes a character while it is read,
    so one over a whole large file would hold several times its size at once."""
    start = 0
    while start < len(text):
        end = text.find("\n", start + size)
        end = len(text) if end < 0 else end + 1
        yield text[start:end]
        start = end


def _records_before_error(text: str, delimiter: str) -> int:
    """How many records a reader returns before it fails (read again only when it did fail)."""
    count = 0
    try:
        for _ in _csv_reader(text, delimiter):
            count += 1
    except csv.Error:
        pass
    return count


def _table(
    name: str,
    origin: str,
    records: Sequence[Sequence[object]],
    decimal_comma: bool,
    *,
    text: bool = False,
) -> Read:
    """A table from records (record ``k`` is row ``k + 1``) whose first non-blank one is the header."""
    first = 0
    while first < len(records) and all(_cell(c) is None for c in records[first]):
        first += 1
    if first == len(records):
        return [], [warning("empty_file", "the file is empty", file=origin)]
    header = _header_row(records[first])
    issues = _check_header(origin, header, first + 1)
    if issues:
        return [], issues
    rows, issues = _shape(origin, header, records, first + 1, text=text)
    table = RawTable(name, origin, header, rows, decimal_comma=decimal_comma)
    return [table], issues


# -- JSON Lines -------------------------------------------------------------------------------


def _reject_constant(name: str) -> object:
    # json accepts NaN and Infinity by default and would hand them over as floats.
    raise ValueError(f"{name} is not a valid JSON number")


def _read_jsonl(file: Path, encoding: str) -> Read:
    data = _read_bytes(file)
    if data is None:
        return _empty_file(file)
    text, issues = _decode(file, data, encoding, lambda prefix: prefix.count("\n") + 1)
    del data
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
    rows: list[Row] = NormalizedRows(
        (n, tuple([_cell(o.get(k)) for k in header])) for n, o in objects
    )
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
                tuple([_xlsx_value(v) for v in values])
                for values in sheet.iter_rows(values_only=True)
            ]
            if len(sheets) == 1:
                found, found_issues = _table(file.stem, file.name, records, decimal_comma=False)
            elif any(v is not None for values in records for v in values):
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
