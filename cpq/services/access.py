"""Who may see and change which quote.

A rep sees their own quotes; a manager or director also their team's (everyone below them in
the reporting line); finance and admins see every quote; anyone asked to approve a quote (or
deciding for someone who is, by delegation) sees it. Only the owner changes a quote. A quote
the caller may not see answers 404, exactly as one that does not exist.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Connection, select

from cpq.auth.principal import Principal, Role
from cpq.errors import Forbidden, NotFound
from cpq.repositories import quotes as quote_rows
from cpq.repositories.approvals import APPROVALS
from cpq.services.delegations import delegators_for
from cpq.services.people import people_directory

SEE_ALL = frozenset({Role.FINANCE, Role.ADMIN})
SEE_TEAM = frozenset({Role.MANAGER, Role.DIRECTOR})


def team_of(conn: Connection, user_id: int) -> set[int]:
    """``user_id`` and everyone reporting to them, directly or not."""
    reports: dict[int, list[int]] = {}
    for person in people_directory(conn).values():
        if person.manager_id is not None:
            reports.setdefault(person.manager_id, []).append(person.id)
    team, todo = {user_id}, [user_id]
    while todo:
        for report in reports.get(todo.pop(), ()):
            if report not in team:
                team.add(report)
                todo.append(report)
    return team


def visible_owners(conn: Connection, who: Principal) -> set[int] | None:
    """Owners whose quotes ``who`` sees (None: all)."""
    if who.role in SEE_ALL:
        return None
    if who.role in SEE_TEAM:
        return team_of(conn, who.user_id)
    return {who.user_id}


def deciders(conn: Connection, who: Principal, today: date) -> frozenset[int]:
    """Whose approvals ``who`` decides today: their own and their delegators'."""
    return frozenset({who.user_id}) | delegators_for(conn, who.user_id, today)


def _asked(conn: Connection, quote_id: str, approvers: frozenset[int]) -> bool:
    query = select(APPROVALS.c.id).where(
        APPROVALS.c.quote_id == quote_id, APPROVALS.c.approver_id.in_(list(approvers))
    )
    return conn.execute(query.limit(1)).first() is not None


def can_see(conn: Connection, who: Principal, quote: dict[str, Any], today: date) -> bool:
    owners = visible_owners(conn, who)
    if owners is None or quote["owner_id"] in owners:
        return True
    return _asked(conn, quote["id"], deciders(conn, who, today))


def visible_quote(conn: Connection, who: Principal, quote_id: str, today: date) -> dict[str, Any]:
    found = quote_rows.quote(conn, quote_id)
    if found is None or not can_see(conn, who, found, today):
        raise NotFound(f"quote {quote_id} does not exist")
    return found


def owned_quote(conn: Connection, who: Principal, quote_id: str, today: date) -> dict[str, Any]:
    found = visible_quote(conn, who, quote_id, today)
    if found["owner_id"] != who.user_id:
        raise Forbidden(
            f"quote {found['number']} belongs to another rep: only its owner can change it"
        )
    return found
