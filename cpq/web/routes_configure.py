"""Configure a bundle on a quote: pick a product model, choose options (every change answers the
page again, closed options greyed with why), let the engine complete it, and add it to the quote
as a configured line (or put it back on the line it came from).

Reads evaluate on the quote's pinned catalog version; adding goes through ``quotes.edit`` with
the revision the page showed, so a quote changed elsewhere is never overwritten.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy import Connection
from starlette.datastructures import FormData

from cpq.api.deps import EngineDep, SettingsDep
from cpq.api.quote_schemas import QuoteLineIn
from cpq.configuration.choices import ConfigurationRequest, Selection
from cpq.errors import CPQError, InvalidInput, NotFound, PreconditionFailed
from cpq.quotes.lifecycle import QuoteStatus, editable
from cpq.repositories import catalog_read
from cpq.services import configuration, quotes
from cpq.services.quote_pricing import price_content, terms_of
from cpq.services.quotes import Context
from cpq.web import configure_page as cp
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


def _version_of(conn: Connection, loaded: quotes.Loaded) -> int:
    version = loaded.version["catalog_version"] or catalog_read.resolve_version(conn, None)
    if version is None:
        raise NotFound("no catalog has been synced yet")
    return int(version)


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


def _error_page(request: Request, signed: SignedIn, exc: CPQError) -> Response:
    return page(request, "error.html.j2", base(signed, exc.title, message=exc.detail), exc.status)


@router.get("/quotes/{quote_id}/configure")
def bundles(
    request: Request, quote_id: str, signed: SignedInDep, engine: EngineDep, settings: SettingsDep
) -> Response:
    """The product models of the quote's catalog version, and the quote's configured lines."""
    ctx = context_of(signed, settings)
    try:
        with engine.connect() as conn:
            loaded = quotes.load(conn, ctx, quote_id)
            version = _version_of(conn, loaded)
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
        return _error_page(request, signed, exc)
    context = base(
        signed,
        "Configure a bundle",
        models=models,
        configured=[{**ln, "name": names.get(ln["sku"], ln["sku"])} for ln in configured],
        view=None,
        **_quote_facts(loaded, signed),
    )
    return page(request, "configure.html.j2", context)


def _configure(
    conn: Connection,
    ctx: Context,
    loaded: quotes.Loaded,
    bundle: str,
    form: cp.Form | None,
    *,
    line_id: str,
    complete: bool = False,
) -> dict[str, Any]:
    """Everything the configuration page renders: the picks (the form's; else the line's, else
    the defaults), evaluated, completed when asked, and priced."""
    found = configuration.load(conn, bundle, _version_of(conn, loaded))
    model = found.configurator.model
    notice = None
    error = None
    if form is not None:
        picks = cp.form_picks(model, form)
    elif line_id:
        picks = _line_picks(found, loaded, line_id, bundle)
    else:
        picks = cp.default_picks(model)
    was_read = cp.read(model, picks)
    if complete:
        completed = found.configurator.complete(was_read.choices)
        if completed is None:
            error = "These choices cannot be completed: change the ones named below."
        else:
            picks = cp.configuration_picks(model, completed, picks.count)
            was_read = cp.read(model, picks)
            notice = "Completed: your choices kept, the rest from the defaults."
    evaluated = cp.evaluate_all(model, was_read.choices, found.configurator.evaluate)
    names = configuration.item_names(conn, found)
    priced, price_problem = None, None
    main = evaluated.main
    if main.consistent and was_read.count is not None:
        line = cp.priced_line(model, main.configuration, was_read.count)
        try:
            priced = _price(conn, ctx, loaded, line)
        except CPQError as exc:
            price_problem = exc.detail
    view = cp.build(model, names, picks, was_read, evaluated, priced)
    return {
        "view": view,
        "bundle": bundle,
        "line_id": line_id,
        "price_problem": price_problem,
        "notice": notice,
        "error": error,
        "stored": cp.stored_configuration(model, main.configuration),
        "count": was_read.count,
    }


def _line_picks(
    found: configuration.Loaded, loaded: quotes.Loaded, line_id: str, bundle: str
) -> cp.Picks:
    """The picks of a configured line of the quote, to reconfigure it."""
    line = next((ln for ln in loaded.version["lines"] if ln["id"] == line_id), None)
    wanted = (line or {}).get("configuration")
    if line is None or wanted is None or wanted.get("bundle") != bundle:
        raise NotFound(f"the quote has no line {line_id} configured as {bundle}")
    request = ConfigurationRequest(
        bundle=bundle,
        selections=tuple(
            Selection(s["option"], _decimal(s.get("quantity"))) for s in wanted["selections"]
        ),
        attributes=dict(wanted.get("attributes") or {}),
    )
    choices = configuration.choices_of(found.configurator, request)
    return cp.choices_picks(found.configurator.model, choices, str(line["quantity"]))


def _decimal(text: Any) -> Decimal | None:
    return None if text is None else Decimal(str(text))


def _price(
    conn: Connection, ctx: Context, loaded: quotes.Loaded, line: dict[str, Any]
) -> dict[str, Any] | None:
    """The bundle priced alone under the quote's terms, on its pinned catalog and rules."""
    version = loaded.version
    return price_content(
        conn,
        rules_dir=ctx.rules_dir,
        policy_currency=quotes.policy_currency(ctx.rules_dir, version["currency"]),
        terms=terms_of(version),
        lines=[line],
        pricing_date=version["pricing_date"],
        catalog_version=version["catalog_version"],
        rule_set_digest=version["rule_set_digest"],
    ).priced


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
            shown = _configure(conn, ctx, loaded, bundle, None, line_id=line)
    except CPQError as exc:
        return _error_page(request, signed, exc)
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
            shown = _configure(
                conn, ctx, loaded, bundle, form, line_id=line_id, complete=action == "complete"
            )
    except CPQError as exc:  # the quote or the bundle is gone, or not the rep's to see
        if is_htmx(request):  # a message on top of the page, the form left as it is
            answer = page(request, "_messages.html.j2", {"error": exc.detail}, exc.status)
            answer.headers.update({"HX-Retarget": "#main", "HX-Reswap": "afterbegin"})
            return answer
        return _error_page(request, signed, exc)
    if action != "add":
        return _answer(request, signed, loaded, shown)
    view: cp.ConfigureView = shown["view"]
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
            quotes.edit(conn, ctx, quote_id, revision, _put_line(new_line, line_id))
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


def _checked(line: dict[str, Any]) -> dict[str, Any]:
    """A line as the API would store it (the same schema)."""
    try:
        return QuoteLineIn.model_validate(line).model_dump(mode="json", exclude_none=True)
    except ValidationError as exc:
        raise InvalidInput("; ".join(e["msg"] for e in exc.errors())) from None


def _put_line(new_line: dict[str, Any], line_id: str) -> quotes.Edit:
    def change(
        terms: dict[str, Any], lines: list[dict[str, Any]]
    ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        if not line_id:
            added = quotes.number_lines([new_line], [ln["id"] for ln in lines])
            return terms, [*lines, *(_checked(ln) for ln in added)]
        if not any(ln["id"] == line_id for ln in lines):
            raise NotFound(f"the quote has no line {line_id}")
        replaced = []
        for ln in lines:
            if ln["id"] == line_id:
                kept = {k: v for k, v in ln.items() if k not in ("options", "configuration")}
                ln = _checked({**kept, **new_line})
            replaced.append(ln)
        return terms, replaced

    return change
