"""Users, API tokens, web sessions and delegations: the SQL, rows in and out."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, RowMapping, and_, insert, or_, select, update

from cpq.db.people import ApiTokenRow, DelegationRow, UserRow, WebSessionRow

_users = UserRow.__table__  # type: ignore[attr-defined]
_tokens = ApiTokenRow.__table__  # type: ignore[attr-defined]
_sessions = WebSessionRow.__table__  # type: ignore[attr-defined]
_delegations = DelegationRow.__table__  # type: ignore[attr-defined]

_HOLDER_COLUMNS = (
    _users.c.id.label("user_id"),
    _users.c.username,
    _users.c.display_name,
    _users.c.role,
    _users.c.manager_id,
    _users.c.active,
)


@dataclass(frozen=True, slots=True)
class Holder:
    """The user a credential belongs to, as the access check needs it."""

    user_id: int
    username: str
    display_name: str
    role: str
    manager_id: int | None
    active: bool


@dataclass(frozen=True, slots=True)
class TokenRecord:
    id: int
    secret_hash: str
    scopes: list[str]
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None
    holder: Holder


@dataclass(frozen=True, slots=True)
class SessionRecord:
    id: str
    expires_at: datetime
    revoked_at: datetime | None
    holder: Holder


def _holder(row: RowMapping) -> Holder:
    return Holder(
        user_id=row["user_id"],
        username=row["username"],
        display_name=row["display_name"],
        role=row["role"],
        manager_id=row["manager_id"],
        active=bool(row["active"]),
    )


# --- users


def insert_user(conn: Connection, **values: Any) -> int:
    result = conn.execute(insert(_users).values(**values).returning(_users.c.id))
    return int(result.scalar_one())


def user_by_username(conn: Connection, username: str) -> UserRow | None:
    row = conn.execute(select(_users).where(_users.c.username == username)).mappings().first()
    return UserRow.model_validate(dict(row)) if row else None


def user_by_id(conn: Connection, user_id: int) -> UserRow | None:
    row = conn.execute(select(_users).where(_users.c.id == user_id)).mappings().first()
    return UserRow.model_validate(dict(row)) if row else None


def all_users(conn: Connection) -> list[UserRow]:
    rows = conn.execute(select(_users).order_by(_users.c.username)).mappings()
    return [UserRow.model_validate(dict(r)) for r in rows]


def update_user(conn: Connection, user_id: int, **values: Any) -> None:
    conn.execute(update(_users).where(_users.c.id == user_id).values(**values))


def reporting_line(conn: Connection) -> dict[int, int | None]:
    """Every user's manager id: small enough to walk in memory for a cycle check."""
    rows = conn.execute(select(_users.c.id, _users.c.manager_id))
    return {r.id: r.manager_id for r in rows}


# --- API tokens


def token_prefix_taken(conn: Connection, prefix: str) -> bool:
    found = conn.execute(select(_tokens.c.id).where(_tokens.c.prefix == prefix)).first()
    return found is not None


def insert_token(conn: Connection, **values: Any) -> int:
    result = conn.execute(insert(_tokens).values(**values).returning(_tokens.c.id))
    return int(result.scalar_one())


def token_by_id(conn: Connection, token_id: int) -> ApiTokenRow | None:
    row = conn.execute(select(_tokens).where(_tokens.c.id == token_id)).mappings().first()
    return ApiTokenRow.model_validate(dict(row)) if row else None


def token_by_prefix(conn: Connection, prefix: str) -> ApiTokenRow | None:
    row = conn.execute(select(_tokens).where(_tokens.c.prefix == prefix)).mappings().first()
    return ApiTokenRow.model_validate(dict(row)) if row else None


def tokens_with_usernames(conn: Connection) -> list[tuple[ApiTokenRow, str]]:
    query = (
        select(_tokens, _users.c.username.label("holder_username"))
        .join(_users, _users.c.id == _tokens.c.user_id)
        .order_by(_tokens.c.id)
    )
    out = []
    for row in conn.execute(query).mappings():
        values = dict(row)
        username = values.pop("holder_username")
        out.append((ApiTokenRow.model_validate(values), username))
    return out


def token_for_auth(conn: Connection, prefix: str) -> TokenRecord | None:
    """The token with this prefix and its user: one indexed SELECT per API request."""
    query = (
        select(
            _tokens.c.id,
            _tokens.c.secret_hash,
            _tokens.c.scopes,
            _tokens.c.expires_at,
            _tokens.c.revoked_at,
            _tokens.c.last_used_at,
            *_HOLDER_COLUMNS,
        )
        .join(_users, _users.c.id == _tokens.c.user_id)
        .where(_tokens.c.prefix == prefix)
    )
    row = conn.execute(query).mappings().first()
    if row is None:
        return None
    return TokenRecord(
        id=row["id"],
        secret_hash=row["secret_hash"],
        scopes=list(row["scopes"]),
        expires_at=row["expires_at"],
        revoked_at=row["revoked_at"],
        last_used_at=row["last_used_at"],
        holder=_holder(row),
    )


