"""Render quote documents: Jinja2 (autoescaped) to HTML, WeasyPrint to PDF.

The renderer reads only files under ``templates/``: no network, no other ``file://`` path, so a
template (or a value that slipped into one) cannot pull anything else into a customer document.
Output is deterministic: the PDF's dates and identifier come from the quote, not the clock.
"""

from __future__ import annotations

import mimetypes
import os
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

from cpq.documents.templates import QUOTE_TEMPLATE, TEMPLATES_DIR, template_version
from cpq.documents.variants import Variant

__all__ = [
    "TEMPLATES_DIR",
    "ResourceRefused",
    "TemplatesOnlyFetcher",
    "render_quote_html",
    "render_quote_pdf",
    "template_version",
]


class ResourceRefused(ValueError):
    """A template asked for something outside ``templates/``."""


@lru_cache
def _environment(root: Path) -> Environment:
    return Environment(
        loader=FileSystemLoader(root),
        autoescape=True,
        undefined=StrictUndefined,
        auto_reload=False,
    )


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


def render_quote_html(context: Mapping[str, Any], *, root: Path = TEMPLATES_DIR) -> str:
    return _environment(root).get_template(QUOTE_TEMPLATE).render(**context)


def render_quote_pdf(
    context: Mapping[str, Any],
    *,
    variant: Variant = Variant.STANDARD,
    root: Path = TEMPLATES_DIR,
) -> bytes:
    """The quote document as PDF bytes; the same context gives the same bytes."""
    # fontTools stamps each embedded font subset with "now" unless this is set
    # (reproducible-builds.org): a fixed stamp keeps repeat renders byte-identical.
    os.environ.setdefault("SOURCE_DATE_EPOCH", "0")
    html = HTML(
        string=render_quote_html(context, root=root),
        base_url=(root / "quote").as_uri() + "/",
        url_fetcher=TemplatesOnlyFetcher(root),
    )
    identifier = str(context["metadata"]["identifier"]).encode()
    pdf: bytes = html.write_pdf(pdf_identifier=identifier, pdf_variant=variant.weasyprint_variant)
    return pdf
