"""Render quote documents: Jinja2 (autoescaped) to HTML, WeasyPrint to PDF.

The renderer reads only files under ``templates/``: no network, no other ``file://`` path, so a
template (or a value that slipped into one) cannot pull anything else into a customer document.
Output is deterministic: the PDF's dates and identifier come from the quote, not the clock.

A document is rendered whole, or as a :class:`Part` (a page range of the line table, with or
without the header and the totals) for the parallel renderer (``pages.py``, ``workers.py``).
"""

from __future__ import annotations

import base64
import json
import mimetypes
import os
from collections.abc import Iterator, Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup
from weasyprint import CSS, HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

from cpq.documents.pages import PX_PER_MM, Geometry, LaidOut, Part
from cpq.documents.templates import (
    QUOTE_TEMPLATE,
    STAMP_TEMPLATE,
    TEMPLATES_DIR,
    quote_sans,
    template_version,
)
from cpq.documents.variants import Variant

__all__ = [
    "TEMPLATES_DIR",
    "LaidOut",
    "Part",
    "ResourceRefused",
    "TemplatesOnlyFetcher",
    "render_part",
    "render_quote_html",
    "render_quote_pdf",
    "render_stamp",
    "template_version",
]

# The few user-agent rules the quote template relies on, in place of WeasyPrint's HTML5
# stylesheet (18 KB of rules matched against every element: a third of a long table's styling
# time). The PDF/A and PDF/UA variants keep WeasyPrint's own stylesheet.
LEAN_USER_AGENT = """
html, body, div, section, header, h1, h2, p { display: block }
head, style, title, meta, link, script { display: none }
table { display: table; box-sizing: border-box; border-collapse: separate; text-indent: 0 }
thead { display: table-header-group } tbody { display: table-row-group }
tr { display: table-row } td, th { display: table-cell; padding: 1px }
th { font-weight: bold; text-align: center } strong { font-weight: bold }
small { font-size: smaller } img { display: inline-block }
br::before { content: "\\A"; white-space: pre-line }
h1, h2 { font-weight: bold }
"""


PAGE_BOTTOM_PX = (297 - 20) * PX_PER_MM  # A4, bottom margin 20 mm (quote.css)


class ResourceRefused(ValueError):
    """A template asked for something outside ``templates/``."""


@lru_cache
def _document_characters() -> frozenset[str]:
    """The characters both document fonts have (see templates/fonts/)."""
    regular, bold = quote_sans()
    return frozenset((regular.advances.keys() & bold.advances.keys()) | {"\n", "\t", "\r"})


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _strings(item)


def covered(context: Mapping[str, Any]) -> bool:
    """Whether the document's own fonts have every character of its text. Then they are
    embedded whole (80 KB, no per-document subsetting: a quarter of a one-page render);
    otherwise subset, as a fallback font for the rest (DejaVu is 750 KB) must be."""
    have = _document_characters()
    return all(set(text) <= have for text in _strings(context))


def _css_string(value: Any) -> Markup:
    """``value`` as the inside of a CSS string (for footer text in ``<style>``)."""
    return Markup(json.dumps(str(value), ensure_ascii=True)[1:-1])


@lru_cache
def _environment(root: Path) -> Environment:
    env = Environment(
        loader=FileSystemLoader(root),
        autoescape=True,
        undefined=StrictUndefined,
        auto_reload=False,
    )
    env.filters["css_string"] = _css_string
    return env


class TemplatesOnlyFetcher(URLFetcher):  # type: ignore[misc]  # WeasyPrint has no type hints
    """Serves ``file://`` URLs inside ``root`` and refuses every other URL (WeasyPrint then
    leaves the resource out and logs a warning)."""

    def __init__(self, root: Path = TEMPLATES_DIR) -> None:
        super().__init__(allowed_protocols=("file",), allow_redirects=False)
        self.root = root.resolve()

    def resolve(self, url: str) -> Path:
        parts = urlsplit(url)
        if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
            raise ResourceRefused(f"not a local template file: {url}")
        path = Path(unquote(parts.path)).resolve()
        if not path.is_relative_to(self.root) or not path.is_file():
            raise ResourceRefused(f"outside the templates folder: {url}")
        return path

    def fetch(self, url: str, headers: Mapping[str, str] | None = None) -> URLFetcherResponse:
        path = self.resolve(url)
        kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(path.as_uri(), path.read_bytes(), {"Content-Type": kind})


class _LeanHTML(HTML):  # type: ignore[misc]
    def _ua_stylesheets(self, forms: bool = False) -> list[CSS]:
        return [_lean_user_agent()]


@lru_cache
def _lean_user_agent() -> CSS:
    return CSS(string=LEAN_USER_AGENT)


def _logo(context: Mapping[str, Any], root: Path) -> Path | None:
    """The seller's logo file, when set and inside the templates folder."""
    name = str(context["seller"].get("logo") or "")
    if not name:
        return None
    path = (root / name).resolve()
    if not path.is_relative_to(root.resolve()) or not path.is_file():
        raise ResourceRefused(f"seller logo {name!r} is not a file under {root}")
    return path


def _html(context: Mapping[str, Any], part: Part, root: Path, *, preview: bool = False) -> str:
    logo = _logo(context, root)
    if preview:  # self-contained: the page shows it without asking the server for anything
        css = (root / "quote" / "quote.css").read_text(encoding="utf-8")
        logo_src = ""
        if logo is not None:
            kind = mimetypes.guess_type(logo.name)[0] or "application/octet-stream"
            logo_src = f"data:{kind};base64,{base64.b64encode(logo.read_bytes()).decode()}"
        assets = {"inline_css": Markup(css.replace("</", "<\\/")), "logo_src": logo_src}
    else:
        assets = {"inline_css": "", "logo_src": logo.as_uri() if logo else ""}
    template = _environment(root).get_template(QUOTE_TEMPLATE)
    return template.render(**context, part=part, assets=assets)


