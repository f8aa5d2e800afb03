"""The admin's pages: catalog sync status (history, the last diff, the problems of a failed run),
the users, and the CRM clients' API tokens (create, revoke; a new token's secret is shown once,
in the answer to the form that created it, and never again)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from cpq.api.deps import EngineDep
from cpq.auth.principal import Role, Scope
from cpq.db.models import SyncRun
from cpq.errors import CPQError, Forbidden, NotFound
from cpq.repositories import sync_runs
from cpq.services import people
from cpq.web.render import page
from cpq.web.session import SignedIn, SignedInDep, base

router = APIRouter(include_in_schema=False)

HISTORY = 50  # sync runs listed
ENTITY_LABELS = {
    "product_groups": "Product groups",
    "items": "Items",
    "item_units": "Units",
    "price_lists": "Price lists",
    "price_list_entries": "Prices",
    "customers": "Customers",
    "exchange_rates": "Exchange rates",
    "product_models": "Product models",
}
TOKEN_SCOPES = (Scope.QUOTES_READ, Scope.QUOTES_WRITE, Scope.APPROVALS_READ, Scope.APPROVALS_WRITE)


def _refusal(request: Request, signed: SignedIn, exc: CPQError) -> Response:
    return page(request, "error.html.j2", base(signed, exc.title, message=exc.detail), exc.status)


def _admin(signed: SignedIn) -> None:
    if signed.who.role is not Role.ADMIN:
        raise Forbidden("These pages are for admins.")


def run_seconds(run: SyncRun) -> float | None:
    if run.finished_at is None:
        return None
    return round((run.finished_at - run.started_at).total_seconds(), 2)


def diff_rows(diff: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per entity the sync carried, with the samples of what changed and how."""
    return [
        {
            "entity": ENTITY_LABELS.get(name, name.replace("_", " ").capitalize()),
            **{k: counts.get(k, 0) for k in ("added", "changed", "deactivated", "unchanged")},
            "samples": counts.get("samples") or {},
        }
        for name, counts in diff.items()
    ]


@router.get("/admin")
def admin_home(signed: SignedInDep) -> Response:
    return RedirectResponse("/admin/sync", status_code=303)


@router.get("/admin/sync")
def sync_history(request: Request, signed: SignedInDep, engine: EngineDep) -> Response:
    try:
        _admin(signed)
    except CPQError as exc:
        return _refusal(request, signed, exc)
    with engine.connect() as conn:
        runs = list(sync_runs.page(conn, before=None, limit=HISTORY))
    last = next((r for r in runs if r.diff), None)
    context = base(
        signed,
        "Catalog sync",
        nav="admin",
        tab="sync",
        runs=[(r, run_seconds(r)) for r in runs],
        last=last,
        last_diff=diff_rows(last.diff) if last else [],
    )
    return page(request, "admin_sync.html.j2", context)


@router.get("/admin/sync/{run_id}")
def sync_run(request: Request, run_id: int, signed: SignedInDep, engine: EngineDep) -> Response:
    try:
        _admin(signed)
        with engine.connect() as conn:
            run = sync_runs.get(conn, run_id)
        if run is None:
            raise NotFound(f"There is no sync run {run_id}.")
    except CPQError as exc:
        return _refusal(request, signed, exc)
    context = base(
        signed,
        f"Sync run {run.id}",
        nav="admin",
        tab="sync",
        run=run,
        seconds=run_seconds(run),
        diff=diff_rows(run.diff),
        errors=[i for i in run.issues if i.get("severity") == "error"],
        warnings=[i for i in run.issues if i.get("severity") != "error"],
    )
    return page(request, "admin_sync_run.html.j2", context)


@router.get("/admin/users")
def users(request: Request, signed: SignedInDep, engine: EngineDep) -> Response:
    try:
        _admin(signed)
    except CPQError as exc:
        return _refusal(request, signed, exc)
    with engine.connect() as conn:
        found = people.list_users(conn)
    context = base(signed, "Users", nav="admin", tab="users", users=found)
    return page(request, "admin_users.html.j2", context)


def _tokens_page(
    request: Request,
    engine: EngineDep,
    signed: SignedIn,
    *,
    created: tuple[str, str] | None = None,
    error: str | None = None,
    form: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Response:
    now = datetime.now(UTC)
    with engine.connect() as conn:
        found = people.list_tokens(conn)
        holders = [u for u in people.list_users(conn) if u.active]
    context = base(
        signed,
        "API tokens",
        nav="admin",
        tab="tokens",
        tokens=[(t, t.status(now)) for t in reversed(found)],
        holders=holders,
        scopes=[s.value for s in TOKEN_SCOPES],
        created=created,
        error=error,
        notice=None,
        form=form or {"name": "", "user": "", "scopes": [], "expires_days": "365"},
    )
    return page(request, "admin_tokens.html.j2", context, status_code)


@router.get("/admin/tokens")
def tokens(request: Request, signed: SignedInDep, engine: EngineDep) -> Response:
    try:
        _admin(signed)
    except CPQError as exc:
        return _refusal(request, signed, exc)
    return _tokens_page(request, engine, signed)


@router.post("/admin/tokens")
def create_token(
    request: Request,
    signed: SignedInDep,
    engine: EngineDep,
    name: Annotated[str, Form(max_length=200)] = "",
    user: Annotated[str, Form(max_length=100)] = "",
    scopes: Annotated[list[str], Form()] = [],  # noqa: B006 - FastAPI copies defaults
    expires_days: Annotated[str, Form(max_length=5)] = "",
) -> Response:
    try:
        _admin(signed)
    except CPQError as exc:
        return _refusal(request, signed, exc)
    form = {"name": name, "user": user, "scopes": scopes, "expires_days": expires_days}
    days = expires_days.strip()
    if days and (not days.isdigit() or not 1 <= int(days) <= 3650):
        return _tokens_page(
            request,
            engine,
            signed,
            error="Expires after: a number of days from 1 to 3650, or empty for never.",
            form=form,
            status_code=422,
        )
    expires = datetime.now(UTC) + timedelta(days=int(days)) if days else None
    try:
        with engine.begin() as conn:
            row, secret = people.create_token(conn, name, user, scopes, expires)
    except CPQError as exc:
        return _tokens_page(
            request, engine, signed, error=exc.detail, form=form, status_code=exc.status
        )
    # No redirect: the secret exists only in this answer.
    return _tokens_page(request, engine, signed, created=(row.name, secret), status_code=201)


@router.post("/admin/tokens/{token_id}/revoke")
def revoke_token(
    request: Request, token_id: int, signed: SignedInDep, engine: EngineDep
) -> Response:
    try:
        _admin(signed)
        with engine.begin() as conn:
            people.revoke_token(conn, token_id)
    except CPQError as exc:
        return _refusal(request, signed, exc)
    return RedirectResponse("/admin/tokens", status_code=303)