def revoke_token(conn: Connection, token_id: int, at: datetime) -> None:
    conn.execute(
        update(_tokens)
        .where(_tokens.c.id == token_id, _tokens.c.revoked_at.is_(None))
        .values(revoked_at=at)
    )


def mark_token_used(conn: Connection, token_id: int, at: datetime, every: timedelta) -> None:
    """Record use, unless recorded within ``every``; the condition keeps concurrent requests
    from writing twice."""
    conn.execute(
        update(_tokens)
        .where(
            _tokens.c.id == token_id,
            or_(_tokens.c.last_used_at.is_(None), _tokens.c.last_used_at < at - every),
        )
        .values(last_used_at=at)
    )


# --- web sessions


def insert_session(conn: Connection, **values: Any) -> None:
    conn.execute(insert(_sessions).values(**values))


def session_for_auth(conn: Connection, session_id: str) -> SessionRecord | None:
    """The session and its user: one SELECT by primary key per browser request."""
    query = (
        select(_sessions.c.id, _sessions.c.expires_at, _sessions.c.revoked_at, *_HOLDER_COLUMNS)
        .join(_users, _users.c.id == _sessions.c.user_id)
        .where(_sessions.c.id == session_id)
    )
    row = conn.execute(query).mappings().first()
    if row is None:
        return None
    return SessionRecord(
        id=row["id"],
        expires_at=row["expires_at"],
        revoked_at=row["revoked_at"],
        holder=_holder(row),
    )


def revoke_sessions_of(conn: Connection, user_id: int, at: datetime) -> None:
    conn.execute(
        update(_sessions)
        .where(_sessions.c.user_id == user_id, _sessions.c.revoked_at.is_(None))
        .values(revoked_at=at)
    )


def revoke_session(conn: Connection, session_id: str, at: datetime) -> None:
    conn.execute(
        update(_sessions)
        .where(_sessions.c.id == session_id, _sessions.c.revoked_at.is_(None))
        .values(revoked_at=at)
    )


# --- delegations


@dataclass(frozen=True, slots=True)
class DelegationRecord:
    id: int
    delegator_id: int
    delegator: str  # username
    delegate_id: int
    delegate: str
    starts_on: date
    ends_on: date
    reason: str | None
    created_at: datetime
    revoked_at: datetime | None


def insert_delegation(conn: Connection, **values: Any) -> int:
    result = conn.execute(insert(_delegations).values(**values).returning(_delegations.c.id))
    return int(result.scalar_one())


def _delegation_query() -> Any:
    delegator, delegate = _users.alias("delegator_user"), _users.alias("delegate_user")
    return (
        select(
            _delegations,
            delegator.c.username.label("delegator"),
            delegate.c.username.label("delegate"),
        )
        .join(delegator, delegator.c.id == _delegations.c.delegator_id)
        .join(delegate, delegate.c.id == _delegations.c.delegate_id)
    )


def _delegation(row: RowMapping) -> DelegationRecord:
    return DelegationRecord(**{f.name: row[f.name] for f in fields(DelegationRecord)})


def delegation_by_id(conn: Connection, delegation_id: int) -> DelegationRecord | None:
    query = _delegation_query().where(_delegations.c.id == delegation_id)
    row = conn.execute(query).mappings().first()
    return _delegation(row) if row else None


def delegations_of(conn: Connection, user_id: int) -> Sequence[DelegationRecord]:
    """Delegations the user gave or received, latest start first."""
    query = (
        _delegation_query()
        .where(or_(_delegations.c.delegator_id == user_id, _delegations.c.delegate_id == user_id))
        .order_by(_delegations.c.starts_on.desc(), _delegations.c.id.desc())
    )
    return [_delegation(r) for r in conn.execute(query).mappings()]


def overlapping_delegations(
    conn: Connection, delegator_id: int, starts_on: date, ends_on: date
) -> Sequence[DelegationRecord]:
    """The delegator's unrevoked delegations that share a day with ``starts_on..ends_on``."""
    query = _delegation_query().where(
        _delegations.c.delegator_id == delegator_id,
        _delegations.c.revoked_at.is_(None),
        _delegations.c.starts_on <= ends_on,
        _delegations.c.ends_on >= starts_on,
    )
    return [_delegation(r) for r in conn.execute(query).mappings()]


def revoke_delegation(conn: Connection, delegation_id: int, at: datetime) -> None:
    conn.execute(
        update(_delegations)
        .where(_delegations.c.id == delegation_id, _delegations.c.revoked_at.is_(None))
        .values(revoked_at=at)
    )


def delegator_ids_on(conn: Connection, delegate_id: int, on: date) -> frozenset[int]:
    """Active users who delegated to ``delegate_id`` for a period that includes ``on``."""
    query = (
        select(_delegations.c.delegator_id)
        .join(_users, _users.c.id == _delegations.c.delegator_id)
        .where(
            and_(
                _delegations.c.delegate_id == delegate_id,
                _delegations.c.revoked_at.is_(None),
                _delegations.c.starts_on <= on,
                _delegations.c.ends_on >= on,
                _users.c.active.is_(True),
            )
        )
    )
    return frozenset(conn.execute(query).scalars())
