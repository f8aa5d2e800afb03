"""An approver's pages: the inbox (oldest first, with the SLA), one approval with what triggered
it, the margin and the quote's history; approve or reject with a comment; delegation while away.

A decision names the content the approver looked at (the hidden ``snapshot_hash``): if the rep
changed the quote in between, the decision is refused instead of approving figures nobody saw.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from cpq.api.deps import EngineDep, SettingsDep
from cpq.auth.principal import APPROVING_ROLES
from cpq.errors import CPQError, Forbidden
from cpq.services import approval_flow, delegations, people
from cpq.web.access import ApproverDep, PageRefused
from cpq.web.approval_page import approval_context, inbox
from cpq.web.render import page
from cpq.web.session import SignedIn, SignedInDep, base, context_of

router = APIRouter(include_in_schema=False)

Comment = Annotated[str, Form(max_length=5000)]
Snapshot = Annotated[str, Form(max_length=64)]
RECENT = 10  # decided approvals shown under the inbox
WAITING = 500  # the longest waiting, shown in the inbox


@router.get("/approvals")
def approvals_inbox(
    request: Request, signed: ApproverDep, engine: EngineDep, settings: SettingsDep
) -> Response:
    ctx = context_of(signed, settings)
    with engine.connect() as conn:
        waiting = inbox(conn, ctx, ["pending"], WAITING, waiting=True)
        decided = inbox(conn, ctx, ["approved", "rejected"], RECENT, waiting=False)
        away = delegations.list_delegations(conn, signed.who.user_id)
    decided.sort(key=lambda a: a["decided_at"] or a["created_at"], reverse=True)
    today = ctx.today
    context = base(
        signed,
        "Approvals",
        nav="approvals",
        waiting=waiting,
        decided=decided,
        covering=[
            d for d in away.received if d.revoked_at is None and d.starts_on <= today <= d.ends_on
        ],
        delegated=[
            d for d in away.given if d.revoked_at is None and d.starts_on <= today <= d.ends_on
        ],
    )
    return page(request, "approvals.html.j2", context)


def approval_page(
    request: Request,
    engine: EngineDep,
    signed: SignedIn,
    settings: SettingsDep,
    approval_id: int,
    *,
    error: str | None = None,
    comment: str = "",
    status_code: int = 200,
) -> Response:
    ctx = context_of(signed, settings)
    try:
        with engine.connect() as conn:
            shown = approval_context(conn, ctx, approval_id)
    except CPQError as exc:
        raise PageRefused(signed, exc) from None
    number = shown["approval"]["quote"]["number"]
    context = base(
        signed,
        f"{number} · Approval",
        nav="approvals",
        error=error,
        notice=None,
        comment=comment,
        **shown,
    )
    return page(request, "approval.html.j2", context, status_code)


@router.get("/approvals/{approval_id}")
def show_approval(
    request: Request,
    approval_id: int,
    signed: SignedInDep,
    engine: EngineDep,
    settings: SettingsDep,
) -> Response:
    return approval_page(request, engine, signed, settings, approval_id)


def _decide(
    request: Request,
    approval_id: int,
    signed: SignedIn,
    engine: EngineDep,
    settings: SettingsDep,
    approve: bool,
    comment: str,
    snapshot_hash: str,
) -> Response:
    text = comment.strip()
    if not approve and not text:
        why = "Say why you reject it: the rep needs to know what to change."
        return approval_page(
            request, engine, signed, settings, approval_id, error=why, status_code=422
        )
    ctx = context_of(signed, settings)
    try:
        with engine.begin() as conn:
            approval_flow.decide(
                conn, ctx, approval_id, approve, text or None, snapshot_hash or None
            )
    except Forbidden as exc:
        raise PageRefused(signed, exc) from None
    except CPQError as exc:  # changed since, already decided, not found
        return approval_page(
            request,
            engine,
            signed,
            settings,
            approval_id,
            error=exc.detail,
            comment=comment,
            status_code=exc.status,
        )
    return RedirectResponse(f"/approvals/{approval_id}", status_code=303)


@router.post("/approvals/{approval_id}/{decision}")
def decide(
    request: Request,
    approval_id: int,
    decision: Literal["approve", "reject"],
    signed: SignedInDep,
    engine: EngineDep,
    settings: SettingsDep,
    snapshot_hash: Snapshot = "",
    comment: Comment = "",
) -> Response:
    approve = decision == "approve"
    return _decide(request, approval_id, signed, engine, settings, approve, comment, snapshot_hash)


# --- delegation while away --------------------------------------------------------------------


def _delegation_page(
    request: Request,
    engine: EngineDep,
    signed: SignedIn,
    *,
    error: str | None = None,
    problems: list[str] | None = None,
    form: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    with engine.connect() as conn:
        mine = delegations.list_delegations(conn, signed.who.user_id)
        colleagues = [
            u
            for u in people.list_users(conn)
            if u.active and u.role in APPROVING_ROLES and u.id != signed.who.user_id
        ]
    context = base(
        signed,
        "Delegate while away",
        nav="approvals",
        error=error,
        problems=problems or [],
        notice=None,
        given=[d for d in mine.given if d.revoked_at is None],
        received=[d for d in mine.received if d.revoked_at is None],
        colleagues=colleagues,
        form=form or {"delegate": "", "starts_on": "", "ends_on": "", "reason": ""},
        today=datetime.now(UTC).date().isoformat(),
    )
    return page(request, "delegations.html.j2", context, status_code)


@router.get("/delegations")
def delegation_form(request: Request, signed: ApproverDep, engine: EngineDep) -> Response:
    return _delegation_page(request, engine, signed)


def _day(text: str, label: str, problems: list[str]) -> date | None:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        problems.append(f"{label}: give a date (YYYY-MM-DD).")
        return None


@router.post("/delegations")
def delegate(
    request: Request,
    signed: ApproverDep,
    engine: EngineDep,
    delegate: Annotated[str, Form(max_length=100)] = "",
    starts_on: Annotated[str, Form(max_length=20)] = "",
    ends_on: Annotated[str, Form(max_length=20)] = "",
    reason: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    form = {"delegate": delegate, "starts_on": starts_on, "ends_on": ends_on, "reason": reason}
    problems: list[str] = []
    if not delegate:
        problems.append("Delegate to: pick a colleague.")
    first = _day(starts_on, "From", problems)
    last = _day(ends_on, "Until", problems)
    if problems or first is None or last is None:
        return _delegation_page(
            request, engine, signed, problems=problems, form=form, status_code=422
        )
    try:
        with engine.begin() as conn:
            delegations.create_delegation(
                conn, signed.who.user_id, delegate, first, last, reason.strip() or None
            )
    except CPQError as exc:
        issues = exc.extensions.get("issues") or []
        return _delegation_page(
            request,
            engine,
            signed,
            error=None if issues else exc.detail,
            problems=[i.message for i in issues],
            form=form,
            status_code=exc.status,
        )
    return RedirectResponse("/delegations", status_code=303)


@router.post("/delegations/{delegation_id}/revoke")
def revoke(
    request: Request, delegation_id: int, signed: ApproverDep, engine: EngineDep
) -> Response:
    try:
        with engine.begin() as conn:
            delegations.revoke_delegation(conn, signed.who.user_id, delegation_id)
    except CPQError as exc:
        raise PageRefused(signed, exc) from None
    return RedirectResponse("/delegations", status_code=303)
