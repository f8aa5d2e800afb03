"""A rep's quote pages: my quotes, a new quote for a customer, the quote page, submit, revise.

Every change names the revision the page showed (``quote_action.Posted``)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from cpq.api.deps import EngineDep, SettingsDep
from cpq.errors import CPQError
from cpq.repositories import catalog_read
from cpq.services import approval_flow, quotes
from cpq.web.quote_action import OnQuoteDep, Posted
from cpq.web.quote_page import customer_names
from cpq.web.render import is_htmx, page
from cpq.web.routing import PageRoute
from cpq.web.session import SignedInDep, base, context_of

router = APIRouter(include_in_schema=False, route_class=PageRoute)

SearchText = Annotated[str, Query(max_length=200)]


@router.get("/quotes")
def my_quotes(
    request: Request, signed: SignedInDep, engine: EngineDep, settings: SettingsDep
) -> Response:
    ctx = context_of(signed, settings)
    with engine.connect() as conn:
        rows = quotes.listing(
            conn,
            ctx,
            status=None,
            owner=signed.who.user_id,
            customer=None,
            opportunity=None,
            after=None,
            limit=100,
        )
        names = customer_names(conn, {r["customer"] for r in rows if r["customer"]})
    return page(request, "quotes.html.j2", base(signed, "My quotes", quotes=rows, names=names))


def _customers(engine: EngineDep, text: str) -> list[dict[str, Any]]:
    if not text.strip():
        return []
    with engine.connect() as conn:
        version = catalog_read.resolve_version(conn, None)
        if version is None:
            return []
        return catalog_read.customers(conn, version, text=text, after=None, limit=20)


@router.get("/quotes/new")
def new_quote(
    request: Request, signed: SignedInDep, engine: EngineDep, q: SearchText = ""
) -> Response:
    context = base(signed, "New quote", q=q, customers=_customers(engine, q))
    template = "_customer_results.html.j2" if is_htmx(request) else "new_quote.html.j2"
    return page(request, template, context)


@router.post("/quotes")
def create_quote(
    request: Request,
    signed: SignedInDep,
    engine: EngineDep,
    settings: SettingsDep,
    customer: Annotated[str, Form(min_length=1, max_length=200)],
) -> Response:
    ctx = context_of(signed, settings)
    try:
        with engine.begin() as conn:
            written = quotes.create(conn, ctx, {"customer": customer}, [], {})
    except CPQError as exc:
        context = base(signed, "New quote", q="", customers=[], error=exc.detail)
        return page(request, "new_quote.html.j2", context, exc.status)
    return RedirectResponse(f"/quotes/{written.quote['id']}", status_code=303)


@router.get("/quotes/{quote_id}")
def show_quote(on: OnQuoteDep) -> Response:
    return on.page()


@router.post("/quotes/{quote_id}/submit")
def submit(action: Posted) -> Response:
    try:
        with action.engine.begin() as conn:
            approval_flow.submit(conn, action.ctx, action.quote_id, action.revision, None)
    except CPQError as exc:
        return action.refused(exc)
    return action.done("Submitted.")


@router.post("/quotes/{quote_id}/revise")
def revise(action: Posted) -> Response:
    try:
        with action.engine.begin() as conn:
            number = quotes.revise(conn, action.ctx, action.quote_id, action.revision)
    except CPQError as exc:
        return action.refused(exc)
    return action.done(f"Version {number} started as a draft.")
