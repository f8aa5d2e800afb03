"""SQL of quotes and their versions: numbers, reads, guarded updates, listings."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Table, and_, exists, insert, or_, select, update

from cpq.db.quote_tables import ApprovalRow, CounterRow, QuoteRow, QuoteVersionRow

QUOTES: Table = QuoteRow.__table__  # type: ignore[attr-defined]
VERSIONS: Table = QuoteVersionRow.__table__  # type: ignore[attr-defined]
COUNTERS: Table = CounterRow.__table__  # type: ignore[attr-defined]
APPROVALS: Table = ApprovalRow.__table__  # type: ignore[attr-defined]


def next_number(conn: Connection, name: str = "quote_number") -> int:
    """The next value of a shared counter. The UPDATE locks the counter row until the
    transaction ends, so concurrent processes never get the same number."""
    value = conn.execute(
        update(COUNTERS)
        .where(COUNTERS.c.name == name)
        .values(value=COUNTERS.c.value + 1)
        .returning(COUNTERS.c.value)
    ).scalar_one()
    return int(value)


def insert_quote(conn: Connection, values: Mapping[str, Any]) -> None:
    conn.execute(insert(QUOTES).values(**values))


def insert_version(conn: Connection, values: Mapping[str, Any]) -> int:
    return int(
        conn.execute(insert(VERSIONS).values(**values).returning(VERSIONS.c.id)).scalar_one()
    )


def quote(conn: Connection, quote_id: str) -> dict[str, Any] | None:
    row = conn.execute(select(QUOTES).where(QUOTES.c.id == quote_id)).mappings().first()
    return dict(row) if row is not None else None


def version(conn: Connection, quote_id: str, number: int) -> dict[str, Any] | None:
    row = (
        conn.execute(
            select(VERSIONS).where(VERSIONS.c.quote_id == quote_id, VERSIONS.c.version == number)
        )
        .mappings()
        .first()
    )
    return dict(row) if row is not None else None


def update_version(conn: Connection, version_id: int, values: Mapping[str, Any]) -> None:
    conn.execute(update(VERSIONS).where(VERSIONS.c.id == version_id).values(**values))


def bump(
    conn: Connection,
    quote_id: str,
    revision: int | None,
    values: Mapping[str, Any],
    *,
    statuses: Collection[str] | None = None,
) -> int | None:
    """Bump the quote's revision (its ETag) and set ``values``, only if it is still at
    ``revision`` (None: any) and in one of ``statuses`` (None: any). The new revision, or None
    when someone else changed it first. Row-locks the quote until the transaction ends."""
    query = update(QUOTES).where(QUOTES.c.id == quote_id)
    if revision is not None:
        query = query.where(QUOTES.c.revision == revision)
    if statuses is not None:
        query = query.where(QUOTES.c.status.in_(list(statuses)))
    new = conn.execute(
        query.values(revision=QUOTES.c.revision + 1, **values).returning(QUOTES.c.revision)
    ).scalar_one_or_none()
    return int(new) if new is not None else None


def listing(
    conn: Connection,
    *,
    owners: Collection[int] | None,
    approver_ids: Collection[int],
    status: str | None,
    owner: int | None,
    customer: str | None,
    opportunity: str | None,
    after: tuple[datetime, str] | None,
    limit: int,
) -> list[dict[str, Any]]:
    """Quotes the caller may see (``owners``: None = all; plus those ``approver_ids`` are asked
    to approve), newest first, keyset-paged on (created_at, id)."""
    q = QUOTES
    query = select(q, VERSIONS.c.total, VERSIONS.c.currency, VERSIONS.c.valid_until).join(
        VERSIONS, and_(VERSIONS.c.quote_id == q.c.id, VERSIONS.c.version == q.c.current_version)
    )
    if owners is not None:
        asked = exists().where(
            APPROVALS.c.quote_id == q.c.id, APPROVALS.c.approver_id.in_(list(approver_ids))
        )
        query = query.where(or_(q.c.owner_id.in_(list(owners)), asked))
    if status is not None:
        query = query.where(q.c.status == status)
    if owner is not None:
        query = query.where(q.c.owner_id == owner)
    if customer is not None:
        query = query.where(q.c.customer == customer)
    if opportunity is not None:
        query = query.where(q.c.crm_opportunity_id == opportunity)
    if after is not None:
        at, quote_id = after
        query = query.where(or_(q.c.created_at < at, and_(q.c.created_at == at, q.c.id < quote_id)))
    query = query.order_by(q.c.created_at.desc(), q.c.id.desc()).limit(limit)
    return [dict(r) for r in conn.execute(query).mappings()]


def expiring(
    conn: Connection, today: Any, statuses: Collection[str], limit: int = 500
) -> list[str]:
    """Quotes in ``statuses`` whose current version was valid until before ``today``."""
    query = (
        select(QUOTES.c.id)
        .join(
            VERSIONS,
            and_(
                VERSIONS.c.quote_id == QUOTES.c.id, VERSIONS.c.version == QUOTES.c.current_version
            ),
        )
        .where(QUOTES.c.status.in_(list(statuses)), VERSIONS.c.valid_until < today)
        .limit(limit)
    )
    return [str(v) for v in conn.execute(query).scalars()]
