"""Configure a bundle on a quote: pick a product model, choose options (every change answers the
page again, closed options greyed with why), let the engine complete it, and add it to the quote
as a configured line (or put it back on the line it came from).

Reads evaluate on the quote's pinned catalog version; adding goes through ``quotes.edit`` with
the revision the page showed, so a quote changed elsewhere is never overwritten.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import FormData

from cpq.api.deps import EngineDep, SettingsDep
from cpq.errors import CPQError, InvalidInput, PreconditionFailed
from cpq.quotes.lifecycle import QuoteStatus, editable
from cpq.repositories import catalog_read
from cpq.services import quotes
from cpq.web.access import refused_page
from cpq.web.configure.configuring import catalog_version, configure_bundle
from cpq.web.configure.option_groups import ConfigureView
from cpq.web.configure.quote_line import put_line
from cpq.web.render import is_htmx, page
from cpq.web.routing import PageRoute
from cpq.web.session import SignedIn, SignedInDep, base, context_of

router = APIRouter(include_in_schema=False, route_class=PageRoute)

LineParam = Annotated[str, Query(max_length=200)]
NOT_READY = "Not added yet: fix what is listed here, or tap Complete for me."
STALE = (
    "This quote was changed elsewhere since this page was loaded, so nothing was added. "
    "Check the quote, then tap Add to quote again."
)


async def _form(request: Request) -> FormData:
    return await request.form()  # already read (and cached) by the CSRF check


FormDep = Annotated[FormData, Depends(_form)]


def _can_change(signed: SignedIn, loaded: quotes.Loaded) -> bool:
    quote = loaded.quote
    return quote["owner_id"] == signed.who.user_id and editable(QuoteStatus(quote["status"]))


def _quote_facts(loaded: quotes.Loaded, signed: SignedIn) -> dict[str, Any]:
    version = loaded.version
    return {
        "quote": {
            "id": loaded.quote["id"],
            "number": loaded.quote["number"],
            "currency": version["currency"],
            "locale": version.get("locale"),
        },
        "revision": loaded.quote["revision"],
        "can_change": _can_change(signed, loaded),
    }


@router.get("/quotes/{quote_id}/configure")
def bundles(
    request: Request, quote_id: str, signed: SignedInDep, engine: EngineDep, settings: SettingsDep
) -> Response:
    """The product models of the quote's catalog version, and the quote's configured lines."""
    ctx = context_of(signed, settings)
    try:
        with engine.connect() as conn:
            loaded = quotes.load(conn, ctx, quote_id)
            version = catalog_version(conn, loaded)
            models = []
            for row in catalog_read.product_models(conn, version):
                definition = json.loads(row["definition"])
                models.append(
                    {
                        "code": row["code"],
                        "name": row["name"],
                        "sku": row["sku"],
                        "description": definition.get("description"),
                    }
                )
            configured = [
                ln for ln in loaded.version["lines"] if ln.get("configuration") is not None
            ]
            names = catalog_read.item_names(conn, version, {ln["sku"] for ln in configured})
    except CPQError as exc:
        return refused_page(request, signed, exc)
    context = base(
        signed,
        "Configure a bundle",
        models=models,
        configured=[{**ln, "name": names.get(ln["sku"], ln["sku"])} for ln in configured],
        view=None,
        **_quote_facts(loaded, signed),
    )
    return page(request, "configure.html.j2", context)


def _answer(
    request: Request,
    signed: SignedIn,
    loaded: quotes.Loaded,
    shown: dict[str, Any],
    status_code: int = 200,
) -> Response:
    title = f"Configure {shown['view'].name}"
    context = base(signed, title, **_quote_facts(loaded, signed), **shown)
    template = "_configure_body.html.j2" if is_htmx(request) else "configure.html.j2"
    return page(request, template, context, status_code)


@router.get("/quotes/{quote_id}/configure/{bundle}")
def configure(
    request: Request,
    quote_id: str,
    bundle: str,
    signed: SignedInDep,
    engine: EngineDep,
    settings: SettingsDep,
    line: LineParam = "",
) -> Response:
    """The configuration page with the defaults, or with the configuration of quote line
    ``line`` to change it."""
    ctx = context_of(signed, settings)
    try:
        with engine.connect() as conn:
            loaded = quotes.load(conn, ctx, quote_id)
            shown = configure_bundle(conn, ctx, loaded, bundle, None, line_id=line)
    except CPQError as exc:
        return refused_page(request, signed, exc)
    return _answer(request, signed, loaded, shown)


@router.post("/quotes/{quote_id}/configure/{bundle}")
def choose(
    request: Request,
    quote_id: str,
    bundle: str,
    signed: SignedInDep,
    engine: EngineDep,
    settings: SettingsDep,
    form: FormDep,
) -> Response:
    """The rep's picks: ``action`` check (every change; nothing is saved), complete (the engine
    completes them), add (the bundle goes on the quote when the configuration is valid: a new
    line, or the line it came from)."""
    ctx = context_of(signed, settings)
    action = _text(form, "action") or "check"
    line_id = _text(form, "line")
    try:
        with engine.connect() as conn:
            loaded = quotes.load(conn, ctx, quote_id)
            shown = configure_bundle(
                conn, ctx, loaded, bundle, form, line_id=line_id, complete=action == "complete"
            )
    except CPQError as exc:  # the quote or the bundle is gone, or not the rep's to see
        if is_htmx(request):  # a message on top of the page, the form left as it is
            answer = page(request, "_messages.html.j2", {"error": exc.detail}, exc.status)
            answer.headers.update({"HX-Retarget": "#main", "HX-Reswap": "afterbegin"})
            return answer
        return refused_page(request, signed, exc)
    if action != "add":
        return _answer(request, signed, loaded, shown)
    view: ConfigureView = shown["view"]
    if not view.ready or shown["count"] is None:
        return _answer(request, signed, loaded, {**shown, "error": NOT_READY}, 422)
    new_line = {
        "sku": view.sku,
        "quantity": format(shown["count"], "f"),
        "configuration": shown["stored"],
    }
    try:
        revision = _revision(_text(form, "revision"))
        with engine.begin() as conn:
            quotes.edit(conn, ctx, quote_id, revision, put_line(new_line, line_id))
    except CPQError as exc:
        with engine.connect() as conn:
            loaded = quotes.load(conn, ctx, quote_id)  # the revision as it is now
        message = STALE if isinstance(exc, PreconditionFailed) else exc.detail
        return _answer(request, signed, loaded, {**shown, "error": message}, exc.status)
    target = f"/quotes/{quote_id}"
    if is_htmx(request):
        return Response(status_code=200, headers={"HX-Redirect": target})
    return RedirectResponse(target, status_code=303)


def _text(form: FormData, key: str) -> str:
    value = form.get(key)
    return value.strip() if isinstance(value, str) else ""


def _revision(text: str) -> int:
    if not text.isdigit() or len(text) > 10:
        raise InvalidInput("the form has no revision: reload the page", field="revision")
    return int(text)
