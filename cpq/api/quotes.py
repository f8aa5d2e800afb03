"""``/v1/quotes``: create, list, read, edit and move quotes through their lifecycle.

Changes need the quote's ETag in ``If-Match`` (428 without, 412 when stale); POSTs honour
``Idempotency-Key``. A quote the caller may not see answers 404.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, Header, Query, Request, Response, status
from sqlalchemy import Connection

from cpq.api import pagination
from cpq.api.deps import ROW_ID_MAX, EngineDep, RowId, SettingsDep
from cpq.api.problems import responses
from cpq.api.quote_schemas import (
    ActionIn,
    EventOut,
    LinesIn,
    PreviewOut,
    QuoteCreateIn,
    QuoteLineIn,
    QuoteOut,
    QuotePageOut,
    RepriceOut,
    TermsIn,
)
from cpq.api.quote_views import etag, events_view, quote_view, summaries
from cpq.api.security import require
from cpq.auth.principal import Principal, Scope
from cpq.errors import InvalidInput, PreconditionFailed, PreconditionRequired
from cpq.quotes.lifecycle import QuoteAction, QuoteStatus
from cpq.services import approval_flow, quotes
from cpq.services.quotes import Context

router = APIRouter(prefix="/v1/quotes", tags=["quotes"])

Reader = Annotated[Principal, require(Scope.QUOTES_READ)]
Writer = Annotated[Principal, require(Scope.QUOTES_WRITE)]
IfMatch = Annotated[
    str | None,
    Header(description='The quote\'s ETag (e.g. "7"): required to change it.'),
]
TERMS = (
    "customer",
    "currency",
    "valid_until",
    "payment_terms",
    "price_list",
    "codes",
    "term_months",
    "quote_discount_percent",
    "quote_discount_reason",
)
HEADER = ("title", "notes", "locale", "crm_opportunity_id", "crm_account_id")


def revision_of(header: str | None) -> int:
    if header is None:
        raise PreconditionRequired(
            "send the quote's ETag in If-Match (read it with GET first): changes without it "
            "could overwrite someone else's"
        )
    value = header.strip().removeprefix("W/").strip('"')
    if not value.isdigit():
        raise PreconditionFailed(f"If-Match {header!r} is not an ETag of this quote")
    return int(value)


def _answer(
    conn: Connection,
    ctx: Context,
    response: Response,
    quote_id: str,
    version: int | None = None,
    *,
    written: quotes.Loaded | None = None,
) -> dict[str, Any]:
    """The quote's view and its ETag; ``written``: the rows a change just wrote (not read back)."""
    view = quote_view(conn, ctx.who, written or quotes.load(conn, ctx, quote_id, version))
    response.headers["ETag"] = view["etag"]
    return view


STATUS_FILTER = Query(None, description="draft, pending_approval, approved, ...")


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=QuoteOut,
    responses=responses(401, 403, 404, 409, 422),
    summary="Create a quote (priced at once on the latest catalog and rules)",
)
def create_quote(
    body: QuoteCreateIn,
    who: Writer,
    engine: EngineDep,
    settings: SettingsDep,
    response: Response,
    request: Request,
) -> dict[str, Any]:
    ctx = Context.of(who, settings)
    data = body.model_dump(exclude_unset=True)
    terms = {k: data[k] for k in TERMS if k in data}
    header = {k: data[k] for k in HEADER if k in data}
    lines = [ln.model_dump(mode="json", exclude_none=True) for ln in body.lines]
    with engine.begin() as conn:
        written = quotes.create(conn, ctx, terms, lines, header)
        quote_id = written.quote["id"]
        view = _answer(conn, ctx, response, quote_id, written=written)
    response.headers["Location"] = str(request.url_for("get_quote", quote_id=quote_id))
    return view


