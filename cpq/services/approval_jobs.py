"""Background jobs: escalate approvals left pending too long, expire quotes past their validity.

Safe with several processes running them at once: every change is a guarded UPDATE (only a
still-pending approval is escalated, only a quote still in an open status expires), so a second
runner finds nothing left to do. Each item is its own transaction: one failure stops nothing else.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from cpq.approvals.routing import Person
from cpq.errors import CPQError
from cpq.quotes.lifecycle import QuoteAction, QuoteStatus, next_status
from cpq.repositories import approvals as approval_rows
from cpq.repositories import idempotency as idempotency_keys
from cpq.repositories import quotes as quote_rows
from cpq.services.approval_policy import policy_for
from cpq.services.audit import record
from cpq.services.people import people_directory

log = logging.getLogger("cpq.jobs")

OPEN = (
    QuoteStatus.DRAFT,
    QuoteStatus.PENDING_APPROVAL,
    QuoteStatus.APPROVED,
    QuoteStatus.REJECTED,
    QuoteStatus.SENT,
)


@dataclass(frozen=True, slots=True)
class JobReport:
    escalated: int = 0
    not_escalated: int = 0  # no level above, or nobody there: left with its approver
    expired: int = 0
    idempotency_keys_purged: int = 0


def _superior(
    row: Mapping[str, Any], owner: int, people: Mapping[int, Person]
) -> tuple[list[int], str]:
    """Who an overdue approval goes to: the approver's own superior, the first active person
    above them in the reporting line (never the quote's owner). None found: why."""
    approver = people.get(row["approver_id"])
    seen: set[int] = set()
    up = approver.manager_id if approver is not None else None
    while up is not None and up not in seen:
        seen.add(up)
        person = people.get(up)
        if person is None:
            break
        if person.active and person.id != owner:
            return [person.id], ""
        up = person.manager_id
    name = approver.name if approver is not None else f"user {row['approver_id']}"
    return [], f"nobody above {name} in the reporting line to escalate to"


def escalate_overdue(engine: Engine, rules_dir: Path, now: datetime) -> tuple[int, int]:
    """Hand each approval pending past its level's time to the approver's superior (the next
    level up the reporting line), for the same level; it may escalate again from there.
    Returns (escalated, left as they were)."""
    with engine.connect() as conn:
        due = approval_rows.overdue(conn, now)
    if not due:
        return 0, 0
    known = {lv.code: lv for lv in policy_for(rules_dir).levels}
    escalated = left = 0
    for row in due:
        with engine.begin() as conn:
            quote = quote_rows.quote(conn, row["quote_id"])
            assert quote is not None
            targets, problem = _superior(row, quote["owner_id"], people_directory(conn))
            if not targets:
                approval_rows.clear_due(conn, row["id"])
                record(
                    conn,
                    quote,
                    row["version"],
                    None,
                    "escalation_skipped",
                    now,
                    comment=problem,
                    snapshot_hash=row["snapshot_hash"],
                    data={"approval_id": row["id"], "level": row["level"]},
                )
                left += 1
                continue
            # Lock the quote as a decision would; skip it if it is no longer waiting.
            pending = [QuoteStatus.PENDING_APPROVAL.value]
            if (
                quote_rows.bump(conn, quote["id"], None, {"updated_at": now}, statuses=pending)
                is None
            ):
                continue
            if not approval_rows.escalate(conn, row["id"], now):
                conn.rollback()
                continue
            after = known[row["level"]].escalate_after if row["level"] in known else None
            approval_rows.add(
                conn,
                [
                    {
                        **{
                            k: row[k]
                            for k in (
                                "quote_id",
                                "version",
                                "snapshot_hash",
                                "level",
                                "step",
                                "require",
                                "reasons",
                                "figures",
                            )
                        },
                        "approver_id": target,
                        "status": "pending",
                        "due_at": now + after if after is not None else None,
                        "escalated_from_id": row["id"],
                        "created_at": now,
                    }
                    for target in targets
                ],
            )
            record(
                conn,
                quote,
                row["version"],
                None,
                "approval_escalated",
                now,
                snapshot_hash=row["snapshot_hash"],
                data={
                    "approval_id": row["id"],
                    "level": row["level"],
                    "from": row["approver_id"],
                    "to": targets,
                },
                event="approval.escalated",
            )
            escalated += 1
    return escalated, left


def expire_quotes(engine: Engine, now: datetime) -> int:
    """Open quotes whose current version's validity ended before today become expired."""
    with engine.connect() as conn:
        ids = quote_rows.expiring(conn, now.date(), [s.value for s in OPEN])
    expired = 0
    for quote_id in ids:
        with engine.begin() as conn:
            quote = quote_rows.quote(conn, quote_id)
            assert quote is not None
            status = QuoteStatus(quote["status"])
            if status not in OPEN:
                continue
            to_status = next_status(status, QuoteAction.EXPIRE)
            values = {"status": to_status.value, "updated_at": now}
            if quote_rows.bump(conn, quote_id, quote["revision"], values) is None:
                continue  # changed meanwhile: the next run looks again
            version = quote_rows.version(conn, quote_id, quote["current_version"])
            assert version is not None
            quote_rows.update_version(conn, version["id"], {"status": to_status.value})
            approval_rows.void_open(conn, quote_id, version["version"], now)
            record(
                conn,
                quote,
                version["version"],
                None,
                "expired",
                now,
                from_status=status.value,
                to_status=to_status.value,
                snapshot_hash=version["snapshot_hash"],
                comment=f"valid until {version['valid_until']}",
            )
            expired += 1
    return expired


def purge_idempotency_keys(engine: Engine, now: datetime, keep: timedelta) -> int:
    with engine.begin() as conn:
        return idempotency_keys.purge(conn, now - keep, now)


def run_jobs(
    engine: Engine, rules_dir: Path, now: datetime, keep_keys: timedelta = timedelta(hours=24)
) -> JobReport:
    """Every job once: escalation, expiry, and the purge of idempotency keys older than
    ``keep_keys``."""
    try:
        escalated, left = escalate_overdue(engine, rules_dir, now)
    except CPQError as exc:  # e.g. the policy does not load: expiry still runs
        log.error("escalation skipped: %s", exc.detail)
        escalated = left = 0
    expired = expire_quotes(engine, now)
    return JobReport(escalated, left, expired, purge_idempotency_keys(engine, now, keep_keys))
