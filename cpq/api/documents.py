"""``/v1/quotes/{id}/pdf``: the quote document (current version, or one version) as PDF.

Read with the same rules as the quote itself; drafts and quotes awaiting approval carry a
"DRAFT - not valid for acceptance" watermark.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response

from cpq.api.deps import EngineDep, SettingsDep
from cpq.api.problems import responses
from cpq.api.security import require
from cpq.auth.principal import Principal, Scope
from cpq.documents.facts import quote_document
from cpq.documents.variants import Variant
from cpq.documents.workers import render_pdf
from cpq.services.quotes import Context

router = APIRouter(prefix="/v1/quotes", tags=["documents"])

Reader = Annotated[Principal, require(Scope.QUOTES_READ)]
Lang = Annotated[Literal["en", "de"], Query(description="Language of the document.")]
PDF = "application/pdf"
PDF_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {"content": {PDF: {}}, "description": "The quote document."}
}


def _pdf(
    who: Principal,
    engine: EngineDep,
    settings: SettingsDep,
    quote_id: str,
    version: int | None,
    lang: str,
) -> Response:
    with engine.connect() as conn:
        document = quote_document(
            conn, Context.of(who, settings), settings, quote_id, version, lang=lang
        )
    context = document.context
    # Rendered after the connection is back in the pool: a long document must not hold it.
    body = render_pdf(context, Variant.STANDARD, settings=settings)
    name = f"{context['number']}-v{context['version']}-{lang}.pdf"
    return Response(
        body, media_type=PDF, headers={"Content-Disposition": f'inline; filename="{name}"'}
    )


@router.get(
    "/{quote_id}/pdf",
    response_class=Response,
    responses={**responses(401, 403, 404, 422, 503), **PDF_RESPONSE},
    summary="The quote document (current version) as PDF",
)
def quote_pdf(
    quote_id: str, who: Reader, engine: EngineDep, settings: SettingsDep, lang: Lang = "en"
) -> Response:
    return _pdf(who, engine, settings, quote_id, None, lang)


@router.get(
    "/{quote_id}/versions/{version}/pdf",
    response_class=Response,
    responses={**responses(401, 403, 404, 422, 503), **PDF_RESPONSE},
    summary="One version's quote document as PDF",
)
def version_pdf(
    quote_id: str,
    version: int,
    who: Reader,
    engine: EngineDep,
    settings: SettingsDep,
    lang: Lang = "en",
) -> Response:
    return _pdf(who, engine, settings, quote_id, version, lang)
