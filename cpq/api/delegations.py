"""Approval delegations: while away, an approver lets a colleague decide in their place."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from cpq.api.deps import EngineDep, ReadConn, RowId
from cpq.api.problems import responses
from cpq.api.security import require
from cpq.auth.principal import Principal, Scope
from cpq.repositories.people import DelegationRecord
from cpq.services import delegations

router = APIRouter(prefix="/v1/delegations", tags=["approvals"])

Reader = Annotated[Principal, require(Scope.APPROVALS_READ)]
Writer = Annotated[Principal, require(Scope.APPROVALS_WRITE)]


class DelegationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    delegate: str = Field(min_length=1, max_length=100, description="The delegate's username.")
    starts_on: date = Field(description="First day, inclusive.")
    ends_on: date = Field(description="Last day, inclusive.")
    reason: str | None = Field(default=None, max_length=1000)


class DelegationOut(BaseModel):
    id: int
    delegator: str
    delegate: str
    starts_on: date
    ends_on: date
    reason: str | None
    created_at: datetime
    revoked_at: datetime | None

    @classmethod
    def of(cls, record: DelegationRecord) -> DelegationOut:
        return cls(
            id=record.id,
            delegator=record.delegator,
            delegate=record.delegate,
            starts_on=record.starts_on,
            ends_on=record.ends_on,
            reason=record.reason,
            created_at=record.created_at,
            revoked_at=record.revoked_at,
        )


class DelegationsOut(BaseModel):
    given: list[DelegationOut] = Field(description="Delegations by the caller, to others.")
    received: list[DelegationOut] = Field(description="Delegations to the caller.")


@router.post(
    "",
    status_code=201,
    response_model=DelegationOut,
    responses=responses(401, 403, 409, 422),
    summary="Delegate your approvals for a period",
)
def create_delegation(body: DelegationIn, principal: Writer, engine: EngineDep) -> DelegationOut:
    with engine.begin() as conn:
        created = delegations.create_delegation(
            conn, principal.user_id, body.delegate, body.starts_on, body.ends_on, body.reason
        )
    return DelegationOut.of(created)


@router.get("", response_model=DelegationsOut, responses=responses(401, 403))
def list_delegations(
    principal: Reader,
    conn: ReadConn,
    include_revoked: Annotated[bool, Query()] = False,
) -> DelegationsOut:
    """Delegations the caller gave and received, latest start first."""
    found = delegations.list_delegations(conn, principal.user_id)

    def shown(records: list[DelegationRecord]) -> list[DelegationOut]:
        return [DelegationOut.of(d) for d in records if include_revoked or d.revoked_at is None]

    return DelegationsOut(given=shown(list(found.given)), received=shown(list(found.received)))


@router.delete(
    "/{delegation_id}",
    response_model=DelegationOut,
    responses=responses(401, 403, 404),
    summary="Revoke a delegation you gave",
)
def revoke_delegation(delegation_id: RowId, principal: Writer, engine: EngineDep) -> DelegationOut:
    with engine.begin() as conn:
        revoked = delegations.revoke_delegation(conn, principal.user_id, delegation_id)
    return DelegationOut.of(revoked)
