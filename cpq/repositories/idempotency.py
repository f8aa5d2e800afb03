"""Idempotency keys: claim one for a request, read it back, store the answer, release or purge.

Every function runs one statement; the caller commits each in its own short transaction so that
other server processes see a claim at once. The key's ``locked_until`` doubles as the claim's
fencing token: whoever claimed or took over a key last is the only one whose ``complete`` or
``release`` still matches.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, delete, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from cpq.db.quote_tables import IdempotencyKeyRow

IN_FLIGHT = "in_flight"
DONE = "done"

_keys = IdempotencyKeyRow.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class RequestSeen:
    """What identifies a request under a key: who sent it, the key, and its fingerprint."""

    principal: str
    key: str
    method: str
    path: str
    request_hash: str


@dataclass(frozen=True, slots=True)
class Claim:
    """A key held by this worker until ``locked_until`` (also the fencing token)."""

    principal: str
    key: str
    locked_until: datetime


@dataclass(frozen=True, slots=True)
class StoredKey:
    id: int
    principal: str
    key: str
    method: str
    path: str
    request_hash: str
    state: str
    status_code: int | None
    response_headers: dict[str, str]
    response_body: bytes | None
    created_at: datetime
    locked_until: datetime


def _in_flight_values(seen: RequestSeen, now: datetime, locked_until: datetime) -> dict[str, Any]:
    return {
        "method": seen.method,
        "path": seen.path,
        "request_hash": seen.request_hash,
        "state": IN_FLIGHT,
        "status_code": None,
        "response_headers": {},
        "response_body": None,
        "created_at": now,
        "locked_until": locked_until,
    }


def claim(conn: Connection, seen: RequestSeen, now: datetime, locked_until: datetime) -> bool:
    """Insert the key as in flight; False when the caller already has a row for it."""
    values = {
        "principal": seen.principal,
        "key": seen.key,
        **_in_flight_values(seen, now, locked_until),
    }
    # ON CONFLICT DO NOTHING rather than catching the unique violation: no aborted transaction
    # and no error in the PostgreSQL log for what is an ordinary race.
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    statement = (
        dialect.insert(_keys)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["principal", "key"])
        .returning(_keys.c.id)
    )
    return conn.execute(statement).first() is not None


def load(conn: Connection, principal: str, key: str) -> StoredKey | None:
    row = (
        conn.execute(select(_keys).where(_keys.c.principal == principal, _keys.c.key == key))
        .mappings()
        .first()
    )
    if row is None:
        return None
    values = dict(row)
    values["response_headers"] = dict(values["response_headers"] or {})
    body = values["response_body"]
    values["response_body"] = bytes(body) if body is not None else None
    return StoredKey(**values)


def take_over(
    conn: Connection, found: StoredKey, seen: RequestSeen, now: datetime, locked_until: datetime
) -> bool:
    """Claim an abandoned or expired key again, as a new request. Conditional on the row being
    exactly as ``found`` saw it, so of several workers racing for it only one wins."""
    result = conn.execute(
        update(_keys)
        .where(
            _keys.c.id == found.id,
            _keys.c.state == found.state,
            _keys.c.locked_until == found.locked_until,
            _keys.c.created_at == found.created_at,
        )
        .values(**_in_flight_values(seen, now, locked_until))
    )
    return result.rowcount == 1


def _held(claim: Claim) -> Any:
    return and_(
        _keys.c.principal == claim.principal,
        _keys.c.key == claim.key,
        _keys.c.state == IN_FLIGHT,
        _keys.c.locked_until == claim.locked_until,
    )


def complete(
    conn: Connection, claim: Claim, status_code: int, headers: dict[str, str], body: bytes
) -> bool:
    """Store the answer; False when the claim was lost (taken over after its lock ran out)."""
    result = conn.execute(
        update(_keys)
        .where(_held(claim))
        .values(state=DONE, status_code=status_code, response_headers=headers, response_body=body)
    )
    return result.rowcount == 1


def release(conn: Connection, claim: Claim) -> bool:
    """Forget the key so that a retry runs the request again (after a 5xx or an exception)."""
    return conn.execute(delete(_keys).where(_held(claim))).rowcount == 1


def purge(conn: Connection, created_before: datetime, now: datetime) -> int:
    """Delete the keys created before ``created_before``, except one still being processed."""
    result = conn.execute(
        delete(_keys).where(
            _keys.c.created_at < created_before,
            or_(_keys.c.state == DONE, _keys.c.locked_until < now),
        )
    )
    return result.rowcount
