"""Rendered quote PDFs, read back with pypdf (no database)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from document_builders import context, line
from pdf_read import fonts, image_count, page_texts, reader, squeezed, text

from cpq.documents.render import (
    TEMPLATES_DIR,
    ResourceRefused,
    TemplatesOnlyFetcher,
    render_quote_pdf,
    template_version,
)

DRAFT_MARK = squeezed("DRAFT - not valid for acceptance")


def test_a_short_quote_is_one_page_with_every_sku_and_the_total() -> None:
    pdf = render_quote_pdf(context())

    assert len(reader(pdf).pages) == 1
    found = text(pdf)
    for sku in ("SKU-00001", "SKU-00002", "SKU-00003"):
        assert sku in found
    assert "€1,234.50" in found
    assert "All amounts exclude taxes." in found
    assert "Example Instruments GmbH" in found and "Acme AG" in found
    assert "Page 1 of 1" in found


def test_the_german_document_has_german_labels_and_figures() -> None:
    found = text(render_quote_pdf(context(lang="de")))

    assert "Angebot Q-2026-000042" in found
    assert squeezed("1.234,50 €") in squeezed(found)  # Babel puts a no-break space
    assert "Seite 1 von 1" in found
    assert "zuzüglich Steuern" in found


@pytest.mark.parametrize("status", ["draft", "pending_approval", "rejected", "expired"])
def test_a_quote_not_approved_carries_the_draft_watermark(status: str) -> None:
    assert DRAFT_MARK in squeezed(text(render_quote_pdf(context(status=status))))


@pytest.mark.parametrize("status", ["approved", "sent", "accepted"])
def test_an_approved_quote_has_no_watermark(status: str) -> None:
    found = squeezed(text(render_quote_pdf(context(status=status))))

    assert "DRAFT" not in found
    assert squeezed("€1,234.50") in found


def test_fonts_are_embedded() -> None:
    found = fonts(render_quote_pdf(context()))

    assert found, "no fonts at all"
    assert all(found.values()), found


def test_metadata_comes_from_the_quote() -> None:
    meta = reader(render_quote_pdf(context())).metadata

    assert meta is not None
    assert meta.title == "Quote Q-2026-000042 v2"
    assert meta.creator == f"cpq quote template {template_version()}"  # which template made it
    assert meta["/CreationDate"].startswith("D:20261120083105")
    assert meta["/ModDate"].startswith("D:20261120083105")


def test_rendering_twice_gives_the_same_bytes() -> None:
    lines = [line(n, parent=None if n % 4 == 1 else n - n % 4 + 1) for n in range(1, 80)]

    first = render_quote_pdf(context(lines))
    render_quote_pdf(context(lang="de", status="approved"))  # nothing carries over between renders
    second = render_quote_pdf(context(lines))

    assert len(reader(first).pages) > 1
    assert first == second


@pytest.mark.slow
def test_a_long_quote_spans_pages_each_with_the_table_header() -> None:
    lines = [line(n) for n in range(1, 301)]

    pages = page_texts(render_quote_pdf(context(lines)))

    assert len(pages) >= 4
    for number, page in enumerate(pages, start=1):
        assert f"Page {number} of {len(pages)}" in page
    table_pages = [p for p in pages if "SKU-" in p]
    assert len(table_pages) >= 4
    for page in table_pages:
        assert squeezed("Net unit price") in squeezed(page) and "Line total" in page
    # No row split across pages: each item is on exactly one page.
    for n in range(1, 301):
        assert sum(f"SKU-{n:05d}" in p for p in pages) == 1, n


def test_what_people_typed_shows_as_text() -> None:
    pdf = render_quote_pdf(
        context([line(1, name="<b>bold</b> & co")], title="<script>x()</script>")
    )

    found = text(pdf)
    assert "<script>x()</script>" in found
    assert "<b>bold</b> & co" in found


# --- what the renderer may fetch ---------------------------------------------------------------


def test_the_fetcher_serves_template_files_and_refuses_everything_else(tmp_path: Path) -> None:
    fetcher = TemplatesOnlyFetcher()
    css = (TEMPLATES_DIR / "quote" / "quote.css").as_uri()

    assert fetcher.fetch(css).read().startswith(b"/*")
    for url in (
        "file:///etc/passwd",
        (TEMPLATES_DIR / "quote" / ".." / ".." / "pyproject.toml").as_uri(),
        "http://example.com/x.png",
        "https://example.com/x.css",
        "data:text/css,body{}",
        f"file://example.com{TEMPLATES_DIR / 'quote' / 'quote.css'}",
    ):
        with pytest.raises(ResourceRefused):
            fetcher.fetch(url)


def _hostile_templates(tmp_path: Path, source: str) -> Path:
    """A copy of the templates whose quote template also loads ``source``."""
    root = tmp_path / "templates"
    shutil.copytree(TEMPLATES_DIR, root)
    template = root / "quote" / "quote.html.j2"
    page = template.read_text(encoding="utf-8")
    template.write_text(page.replace("</head>", f"{source}\n</head>"), encoding="utf-8")
    return root


def _png(path: Path) -> None:
    from PIL import Image

    Image.new("RGB", (4, 4), (255, 0, 0)).save(path)


def test_a_template_gets_nothing_from_outside_templates(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "leak.css").write_text('body::after { content: "LEAKED-SECRET"; }')
    _png(outside / "leak.png")
    loads = (
        f'<link rel="stylesheet" href="{(outside / "leak.css").as_uri()}">'
        '<link rel="stylesheet" href="file:///etc/passwd">'
        '<link rel="stylesheet" href="http://example.com/x.css">'
        "</head><body>"
        f'<img src="{(outside / "leak.png").as_uri()}">'
        '<img src="http://example.com/x.png"><img src="file:///etc/passwd">'
    )
    root = _hostile_templates(tmp_path, loads)

    pdf = render_quote_pdf(context(), root=root)

    found = text(pdf)
    assert "LEAKED-SECRET" not in found
    assert "root:" not in found
    assert image_count(pdf) == 0


def test_the_same_resources_inside_templates_do_load(tmp_path: Path) -> None:
    """The control for the test above: it would see a leak if the fetcher let one through."""
    root = _hostile_templates(
        tmp_path, '<link rel="stylesheet" href="leak.css"></head><body><img src="leak.png">'
    )
    (root / "quote" / "leak.css").write_text('body::after { content: "LEAKED-SECRET"; }')
    _png(root / "quote" / "leak.png")

    pdf = render_quote_pdf(context(), root=root)

    assert "LEAKED-SECRET" in text(pdf)
    assert image_count(pdf) == 1