def whole(context: Mapping[str, Any]) -> Part:
    """The whole document as one part."""
    return Part(rows=context["lines"], anchors=frozenset())


def render_quote_html(context: Mapping[str, Any], *, root: Path = TEMPLATES_DIR) -> str:
    """The document as one self-contained HTML page (the preview): the stylesheet inline, the
    logo as a data URL, no page footer."""
    part = Part(rows=context["lines"], footer=False)
    return _html(context, part, root, preview=True)


def _document(html: str, root: Path, lean: bool) -> HTML:
    # fontTools stamps each embedded font subset with "now" unless this is set
    # (reproducible-builds.org): a fixed stamp keeps repeat renders byte-identical.
    os.environ.setdefault("SOURCE_DATE_EPOCH", "0")
    kind = _LeanHTML if lean else HTML
    base = (root / "quote").as_uri() + "/"
    return kind(string=html, base_url=base, url_fetcher=TemplatesOnlyFetcher(root))


def render_quote_pdf(
    context: Mapping[str, Any],
    *,
    variant: Variant = Variant.STANDARD,
    root: Path = TEMPLATES_DIR,
) -> bytes:
    """The whole quote document as PDF bytes, in this process; the same context gives the
    same bytes."""
    html = _document(_html(context, whole(context), root), root, variant == Variant.STANDARD)
    identifier = str(context["metadata"]["identifier"]).encode()
    pdf: bytes = html.write_pdf(
        pdf_identifier=identifier,
        pdf_variant=variant.weasyprint_variant,
        full_fonts=covered(context),
    )
    return pdf


def render_part(
    context: Mapping[str, Any], part: Part, *, root: Path = TEMPLATES_DIR, keep: int | None = None
) -> LaidOut:
    """One part of the document, laid out and drawn: the first ``keep`` pages (default: all)
    are drawn; the rows' positions are reported for every page laid out."""
    document = _document(_html(context, part, root), root, True).render()
    tops: list[dict[int, float]] = []
    firsts: list[int | None] = []
    for page in document.pages:
        rows = {
            int(name[4:]): float(position[1])
            for name, position in page.anchors.items()
            if name.startswith("row-")
        }
        tops.append(rows)
        firsts.append(min(rows, key=lambda i: rows[i]) if rows else None)
    kept = document if keep is None else document.copy(document.pages[:keep])
    identifier = str(context["metadata"]["identifier"]).encode()
    pdf = kept.write_pdf(pdf_identifier=identifier, full_fonts=covered(context))
    return LaidOut(pdf, firsts, tops)


def first_row_top(context: Mapping[str, Any]) -> float:
    """Where the first line row starts on the first page, below the document's header."""
    part = Part(rows=context["lines"][:1], tail=False, footer=False, anchors=None)
    return render_part(context, part, keep=0).row_tops[0][0]


def render_range(
    context: Mapping[str, Any],
    rows: Sequence[Mapping[str, Any]],
    breaks: frozenset[int],
    head: bool,
    last: bool,
) -> LaidOut:
    """A run of pages: the document's header first when ``head``, these rows with a new page
    before each row in ``breaks``, and the totals, terms and signature after them when
    ``last``. The first row and those in ``breaks`` are anchored (to check the plan)."""
    first = frozenset({int(rows[0]["index"])}) if rows else frozenset()
    part = Part(
        rows=rows, head=head, tail=last, breaks=breaks, footer=False, anchors=breaks | first
    )
    return render_part(context, part)


def render_quote_pdf_variant(context: Mapping[str, Any], variant: Variant) -> bytes:
    return render_quote_pdf(context, variant=variant)


def calibrate(context: Mapping[str, Any]) -> Geometry:
    """The line table's measured geometry in this template and the context's language: a
    one-line row, what a recurring note adds, where rows start below the repeated header."""
    sample = dict(context["lines"][0]) if context["lines"] else {}
    plain = {**sample, "name": "A", "depth": 0, "is_bundle": False, "recurring_note": ""}
    noted = {**plain, "recurring_note": "A"}
    rows = [{**row, "index": i} for i, row in enumerate([plain, noted, plain, plain, plain])]
    part = Part(
        rows=rows, head=False, tail=False, breaks=frozenset({3}), footer=False, anchors=None
    )
    laid = render_part(context, part, keep=0)
    first, second = laid.row_tops[0], laid.row_tops[1]
    row_px = first[1] - first[0]
    return Geometry(
        page_bottom=PAGE_BOTTOM_PX - 0.5,  # a hair of room for rounding in the layout
        first_row_top=second[3],
        row_px=row_px,
        note_px=(first[2] - first[1]) - row_px,
    )


def warm_up() -> None:
    """Load WeasyPrint, Pango and the document fonts (a worker does this once, at start)."""
    html = (
        '<link rel="stylesheet" href="fonts.css"><p style="font-family: Quote Sans">1 <b>1</b></p>'
    )
    _document(html, TEMPLATES_DIR, True).write_pdf()


def render_stamp(context: Mapping[str, Any], pages: int, *, root: Path = TEMPLATES_DIR) -> bytes:
    """``pages`` empty pages carrying only the document's page footer."""
    html = _environment(root).get_template(STAMP_TEMPLATE).render(**context, pages=pages)
    pdf: bytes = _document(html, root, True).write_pdf(full_fonts=covered(context))
    return pdf