@router.get(
    "",
    response_model=QuotePageOut,
    responses=responses(401, 403, 422),
    summary="List the quotes you may see",
)
def list_quotes(
    who: Reader,
    engine: EngineDep,
    settings: SettingsDep,
    status_: Annotated[QuoteStatus | None, Query(alias="status")] = None,
    owner: Annotated[int | None, Query(ge=1, le=ROW_ID_MAX, description="Owner's user id.")] = None,
    customer: str | None = None,
    crm_opportunity_id: str | None = None,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> dict[str, Any]:
    ctx = Context.of(who, settings)
    state = pagination.decode(cursor, "after")
    after = None
    if state is not None:
        at, _, last = str(state["after"]).partition("|")
        try:
            after = (datetime.fromisoformat(at), last)
        except ValueError:
            raise InvalidInput("cursor is not one this API issued", field="cursor") from None
    with engine.connect() as conn:
        rows = quotes.listing(
            conn,
            ctx,
            status=status_.value if status_ else None,
            owner=owner,
            customer=customer,
            opportunity=crm_opportunity_id,
            after=after,
            limit=limit + 1,
        )
        items = summaries(conn, rows[:limit])
    next_cursor = None
    if len(rows) > limit:
        last_row = rows[limit - 1]
        next_cursor = pagination.encode(
            after=f"{last_row['created_at'].isoformat()}|{last_row['id']}"
        )
    return {"items": items, "next_cursor": next_cursor}


@router.get(
    "/{quote_id}",
    response_model=QuoteOut,
    responses=responses(401, 403, 404),
    summary="Read a quote (its current version)",
)
def get_quote(
    quote_id: str, who: Reader, engine: EngineDep, settings: SettingsDep, response: Response
) -> dict[str, Any]:
    with engine.connect() as conn:
        return _answer(conn, Context.of(who, settings), response, quote_id)


@router.get(
    "/{quote_id}/versions/{version}",
    response_model=QuoteOut,
    responses=responses(401, 403, 404),
    summary="Read one version (older ones are read-only)",
)
def get_version(
    quote_id: str,
    version: RowId,
    who: Reader,
    engine: EngineDep,
    settings: SettingsDep,
    response: Response,
) -> dict[str, Any]:
    with engine.connect() as conn:
        return _answer(conn, Context.of(who, settings), response, quote_id, version)


@router.patch(
    "/{quote_id}",
    response_model=QuoteOut,
    responses=responses(401, 403, 404, 409, 412, 422, 428),
    summary="Change the terms (back to draft if it was waiting or rejected)",
)
def update_quote(
    quote_id: str,
    body: TermsIn,
    who: Writer,
    engine: EngineDep,
    settings: SettingsDep,
    response: Response,
    if_match: IfMatch = None,
) -> dict[str, Any]:
    revision = revision_of(if_match)
    ctx = Context.of(who, settings)
    data = body.model_dump(exclude_unset=True)
    changes = {k: data[k] for k in TERMS if k in data}

    def change(
        terms: dict[str, Any], lines: list[dict[str, Any]]
    ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        return {**terms, **changes}, lines

    with engine.begin() as conn:
        written = quotes.edit(
            conn, ctx, quote_id, revision, change, header={k: data[k] for k in HEADER if k in data}
        )
        return _answer(conn, ctx, response, quote_id, written=written)


# --- lines -----------------------------------------------------------------------------------


@router.get(
    "/{quote_id}/lines",
    response_model=list[dict[str, Any]],
    responses=responses(401, 403, 404),
    summary="The lines as asked for (their prices are in the quote's pricing)",
)
def get_lines(
    quote_id: str, who: Reader, engine: EngineDep, settings: SettingsDep
) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        return list(quotes.load(conn, Context.of(who, settings), quote_id).version["lines"])


def _edit_lines(
    quote_id: str,
    who: Principal,
    engine: EngineDep,
    settings: SettingsDep,
    response: Response,
    if_match: str | None,
    change: quotes.Edit,
) -> dict[str, Any]:
    revision = revision_of(if_match)
    ctx = Context.of(who, settings)
    with engine.begin() as conn:
        written = quotes.edit(conn, ctx, quote_id, revision, change)
        return _answer(conn, ctx, response, quote_id, written=written)


def _json(line: QuoteLineIn) -> dict[str, Any]:
    return line.model_dump(mode="json", exclude_none=True)


@router.put(
    "/{quote_id}/lines",
    response_model=QuoteOut,
    responses=responses(401, 403, 404, 409, 412, 422, 428),
    summary="Replace every line",
)
def replace_lines(
    quote_id: str,
    body: LinesIn,
    who: Writer,
    engine: EngineDep,
    settings: SettingsDep,
    response: Response,
    if_match: IfMatch = None,
) -> dict[str, Any]:
    new = [_json(ln) for ln in body.lines]
    return _edit_lines(
        quote_id,
        who,
        engine,
        settings,
        response,
        if_match,
        lambda terms, _old: (terms, quotes.number_lines(new)),
    )


@router.post(
    "/{quote_id}/lines",
    response_model=QuoteOut,
    responses=responses(401, 403, 404, 409, 412, 422, 428),
    summary="Add a line",
)
def add_line(
    quote_id: str,
    body: QuoteLineIn,
    who: Writer,
    engine: EngineDep,
    settings: SettingsDep,
    response: Response,
    if_match: IfMatch = None,
) -> dict[str, Any]:
    def change(
        terms: dict[str, Any], lines: list[dict[str, Any]]
    ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        added = quotes.number_lines([_json(body)], taken=[ln["id"] for ln in lines])
        return terms, lines + added

    return _edit_lines(quote_id, who, engine, settings, response, if_match, change)


@router.put(
    "/{quote_id}/lines/{line_id}",
    response_model=QuoteOut,
    responses=responses(401, 403, 404, 409, 412, 422, 428),
    summary="Replace one line",
)
def replace_line(
    quote_id: str,
    line_id: str,
    body: QuoteLineIn,
    who: Writer,
    engine: EngineDep,
    settings: SettingsDep,
    response: Response,
    if_match: IfMatch = None,
) -> dict[str, Any]:
    new = {**_json(body), "id": line_id}
    change = quotes.line_replaced(line_id, lambda _old: new)
    return _edit_lines(quote_id, who, engine, settings, response, if_match, change)


@router.delete(
    "/{quote_id}/lines/{line_id}",
    response_model=QuoteOut,
    responses=responses(401, 403, 404, 409, 412, 428),
    summary="Remove a line",
)
def delete_line(
    quote_id: str,
    line_id: str,
    who: Writer,
    engine: EngineDep,
    settings: SettingsDep,
    response: Response,
    if_match: IfMatch = None,
) -> dict[str, Any]:
    change = quotes.line_removed(line_id)
    return _edit_lines(quote_id, who, engine, settings, response, if_match, change)


# --- pricing and approval --------------------------------------------------------------------


@router.post(
    "/{quote_id}/reprice",
    response_model=RepriceOut,
    responses=responses(401, 403, 404, 409, 412, 422, 428),
    summary="Price again on the latest catalog and rules: the diff, applied unless preview",
)
def reprice(
    quote_id: str,
    who: Writer,
    engine: EngineDep,
    settings: SettingsDep,
    response: Response,
    preview: Annotated[bool, Query(description="Only show what would move.")] = False,
    if_match: IfMatch = None,
) -> dict[str, Any]:
    revision = None if preview else revision_of(if_match)
    ctx = Context.of(who, settings)
    with engine.begin() as conn:
        diff = quotes.reprice(conn, ctx, quote_id, revision, apply=not preview)
        if preview:
            conn.rollback()  # the rule set stored on the way is not needed
            return diff
        return {**diff, "quote": _answer(conn, ctx, response, quote_id)}


@router.get(
    "/{quote_id}/approval-preview",
    response_model=PreviewOut,
    responses=responses(401, 403, 404, 409, 422, 503),
    summary="Who must approve and why, and how far the discount can go",
)
def approval_preview(
    quote_id: str,
    who: Reader,
    engine: EngineDep,
    settings: SettingsDep,
    line_id: Annotated[
        str | None, Query(description="Guide this line's discount instead of the quote discount.")
    ] = None,
) -> dict[str, Any]:
    with engine.begin() as conn:
        found = approval_flow.preview(conn, Context.of(who, settings), quote_id, line_id)
        conn.rollback()  # reads only (pricing may store a rule set it met)
        return found


ACTION_ERRORS = responses(401, 403, 404, 409, 412, 422, 428)


# (conn, context, quote id, revision, comment) -> what the service answers
Run = Callable[[Connection, Context, str, int, str | None], Any]


def _action_route(
    name: str,
    summary: str,
    run: Run,
    *,
    errors: dict[int | str, dict[str, Any]] = ACTION_ERRORS,
    status_code: int = status.HTTP_200_OK,
) -> None:
    """``POST /{quote_id}/<name>``: an owner's action with an optional comment, under If-Match."""

    def route(
        quote_id: str,
        who: Writer,
        engine: EngineDep,
        settings: SettingsDep,
        response: Response,
        body: Annotated[ActionIn, Body()] = ActionIn(),
        if_match: IfMatch = None,
    ) -> dict[str, Any]:
        revision = revision_of(if_match)
        ctx = Context.of(who, settings)
        with engine.begin() as conn:
            done = run(conn, ctx, quote_id, revision, body.comment)
            written = done if isinstance(done, quotes.Loaded) else None
            return _answer(conn, ctx, response, quote_id, written=written)

    route.__name__ = f"{name}_quote"
    router.post(
        f"/{{quote_id}}/{name}",
        response_model=QuoteOut,
        status_code=status_code,
        responses=errors,
        summary=summary,
    )(route)


def _transition(action: QuoteAction) -> Run:
    def run(conn: Connection, ctx: Context, quote_id: str, rev: int, comment: str | None) -> None:
        quotes.transition(conn, ctx, quote_id, rev, action, comment)

    return run


_action_route(
    "submit",
    "Submit for approval (approved at once when the policy needs nobody)",
    approval_flow.submit,
    errors={**ACTION_ERRORS, **responses(503)},
)
_action_route(
    "recall", "Take a quote back from approval (to draft)", _transition(QuoteAction.RECALL)
)
_action_route("send", "Mark an approved quote sent to the customer", _transition(QuoteAction.SEND))
_action_route("accept", "Record the customer's acceptance", _transition(QuoteAction.ACCEPT))
_action_route("decline", "Record the customer's refusal", _transition(QuoteAction.DECLINE))
_action_route("cancel", "Cancel an open quote", _transition(QuoteAction.CANCEL))
_action_route(
    "revise",
    "Start a new version (the current one becomes read-only)",
    quotes.revise,
    status_code=status.HTTP_201_CREATED,
)


@router.get(
    "/{quote_id}/audit",
    response_model=list[EventOut],
    responses=responses(401, 403, 404),
    summary="The audit trail: every transition and decision, oldest first",
)
def audit_trail(
    quote_id: str, who: Reader, engine: EngineDep, settings: SettingsDep
) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        quotes.load(conn, Context.of(who, settings), quote_id)
        return events_view(conn, quote_id)


__all__ = ["etag", "router"]
