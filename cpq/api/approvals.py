"""``/v1/approvals``: the approvals the caller decides (own and delegated), approve, reject.

Of two decisions on the same approval exactly one wins; the other answers 409. Nobody decides
an approval on their own quote.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Body, Query
from sqlalchemy import Connection

from cpq.api.deps import EngineDep, RowId, SettingsDep
from cpq.api.problems import responses
from cpq.api.quote_schemas import ApprovalOut, ApprovalPageOut, DecisionIn, RejectIn
from cpq.api.quote_views import approval_view
from cpq.api.security import require
from cpq.auth.principal import Principal, Scope
from cpq.errors import InvalidInput
from cpq.repositories import approvals as approval_rows
from cpq.repositories import quotes as quote_rows
from cpq.repositories import teams
from cpq.services import approval_flow
from cpq.services.quotes import Context

router = APIRouter(prefix="/v1/approvals", tags=["approvals"])

Reader = Annotated[Principal, require(Scope.APPROVALS_READ)]
Decider = Annotated[Principal, require(Scope.APPROVALS_WRITE)]
STATUSES = ("waiting", "pending", "approved", "rejected", "escalated", "void")


@router.get(
    "",
    response_model=ApprovalPageOut,
    responses=responses(401, 403, 422),
    summary="Approvals you decide (yours and your delegators'), newest first",
)
def list_approvals(
    who: Reader,
    engine: EngineDep,
    settings: SettingsDep,
    status: Annotated[list[str], Query(description=f"Any of {', '.join(STATUSES)}.")] = ["pending"],  # noqa: B006
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> dict[str, Any]:
    unknown = sorted(set(status) - set(STATUSES))
    if unknown:
        raise InvalidInput(f"status: unknown {', '.join(unknown)}", field="status")
    ctx = Context.of(who, settings)
    with engine.connect() as conn:
        found = approval_flow.to_decide(conn, ctx, status, limit)
        ids = {r["approver_id"] for r, _, _ in found} | {q["owner_id"] for _, q, _ in found}
        ids |= {r["decided_by_id"] for r, _, _ in found if r["decided_by_id"]}
        names = teams.names(conn, ids)
        return {
            "items": [approval_view(r, names, q["number"], quote=q, version=v) for r, q, v in found]
        }


def _one(engine: EngineDep, ctx: Context, approval_id: int) -> dict[str, Any]:
    with engine.connect() as conn:
        row, quote = approval_flow.decidable(conn, ctx, approval_id)
        return _view(conn, row, quote)


def _view(conn: Connection, row: Mapping[str, Any], quote: Mapping[str, Any]) -> dict[str, Any]:
    """One approval with the facts of its quote version, as the inbox shows it."""
    version = quote_rows.version(conn, row["quote_id"], row["version"])
    people = {row["approver_id"], row["decided_by_id"], quote["owner_id"]} - {None}
    names = teams.names(conn, people)
    return approval_view(row, names, quote["number"], quote=quote, version=version)


@router.get(
    "/{approval_id}",
    response_model=ApprovalOut,
    responses=responses(401, 403, 404),
    summary="One approval, with the figures and rules that required it",
)
def get_approval(
    approval_id: RowId, who: Reader, engine: EngineDep, settings: SettingsDep
) -> dict[str, Any]:
    return _one(engine, Context.of(who, settings), approval_id)


def _decide(
    approval_id: RowId,
    who: Principal,
    engine: EngineDep,
    settings: SettingsDep,
    approve: bool,
    body: DecisionIn,
) -> dict[str, Any]:
    ctx = Context.of(who, settings)
    with engine.begin() as conn:
        approval_flow.decide(
            conn,
            ctx,
            approval_id,
            approve,
            body.comment,
            body.snapshot_hash,
        )
        row = approval_rows.get(conn, approval_id)
        assert row is not None
        quote = quote_rows.quote(conn, row["quote_id"])
        assert quote is not None
        return _view(conn, row, quote)


@router.post(
    "/{approval_id}/approve",
    response_model=ApprovalOut,
    responses=responses(401, 403, 404, 409, 422, 503),
    summary="Approve",
)
def approve(
    approval_id: RowId,
    who: Decider,
    engine: EngineDep,
    settings: SettingsDep,
    body: Annotated[DecisionIn, Body()] = DecisionIn(),
) -> dict[str, Any]:
    return _decide(approval_id, who, engine, settings, True, body)


@router.post(
    "/{approval_id}/reject",
    response_model=ApprovalOut,
    responses=responses(401, 403, 404, 409, 422),
    summary="Reject, saying why",
)
def reject(
    approval_id: RowId,
    body: RejectIn,
    who: Decider,
    engine: EngineDep,
    settings: SettingsDep,
) -> dict[str, Any]:
    return _decide(approval_id, who, engine, settings, False, body)
