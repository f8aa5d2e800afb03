"""FolderSource: CSV, JSON Lines and XLSX files read into raw tables, problems located exactly."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from cpq.catalog.issues import Severity
from cpq.catalog.tables import RawTable, SourceRead
from cpq.errors import InvalidInput, SourceError
from cpq.sync.sources.files import FolderSource


def read_file(path: Path, content: bytes, encoding: str | None = None) -> SourceRead:
    path.write_bytes(content)
    return FolderSource(path, encoding=encoding).read()


def only_table(read: SourceRead) -> RawTable:
    assert len(read.tables) == 1
    return read.tables[0]


def issue_tuples(read: SourceRead) -> list[tuple[str, str, str | None, int | None]]:
    return [(i.severity.value, i.code, i.file, i.row) for i in read.issues]


# -- CSV ------------------------------------------------------------------------------------


@pytest.mark.parametrize("bom", [b"", b"\xef\xbb\xbf"], ids=["no-bom", "bom"])
def test_csv_reads_utf8_with_or_without_bom(tmp_path: Path, bom: bytes) -> None:
    # given
    content = bom + "sku,name\nA-1,Müller Stuhl\n".encode()

    # when
    read = read_file(tmp_path / "items.csv", content)

    # then
    table = only_table(read)
    assert (table.name, table.origin, table.header) == ("items", "items.csv", ["sku", "name"])
    assert table.rows == [(2, ("A-1", "Müller Stuhl"))]
    assert table.decimal_comma is False
    assert read.issues == []


@pytest.mark.parametrize(
    ("content", "header", "price", "decimal_comma"),
    [
        (b"sku,unit_price\nA-1,12.50\n", "sku", "12.50", False),
        (b"sku;unit_price\nA-1;12,50\n", "sku", "12,50", True),
        (b"sku\tunit_price\nA-1\t12.50\n", "sku", "12.50", False),
        # Commas inside the quoted header label do not outvote the real delimiter.
        (b'"sku, code";unit_price\nA-1;12,50\n', "sku, code", "12,50", True),
    ],
    ids=["comma", "semicolon", "tab", "quoted-comma"],
)
def test_csv_delimiter_is_detected_from_the_header_line(
    tmp_path: Path, content: bytes, header: str, price: str, decimal_comma: bool
) -> None:
    # when
    table = only_table(read_file(tmp_path / "prices.csv", content))

    # then: values stay text; the parser reads "12,50" because of the flag
    assert table.header == [header, "unit_price"]
    assert table.rows == [(2, ("A-1", price))]
    assert table.decimal_comma is decimal_comma


def test_csv_rows_are_counted_as_records_like_a_spreadsheet(tmp_path: Path) -> None:
    # given a quoted value spanning two lines, a blank line and an all-empty row
    content = b'sku,description,brand\nA-1,"two\nlines",Acme\n\nA-2,,\n,,\nA-3,plain\n'

    # when
    read = read_file(tmp_path / "items.csv", content)

    # then: records 2..6; blank ones skipped, empty cells None, a short row padded
    assert only_table(read).rows == [
        (2, ("A-1", "two\nlines", "Acme")),
        (4, ("A-2", None, None)),
        (6, ("A-3", "plain", None)),
    ]
    assert read.issues == []


def test_csv_row_with_more_cells_than_the_header_is_an_error_and_skipped(tmp_path: Path) -> None:
    # given row 3 with an unquoted comma in its value; row 4 has only empty trailing cells
    content = b"sku,name\nA-1,Desk\nA-2,Desk, large\nA-3,Chair,,\n"

    # when
    read = read_file(tmp_path / "items.csv", content)

    # then
    assert only_table(read).rows == [(2, ("A-1", "Desk")), (4, ("A-3", "Chair"))]
    assert issue_tuples(read) == [("error", "bad_row_shape", "items.csv", 3)]
    assert read.issues[0].message == (
        "the row has 3 cells but the header names 2 columns; "
        "the row is skipped (a delimiter inside an unquoted value?)"
    )


def test_csv_blank_and_whitespace_only_cells_are_none_and_blank_rows_are_skipped(
    tmp_path: Path,
) -> None:
    # given whitespace-only cells (unquoted, quoted, a no-break space) and rows of blank cells
    content = (
        "sku,name,brand\n"
        "A-1,Desk,Acme\n"
        " ,\t,\u00a0\n"
        'A-2,"  ",\n'
        ",,\n"
        "A-3,\u00a0Chair ,\n"
        "A-4,Stool,Acme,,\n"
    ).encode()

    # when
    read = read_file(tmp_path / "items.csv", content)

    # then: values are kept as written, only blank ones become None
    assert only_table(read).rows == [
        (2, ("A-1", "Desk", "Acme")),
        (4, ("A-2", None, None)),
        (6, ("A-3", "\u00a0Chair ", None)),
        (7, ("A-4", "Stool", "Acme")),
    ]
    assert read.issues == []


def test_large_csv_keeps_records_that_span_lines_and_counts_rows_exactly(tmp_path: Path) -> None:
    # given a file of over 2 MB whose values span lines, so records cross any read boundary
    records = 60_000
    lines = [b"sku,description,brand"]
    for n in range(records):
        brand = b"" if n % 3 else b"Acme"
        lines.append(b'A-%d,"line one\r\nline two of %d",%s' % (n, n, brand))
    content = b"\r\n".join(lines) + b"\r\n"
    assert len(content) > 2 * 2**20

    # when
    read = read_file(tmp_path / "items.csv", content)

    # then
    rows = only_table(read).rows
    assert len(rows) == records
    assert rows[0] == (2, ("A-0", "line one\r\nline two of 0", "Acme"))
    assert rows[-1] == (
        records + 1,
        (f"A-{records - 1}", f"line one\r\nline two of {records - 1}", None),
    )
    assert [n for n, _ in rows] == list(range(2, records + 2))
    assert read.issues == []


def test_invalid_csv_far_into_a_large_file_names_its_record(tmp_path: Path) -> None:
    # given a broken record after several MB of records spanning lines
    good = b"".join(b'A-%d,"two\nlines"\n' % n for n in range(200_000))
    content = b"sku,name\n" + good + b'B-1,"Desk" large\n'

    # when
    read = read_file(tmp_path / "items.csv", content)

    # then
    assert read.tables == []
    assert issue_tuples(read) == [("error", "bad_csv", "items.csv", 200_002)]


@pytest.mark.parametrize(
    ("header", "message", "column"),
    [
        (b"sku,name,SKU", "column 3 repeats the name of column 1", "SKU"),
        (b"sku,,name", "column 2 has no name in the header row", None),
    ],
    ids=["duplicate", "empty"],
)
def test_csv_bad_header_skips_the_file(
    tmp_path: Path, header: bytes, message: str, column: str | None
) -> None:
    # when
    read = read_file(tmp_path / "items.csv", header + b"\nA-1,Desk,x\n")

    # then
    assert read.tables == []
    assert issue_tuples(read) == [("error", "bad_header", "items.csv", 1)]
    assert (read.issues[0].message, read.issues[0].column) == (message, column)


@pytest.mark.parametrize(
    "content", [b"", b"\xef\xbb\xbf", b"\n\n"], ids=["0-bytes", "bom", "blank"]
)
def test_empty_csv_is_a_warning(tmp_path: Path, content: bytes) -> None:
    # when
    read = read_file(tmp_path / "items.csv", content)

    # then
    assert read.tables == []
    assert issue_tuples(read) == [("warning", "empty_file", "items.csv", None)]


def test_csv_header_only_is_a_table_without_rows(tmp_path: Path) -> None:
    # An export of zero records is still the complete (empty) list of that entity.
    table = only_table(read_file(tmp_path / "items.csv", b"sku,name\n"))

    assert (table.header, table.rows) == (["sku", "name"], [])


def test_csv_that_is_not_utf8_names_row_and_byte_and_suggests_encoding(tmp_path: Path) -> None:
    # given a file saved by Excel on Windows (cp1252); row 3 spans two lines before the "ü"
    content = 'sku,name\nA-1,"Desk\nlarge"\nA-2,Müller\n'.encode("cp1252")

    # when
    read = read_file(tmp_path / "items.csv", content)

    # then: the file is skipped with one error
    assert read.tables == []
    assert issue_tuples(read) == [("error", "bad_encoding", "items.csv", 3)]
    offset = content.index("ü".encode("cp1252"))
    assert offset == 31
    assert read.issues[0].message == (
        "the file is not valid utf-8 text (row 3, byte 31); if it was saved with another "
        "encoding, sync it with --encoding (e.g. --encoding cp1252 for a CSV saved by Excel "
        "on Windows)"
    )
    assert read.issues[0].value == "FC"


def test_csv_with_text_after_a_closing_quote_is_not_valid_csv(tmp_path: Path) -> None:
    # when
    read = read_file(tmp_path / "items.csv", b'sku,name\nA-1,Desk\nA-2,"Desk" large\n')

    # then: which value was meant cannot be known, so the file is skipped
    assert read.tables == []
    assert issue_tuples(read) == [("error", "bad_csv", "items.csv", 3)]
    assert read.issues[0].message == "the file is not valid CSV: ',' expected after '\"'"


def test_csv_in_the_given_encoding(tmp_path: Path) -> None:
    # given
    content = "sku;name\nA-2;Müller\n".encode("cp1252")

    # when
    read = read_file(tmp_path / "items.csv", content, encoding="cp1252")

    # then
    assert only_table(read).rows == [(2, ("A-2", "Müller"))]
    assert read.issues == []


def test_unknown_encoding_is_refused() -> None:
    with pytest.raises(InvalidInput, match="unknown encoding 'latin-42'"):
        FolderSource(Path("."), encoding="latin-42")


# -- JSON Lines -----------------------------------------------------------------------------


def test_jsonl_keeps_numbers_exact_and_aligns_keys(tmp_path: Path) -> None:
    # given
    content = (
        b'{"sku": "A-1", "unit_price": 12.10, "factor": 0.1, "min_quantity": 10}\n'
        b"\n"
        b'{"sku": "A-2", "unit_price": 1e-6, "customer": "C-9", "name": ""}\n'
    )

    # when
    read = read_file(tmp_path / "price_list_entries.jsonl", content)

    # then: the header is the union of keys in order of first appearance; rows are line numbers
    table = only_table(read)
    assert table.header == ["sku", "unit_price", "factor", "min_quantity", "customer", "name"]
    assert table.rows == [
        (1, ("A-1", Decimal("12.10"), Decimal("0.1"), 10, None, None)),
        (3, ("A-2", Decimal("1E-6"), None, None, "C-9", None)),
    ]
    assert str(table.rows[0][1][1]) == "12.10"
    assert isinstance(table.rows[0][1][3], int)
    assert read.issues == []


def test_jsonl_bad_lines_are_errors_and_skipped(tmp_path: Path) -> None:
    # given
    content = b'{"sku": "A-1"}\n{"sku": "A-2",\n["A-3"]\n{"sku": NaN}\n{"sku": "A-5"}\n'

    # when
    read = read_file(tmp_path / "items.jsonl", content)

    # then
    assert only_table(read).rows == [(1, ("A-1",)), (5, ("A-5",))]
    assert issue_tuples(read) == [
        ("error", "bad_json", "items.jsonl", 2),
        ("error", "bad_json", "items.jsonl", 3),
        ("error", "bad_json", "items.jsonl", 4),
    ]
    assert read.issues[1].message == "the line holds a JSON list, not an object"


def test_jsonl_bad_encoding_names_the_line(tmp_path: Path) -> None:
    content = '{"sku": "A-1"}\n{"name": "Müller"}\n'.encode("latin-1")

    read = read_file(tmp_path / "items.jsonl", content)

    assert read.tables == []
    assert issue_tuples(read) == [("error", "bad_encoding", "items.jsonl", 2)]


# -- XLSX -----------------------------------------------------------------------------------


def write_xlsx(path: Path, sheets: dict[str, list[list[object]]]) -> None:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    book.save(path)


def test_xlsx_values_are_what_the_user_sees(tmp_path: Path) -> None:
    # given a one-sheet workbook (the sheet keeps Excel's default title)
    write_xlsx(
        tmp_path / "prices.xlsx",
        {
            "Sheet1": [
                ["sku", "unit_price", "min_quantity", "valid_from", "changed", "active", "note"],
                ["A-1", 12.1, 10, datetime(2026, 1, 31), datetime(2026, 1, 31, 9, 30), True, "  "],
                ["A-2", 0.000001, 2.5, None, None, False, "x"],
            ]
        },
    )

    # when
    read = FolderSource(tmp_path / "prices.xlsx").read()

    # then: named after the file; floats become the Decimal shown, midnight datetimes dates
    table = only_table(read)
    assert (table.name, table.origin) == ("prices", "prices.xlsx")
    assert table.rows == [
        (
            2,
            (
                "A-1",
                Decimal("12.1"),
                10,
                date(2026, 1, 31),
                datetime(2026, 1, 31, 9, 30),
                True,
                None,
            ),
        ),
        (3, ("A-2", Decimal("0.000001"), Decimal("2.5"), None, None, False, "x")),
    ]
    assert type(table.rows[0][1][3]) is date
    assert read.issues == []


def test_xlsx_with_several_sheets_gives_one_table_per_non_empty_sheet(tmp_path: Path) -> None:
    # given
    write_xlsx(
        tmp_path / "catalog.xlsx",
        {
            "items": [["sku", "name"], ["A-1", "Desk"]],
            "Notes": [],
            "item_units": [["sku", "unit", "factor"], ["A-1", "box", 4]],
        },
    )

    # when
    read = FolderSource(tmp_path).read()

    # then
    assert [(t.name, t.origin, t.rows) for t in read.tables] == [
        ("items", "catalog.xlsx[items]", [(2, ("A-1", "Desk"))]),
        ("item_units", "catalog.xlsx[item_units]", [(2, ("A-1", "box", 4))]),
    ]
    assert read.issues == []


def test_corrupt_xlsx_is_a_bad_file_error(tmp_path: Path) -> None:
    # when
    read = read_file(tmp_path / "items.xlsx", b"PK\x03\x04 this is not a workbook")

    # then
    assert read.tables == []
    assert issue_tuples(read) == [("error", "bad_file", "items.xlsx", None)]


# -- folders --------------------------------------------------------------------------------


def test_folder_reads_supported_files_sorted_and_warns_about_others(tmp_path: Path) -> None:
    # given
    (tmp_path / "items.csv").write_bytes(b"sku\nA-1\n")
    (tmp_path / "customers.jsonl").write_bytes(b'{"external_id": "C-1"}\n')
    (tmp_path / "README.txt").write_bytes(b"exported on Monday\n")
    (tmp_path / "~$catalog.xlsx").write_bytes(b"lock")
    (tmp_path / ".DS_Store").write_bytes(b"\x00")
    (tmp_path / "archive").mkdir()
    (tmp_path / "archive" / "old.csv").write_bytes(b"sku\nOLD\n")

    # when
    source = FolderSource(tmp_path)
    read = source.read()

    # then
    assert source.description == f"folder {tmp_path.resolve()}"
    assert [t.origin for t in read.tables] == ["customers.jsonl", "items.csv"]
    assert [(i.severity, i.code, i.file, i.message) for i in read.issues] == [
        (
            Severity.WARNING,
            "ignored_file",
            "README.txt",
            "ignored file: only .csv, .jsonl and .xlsx files are read",
        ),
        (
            Severity.WARNING,
            "ignored_file",
            "~$catalog.xlsx",
            "ignored file: an Excel lock file (is the workbook still open?)",
        ),
    ]


def test_single_file_source_describes_the_file(tmp_path: Path) -> None:
    (tmp_path / "items.csv").write_bytes(b"sku\nA-1\n")

    source = FolderSource(tmp_path / "items.csv")

    assert source.description == f"file {(tmp_path / 'items.csv').resolve()}"
    assert [t.origin for t in source.read().tables] == ["items.csv"]


@pytest.mark.parametrize(
    ("name", "message"),
    [("missing", "does not exist"), ("notes.txt", "is not a .csv, .jsonl or .xlsx file")],
)
def test_unreadable_source_path_is_a_source_error(tmp_path: Path, name: str, message: str) -> None:
    (tmp_path / "notes.txt").write_bytes(b"hello")

    with pytest.raises(SourceError, match=message):
        FolderSource(tmp_path / name).read()
