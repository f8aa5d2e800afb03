"""Delegations: while away, an approver lets another approver decide in their place.

Services never commit: the request or CLI command that calls them owns the transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Connection

from cpq.auth.principal import APPROVING_ROLES, Role
from cpq.catalog.issues import Issue, error
from cpq.errors import Conflict, Forbidden, NotFound
from cpq.repositories import people as repo
from cpq.repositories.people import DelegationRecord
from cpq.services.people import _APPROVERS_WORDING, _invalid, _now, _uid


@dataclass(frozen=True, slots=True)
class Delegations:
    given: Sequence[DelegationRecord]
    received: Sequence[DelegationRecord]


def create_delegation(
    conn: Connection,
    delegator_id: int,
    delegate_username: str,
    starts_on: date,
    ends_on: date,
    reason: str | None = None,
    *,
    today: date | None = None,
) -> DelegationRecord:
    """While away, ``delegator_id`` lets the delegate decide their approvals."""
    today = today or _now().date()
    delegator = repo.user_by_id(conn, delegator_id)
    if delegator is None or Role(delegator.role) not in APPROVING_ROLES:
        raise Forbidden(f"only {_APPROVERS_WORDING} decide approvals, so only they can delegate")
    issues: list[Issue] = []
    delegate = repo.user_by_username(conn, delegate_username)
    if delegate is None:
        issues.append(error("unknown_user", f"no user {delegate_username!r}", column="delegate"))
    elif delegate.id == delegator_id:
        issues.append(error("self_delegation", "one cannot delegate to oneself", column="delegate"))
    elif not delegate.active:
        issues.append(
            error("inactive_user", f"{delegate_username!r} is deactivated", column="delegate")
        )
    elif Role(delegate.role) not in APPROVING_ROLES:
        issues.append(
            error(
                "delegate_cannot_approve",
                f"{delegate_username!r} is a {delegate.role}; delegate to one of {_APPROVERS_WORDING}",
                column="delegate",
            )
        )
    if ends_on < starts_on:
        issues.append(error("bad_period", "ends_on is before starts_on", column="ends_on"))
    elif ends_on < today:
        issues.append(error("past_period", "the period has already ended", column="ends_on"))
    if issues:
        raise _invalid(issues)
    assert delegate is not None
    clash = repo.overlapping_delegations(conn, delegator_id, starts_on, ends_on)
    if clash:
        other = clash[0]
        raise Conflict(
            f"you already delegate to {other.delegate!r} from {other.starts_on} to "
            f"{other.ends_on}; revoke that first or pick days that do not overlap",
            delegation_id=other.id,
        )
    delegation_id = repo.insert_delegation(
        conn,
        delegator_id=delegator_id,
        delegate_id=_uid(delegate),
        starts_on=starts_on,
        ends_on=ends_on,
        reason=reason,
        created_at=_now(),
    )
    created = repo.delegation_by_id(conn, delegation_id)
    assert created is not None
    return created


def list_delegations(conn: Connection, user_id: int) -> Delegations:
    every = repo.delegations_of(conn, user_id)
    return Delegations(
        given=[d for d in every if d.delegator_id == user_id],
        received=[d for d in every if d.delegate_id == user_id],
    )


def revoke_delegation(conn: Connection, user_id: int, delegation_id: int) -> DelegationRecord:
    """Only the delegator revokes; revoking a revoked delegation changes nothing."""
    found = repo.delegation_by_id(conn, delegation_id)
    if found is None or user_id not in (found.delegator_id, found.delegate_id):
        raise NotFound(f"no delegation {delegation_id}")  # others' delegations are not shown
    if found.delegator_id != user_id:
        raise Forbidden("only the one who delegated can revoke a delegation")
    repo.revoke_delegation(conn, delegation_id, _now())
    revoked = repo.delegation_by_id(conn, delegation_id)
    assert revoked is not None
    return revoked


def delegators_for(conn: Connection, user_id: int, on: date) -> frozenset[int]:
    """The users whose approvals ``user_id`` may decide on day ``on``, by delegation."""
    return repo.delegator_ids_on(conn, user_id, on)
