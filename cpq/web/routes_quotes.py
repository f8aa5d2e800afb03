"""A rep's quote pages: my quotes, a new quote for a customer, the quote page, submit, revise.

Every change names the revision the page showed (a hidden ``revision`` field): a page that went
stale gets the quote as it is now and says that the change was not saved, never overwriting
what someone else saved in between.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from cpq.api.deps import EngineDep, SettingsDep
from cpq.errors import CPQError, PreconditionFailed
from cpq.repositories import catalog_read
from cpq.services import approval_flow, quotes
from cpq.services.quotes import Context
from cpq.settings import Settings
from cpq.web.quote_page import customer_names, quote_context
from cpq.web.render import is_htmx, page
from cpq.web.routing import PageRoute
from cpq.web.session import SignedIn, SignedInDep

router = APIRouter(include_in_schema=False, route_class=PageRoute)

Revision = Annotated[int, Form(ge=1, le=2**31 - 1)]
SearchText = Annotated[str, Query(max_length=200)]
STALE = (
    "This quote was changed elsewhere since this page was loaded, so your change was not "
    "saved. Here it is as it is now: check it and make your change again."
)


def context_of(signed: SignedIn, settings: Settings) -> Context:
    return Context.of(signed.who, settings)


def base(signed: SignedIn, title: str, **more: Any) -> dict[str, Any]:
    """What the base template needs: the title, the user, the CSRF token."""
    return {"title": title, "user": signed.who, "csrf_token": signed.csrf_token, **more}


def error_text(exc: CPQError) -> str:
    if isinstance(exc, PreconditionFailed):
        return STALE
    return exc.detail


def quote_page(
    request: Request,
    engine: EngineDep,
    signed: SignedIn,
    settings: Settings,
    quote_id: str,
    *,
    notice: str | None = None,
    error: str | None = None,
    status_code: int = 200,
    extra: dict[str, Any] | None = None,
) -> Response:
    """The quote page, or only its body for an htmx update."""
    ctx = context_of(signed, settings)
    try:
        with engine.connect() as conn:
            shown = quote_context(conn, ctx, quote_id)
    except CPQError as exc:  # not there, or not the caller's to see
        context = base(signed, exc.title, message=exc.detail)
        return page(request, "error.html.j2", context, exc.status)
    number = shown["quote"]["number"]
    context = base(
        signed, f"{number} · Quote", notice=notice, error=error, **shown, **(extra or {})
    )
    template = "_quote_body.html.j2" if is_htmx(request) else "quote.html.j2"
    return page(request, template, context, status_code)


def after_change(
    request: Request,
    engine: EngineDep,
    signed: SignedIn,
    settings: Settings,
    quote_id: str,
    notice: str,
) -> Response:
    """htmx: the new body; a plain form post: back to the quote page (post/redirect/get)."""
    if is_htmx(request):
        return quote_page(request, engine, signed, settings, quote_id, notice=notice)
    return RedirectResponse(f"/quotes/{quote_id}", status_code=303)


def refused(
    request: Request,
    engine: EngineDep,
    signed: SignedIn,
    settings: Settings,
    quote_id: str,
    exc: CPQError,
) -> Response:
    """The quote as it is now, with why the change was refused."""
    return quote_page(
        request, engine, signed, settings, quote_id, error=error_text(exc), status_code=exc.status
    )


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
def show_quote(
    request: Request, quote_id: str, signed: SignedInDep, engine: EngineDep, settings: SettingsDep
) -> Response:
    return quote_page(request, engine, signed, settings, quote_id)


@router.post("/quotes/{quote_id}/submit")
def submit(
    request: Request,
    quote_id: str,
    signed: SignedInDep,
    engine: EngineDep,
    settings: SettingsDep,
    revision: Revision,
) -> Response:
    ctx = context_of(signed, settings)
    try:
        with engine.begin() as conn:
            approval_flow.submit(conn, ctx, quote_id, revision, None)
    except CPQError as exc:
        return refused(request, engine, signed, settings, quote_id, exc)
    return after_change(request, engine, signed, settings, quote_id, "Submitted.")


@router.post("/quotes/{quote_id}/revise")
def revise(
    request: Request,
    quote_id: str,
    signed: SignedInDep,
    engine: EngineDep,
    settings: SettingsDep,
    revision: Revision,
) -> Response:
    ctx = context_of(signed, settings)
    try:
        with engine.begin() as conn:
            number = quotes.revise(conn, ctx, quote_id, revision)
    except CPQError as exc:
        return refused(request, engine, signed, settings, quote_id, exc)
    return after_change(
        request, engine, signed, settings, quote_id, f"Version {number} started as a draft."
    )
