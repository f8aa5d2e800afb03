"""Token buckets of the API rate limit: take a token with one atomic statement, purge idle ones.

``take`` is a single ``INSERT ... ON CONFLICT DO UPDATE ... RETURNING``: the refill since the
last request, the cap at the burst and the taking of one token happen in the row lock of that
statement, so any number of API processes share one bucket per caller without losing updates.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Boolean, ColumnElement, Connection, Float, case, delete, literal, select
from sqlalchemy.dialects import postgresql, sqlite

from cpq.db.people import WebSessionRow
from cpq.db.rate_limit_tables import RateLimitRow

_buckets = RateLimitRow.__table__  # type: ignore[attr-defined]
_sessions = WebSessionRow.__table__  # type: ignore[attr-defined]

# Keys of limits with their own refill and burst (e.g. the login attempts of the web pages):
# ``purge_full`` of the API limit leaves them alone, ``purge_named`` purges them.
NAMED = "limit:"


@dataclass(frozen=True, slots=True)
class Taken:
    granted: bool  # the request may run
    tokens: float  # left in the bucket after this request


def take(conn: Connection, key: str, now: float, per_second: float, burst: int) -> Taken:
    """Refill ``key``'s bucket for the time since its last request (``per_second``, at most
    ``burst`` tokens), then take one token if there is one. A new caller starts full."""
    now_ = literal(now, Float)
    full = literal(float(burst), Float)
    c = _buckets.c
    elapsed: ColumnElement[float] = case((now_ > c.updated_at, now_ - c.updated_at), else_=0.0)
    refilled_raw = c.tokens + elapsed * literal(per_second, Float)
    refilled: ColumnElement[float] = case((refilled_raw > full, full), else_=refilled_raw)
    has_one: ColumnElement[bool] = refilled >= 1.0
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    statement = (
        dialect.insert(_buckets)
        .values(key=key, tokens=float(burst) - 1.0, updated_at=now, granted=True)
        .on_conflict_do_update(
            index_elements=["key"],
            set_={
                "tokens": case((has_one, refilled - 1.0), else_=refilled),
                "updated_at": case((now_ > c.updated_at, now_), else_=c.updated_at),
                "granted": case((has_one, literal(True, Boolean)), else_=literal(False, Boolean)),
            },
        )
        .returning(c.granted, c.tokens)
    )
    row = conn.execute(statement).one()
    return Taken(bool(row.granted), float(row.tokens))


def tokens_left(conn: Connection, key: str, now: float, per_second: float, burst: int) -> float:
    """How many tokens ``key``'s bucket holds now (refilled, at most ``burst``), taking none."""
    row = conn.execute(
        select(_buckets.c.tokens, _buckets.c.updated_at).where(_buckets.c.key == key)
    ).first()
    if row is None:
        return float(burst)
    elapsed = max(0.0, now - float(row.updated_at))
    return min(float(burst), float(row.tokens) + elapsed * per_second)


def purge_full(conn: Connection, now: float, per_second: float, burst: int) -> int:
    """Delete the buckets that have refilled completely (a missing row is a full bucket, so this
    changes nothing for anyone); how many."""
    seconds_to_fill = burst / per_second
    result = conn.execute(
        delete(_buckets).where(
            _buckets.c.updated_at < now - seconds_to_fill,
            ~_buckets.c.key.startswith(NAMED, autoescape=True),
        )
    )
    return result.rowcount


def purge_named(conn: Connection, name: str, now: float, seconds_to_fill: float) -> int:
    """Delete the full buckets of the named limit ``name`` (keys ``limit:<name>:...``)."""
    result = conn.execute(
        delete(_buckets).where(
            _buckets.c.key.startswith(f"{NAMED}{name}:", autoescape=True),
            _buckets.c.updated_at < now - seconds_to_fill,
        )
    )
    return result.rowcount


def session_user(conn: Connection, session_id: str) -> int | None:
    """The user a web session belongs to (whether or not it is still valid), or None."""
    query = select(_sessions.c.user_id).where(_sessions.c.id == session_id)
    found = conn.execute(query).scalar_one_or_none()
    return None if found is None else int(found)
