"""``/v1/quotes/{id}/pdf`` and ``/preview``: the quote document (current version, or one
version) as PDF, or as HTML to look at the pages.

Read with the same rules as the quote itself; drafts and quotes awaiting approval carry a
"DRAFT - not valid for acceptance" watermark. A PDF is rendered once per quote version,
template version, language and variant, stored, and served from storage after that; its ETag
is its SHA-256, so ``If-None-Match`` answers 304 without sending it again.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Query, Response
from fastapi.responses import HTMLResponse

from cpq.api.deps import EngineDep, RowId, SettingsDep
from cpq.api.problems import responses
from cpq.api.security import require
from cpq.auth.principal import Principal, Scope
from cpq.documents.variants import Variant
from cpq.services import documents
from cpq.services.quotes import Context

router = APIRouter(prefix="/v1/quotes", tags=["documents"])

Reader = Annotated[Principal, require(Scope.QUOTES_READ)]
Lang = Annotated[
    Literal["en", "de"] | None,
    Query(description="Language of the document; default: the quote's locale."),
]
VariantQuery = Annotated[
    Variant,
    Query(description="standard; pdf-a (PDF/A-3b, for archiving); pdf-ua (tagged, accessible)."),
]
IfNoneMatch = Annotated[
    str | None, Header(description="The ETag of a copy you hold: 304 if it is still current.")
]
PDF = "application/pdf"
PDF_RESPONSES: dict[int | str, dict[str, Any]] = {
    **responses(401, 403, 404, 422, 503),
    200: {
        "content": {PDF: {"schema": {"type": "string", "format": "binary"}}},
        "description": "The quote document.",
    },
    304: {"description": "The copy named in If-None-Match is current."},
}
# The preview is one self-contained page: it may show its own inline styles and data: images,
# and nothing else (no script, no request anywhere), whatever text a quote holds.
PREVIEW_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src data:",
    "Cache-Control": "private, no-store",
}
HTML_RESPONSES: dict[int | str, dict[str, Any]] = {
    **responses(401, 403, 404, 422, 503),
    200: {"content": {"text/html": {}}, "description": "The quote document as HTML."},
}


def matches(if_none_match: str | None, etag: str) -> bool:
    """Whether ``If-None-Match`` names ``etag`` (weak comparison, as RFC 9110 asks for GET)."""
    if if_none_match is None:
        return False
    tags = [t.strip().removeprefix("W/") for t in if_none_match.split(",")]
    return "*" in tags or etag in tags


def _pdf(
    who: Principal,
    engine: EngineDep,
    settings: SettingsDep,
    quote_id: str,
    version: int | None,
    lang: str | None,
    variant: Variant,
    if_none_match: str | None,
) -> Response:
    pdf = documents.quote_pdf(
        engine, Context.of(who, settings), settings, quote_id, version, lang=lang, variant=variant
    )
    etag = f'"{pdf.sha256}"'
    # private: a customer document; no-cache: revalidated each time (cheap: If-None-Match, 304).
    headers = {
        "ETag": etag,
        "X-Template-Version": pdf.template_version,
        "Cache-Control": "private, no-cache",
    }
    if matches(if_none_match, etag):
        return Response(status_code=304, headers=headers)
    headers["Content-Disposition"] = f'inline; filename="{pdf.filename}"'
    return Response(pdf.content, media_type=PDF, headers=headers)


def _preview(
    who: Principal,
    engine: EngineDep,
    settings: SettingsDep,
    quote_id: str,
    version: int | None,
    lang: str | None,
) -> HTMLResponse:
    ctx = Context.of(who, settings)
    html = documents.quote_preview(engine, ctx, settings, quote_id, version, lang=lang)
    return HTMLResponse(html, headers=PREVIEW_HEADERS)


@router.get(
    "/{quote_id}/pdf",
    response_class=Response,
    responses=PDF_RESPONSES,
    summary="The quote document (current version) as PDF",
)
def quote_pdf(
    quote_id: str,
    who: Reader,
    engine: EngineDep,
    settings: SettingsDep,
    lang: Lang = None,
    variant: VariantQuery = Variant.STANDARD,
    if_none_match: IfNoneMatch = None,
) -> Response:
    return _pdf(who, engine, settings, quote_id, None, lang, variant, if_none_match)


@router.get(
    "/{quote_id}/versions/{version}/pdf",
    response_class=Response,
    responses=PDF_RESPONSES,
    summary="One version's quote document as PDF",
)
def version_pdf(
    quote_id: str,
    version: RowId,
    who: Reader,
    engine: EngineDep,
    settings: SettingsDep,
    lang: Lang = None,
    variant: VariantQuery = Variant.STANDARD,
    if_none_match: IfNoneMatch = None,
) -> Response:
    return _pdf(who, engine, settings, quote_id, version, lang, variant, if_none_match)


@router.get(
    "/{quote_id}/preview",
    response_class=HTMLResponse,
    responses=HTML_RESPONSES,
    summary="The quote document (current version) as HTML, to look at the pages",
)
def quote_preview(
    quote_id: str, who: Reader, engine: EngineDep, settings: SettingsDep, lang: Lang = None
) -> HTMLResponse:
    return _preview(who, engine, settings, quote_id, None, lang)


@router.get(
    "/{quote_id}/versions/{version}/preview",
    response_class=HTMLResponse,
    responses=HTML_RESPONSES,
    summary="One version's quote document as HTML",
)
def version_preview(
    quote_id: str,
    version: RowId,
    who: Reader,
    engine: EngineDep,
    settings: SettingsDep,
    lang: Lang = None,
) -> HTMLResponse:
    return _preview(who, engine, settings, quote_id, version, lang)
