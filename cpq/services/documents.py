"""Quote documents as served: a stored PDF when there is one, else rendered once and stored.

Three visible phases: read the document's facts on a short connection, render with no
connection open (a long render must not hold one), store in a transaction of its own. A failed
render stores nothing. The storage identity (``document_key``) is computed by pure functions.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine

from cpq.documents.facts import QuoteDocument, quote_document
from cpq.documents.variants import Variant
from cpq.documents.workers import render_html, render_pdf
from cpq.repositories import documents as document_rows
from cpq.services.quotes import Context
from cpq.settings import Settings

_SUFFIX = {Variant.STANDARD: "", Variant.PDF_A: "-pdfa", Variant.PDF_UA: "-pdfua"}


@dataclass(frozen=True, slots=True)
class StoredPdf:
    content: bytes
    sha256: str
    filename: str
    template_version: str
    from_storage: bool


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)


def context_digest(context: Mapping[str, Any]) -> str:
    """SHA-256 (hex) of the template context's canonical JSON."""
    return hashlib.sha256(canonical_json(context).encode()).hexdigest()


def document_fields(document: QuoteDocument, variant: Variant) -> dict[str, Any]:
    """What identifies a stored document, ``document_key`` included (a SHA-256 over the rest)."""
    fields: dict[str, Any] = {
        "quote_id": document.quote_id,
        "version": document.version,
        "snapshot_hash": document.snapshot_hash,
        "template_version": document.template_version,
        "lang": document.lang,
        "variant": variant.value,
        "context_digest": context_digest(document.context),
    }
    fields["document_key"] = hashlib.sha256(canonical_json(fields).encode()).hexdigest()
    return fields


def filename(number: str, version: int, lang: str, variant: Variant) -> str:
    """e.g. ``Q-000042-v2-de.pdf``, ``Q-000042-v2-de-pdfa.pdf``."""
    return f"{number}-v{version}-{lang}{_SUFFIX[variant]}.pdf"


def _answer(
    document: QuoteDocument, variant: Variant, row: Mapping[str, Any], stored: bool
) -> StoredPdf:
    name = filename(str(document.context["number"]), document.version, document.lang, variant)
    return StoredPdf(
        content=bytes(row["content"]),
        sha256=str(row["sha256"]),
        filename=name,
        template_version=str(row["template_version"]),
        from_storage=stored,
    )


def quote_pdf(
    engine: Engine,
    ctx: Context,
    settings: Settings,
    quote_id: str,
    version: int | None,
    *,
    lang: str | None,
    variant: Variant,
) -> StoredPdf:
    """The PDF of the quote's version (default: the current one) in ``lang`` (default: the
    quote's own): from storage, else rendered and stored. 404 when the caller may not see the
    quote; ``RenderFailed`` / ``PdfUnavailable`` (nothing stored) when it cannot be rendered."""
    with engine.connect() as conn:
        document = quote_document(conn, ctx, settings, quote_id, version, lang=lang)
        fields = document_fields(document, variant)
        found = document_rows.by_key(conn, fields["document_key"])
    if found is not None:
        return _answer(document, variant, found, stored=True)
    content = render_pdf(document.context, variant, settings=settings)
    values = {
        **fields,
        "sha256": hashlib.sha256(content).hexdigest(),
        "size_bytes": len(content),
        "content": content,
        "created_at": datetime.now(UTC),
    }
    with engine.begin() as conn:
        row = document_rows.insert_document(conn, values)
    return _answer(document, variant, row, stored=False)


def quote_preview(
    engine: Engine,
    ctx: Context,
    settings: Settings,
    quote_id: str,
    version: int | None,
    *,
    lang: str | None,
) -> str:
    """The quote document as self-contained HTML (to look at the pages), with the same access
    rules as the PDF; ``RenderFailed`` / ``PdfUnavailable`` as for the PDF."""
    with engine.connect() as conn:
        document = quote_document(conn, ctx, settings, quote_id, version, lang=lang)
    return render_html(document.context, settings=settings)
