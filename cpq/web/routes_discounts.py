"""The rep's discounts on the quote page, each with its reason for the approver: a line's and
the quote discount (a percent off the whole quote, spread over its lines by the pricing engine).

Each is saved through ``quotes.edit`` at the revision the page showed; empty removes it. While
it is typed, the page shows the approval it would need and the largest discount of its kind
needing none (``discount_preview``), judged on the same revision.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query
from fastapi.responses import Response

from cpq.errors import CPQError, InvalidInput
from cpq.web import discount_preview, typed_input
from cpq.web.quote_action import Asked, Posted, QuoteAction, error_text
from cpq.web.render import page
from cpq.web.routing import PageRoute
from cpq.web.typed_input import Typed

router = APIRouter(include_in_schema=False, route_class=PageRoute)

Reason = Annotated[str, Form(max_length=500)]
TypedQuery = Annotated[str, Query(max_length=30)]
LINE_FIELD = "discount_percent"
QUOTE_FIELD = "quote_discount_percent"


def _save(
    action: QuoteAction, line_id: str | None, typed: str, reason: str | None, field: str
) -> Response:
    try:
        percent = typed_input.percent(typed, field)
    except InvalidInput as exc:
        return action.refused(exc)
    what = "Discount" if line_id is not None else "Quote discount"
    notice = f"{what} removed." if percent is None else f"{what} saved."
    return action.edit(discount_preview.set_discount(line_id, percent, reason), notice)


def _preview(action: QuoteAction, line_id: str | None, typed: str, field: str) -> Response:
    """What approval the typed discount would need, not saving it."""
    context = action.base("Approval preview", found=None, problem=None)
    try:
        percent = typed_input.percent(typed, field)
        if percent is not None:
            context["found"] = discount_preview.preview(
                action.engine, action.ctx, action.quote_id, action.revision, line_id, percent
            )
    except CPQError as exc:
        context["problem"] = error_text(exc)
    return page(action.request, "_discount_preview.html.j2", context)


@router.post("/quotes/{quote_id}/lines/{line_id}/discount")
def set_line_discount(
    action: Posted, line_id: str, discount_percent: Typed = "", reason: Reason = ""
) -> Response:
    return _save(action, line_id, discount_percent, reason.strip() or None, LINE_FIELD)


@router.get("/quotes/{quote_id}/lines/{line_id}/discount-preview")
def preview_line_discount(
    action: Asked, line_id: str, discount_percent: TypedQuery = ""
) -> Response:
    return _preview(action, line_id, discount_percent, LINE_FIELD)


@router.post("/quotes/{quote_id}/discount")
def set_quote_discount(
    action: Posted, quote_discount_percent: Typed = "", reason: Reason = ""
) -> Response:
    return _save(action, None, quote_discount_percent, reason.strip() or None, QUOTE_FIELD)


@router.get("/quotes/{quote_id}/discount-preview")
def preview_quote_discount(action: Asked, quote_discount_percent: TypedQuery = "") -> Response:
    return _preview(action, None, quote_discount_percent, QUOTE_FIELD)
