"""The rep's discount on a line of the quote page, with its reason.

It is saved through ``quotes.edit`` at the revision the page showed; empty removes it. While it
is typed, the page shows the approval it would need and the largest line discount needing none
(``discount_preview``), judged on the same revision.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query
from fastapi.responses import Response

from cpq.errors import CPQError, InvalidInput
from cpq.web import discount_preview, typed_input
from cpq.web.quote_action import Asked, Posted, error_text
from cpq.web.render import page
from cpq.web.routing import PageRoute
from cpq.web.typed_input import Typed

router = APIRouter(include_in_schema=False, route_class=PageRoute)

Reason = Annotated[str, Form(max_length=500)]
TypedQuery = Annotated[str, Query(max_length=30)]
FIELD = "discount_percent"


@router.post("/quotes/{quote_id}/lines/{line_id}/discount")
def set_line_discount(
    action: Posted, line_id: str, discount_percent: Typed = "", reason: Reason = ""
) -> Response:
    try:
        percent = typed_input.percent(discount_percent, FIELD)
    except InvalidInput as exc:
        return action.refused(exc)
    change = discount_preview.set_line_discount(line_id, percent, reason.strip() or None)
    notice = "Discount removed." if percent is None else "Discount saved."
    return action.edit(change, notice)


@router.get("/quotes/{quote_id}/lines/{line_id}/discount-preview")
def preview_line_discount(
    action: Asked, line_id: str, discount_percent: TypedQuery = ""
) -> Response:
    """What approval the typed discount would need, not saving it."""
    context = action.base("Approval preview", found=None, problem=None)
    try:
        percent = typed_input.percent(discount_percent, FIELD)
        if percent is not None:
            context["found"] = discount_preview.preview(
                action.engine, action.ctx, action.quote_id, action.revision, line_id, percent
            )
    except CPQError as exc:
        context["problem"] = error_text(exc)
    return page(action.request, "_discount_preview.html.j2", context)
