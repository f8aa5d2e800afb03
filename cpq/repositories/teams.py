"""Users' names and roles, for the views that show who did what."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import Connection, Table, select

from cpq.db.people import UserRow

USERS: Table = UserRow.__table__  # type: ignore[attr-defined]


def names(conn: Connection, ids: Collection[int]) -> dict[int, dict[str, str]]:
    if not ids:
        return {}
    query = select(
        USERS.c.id, USERS.c.username, USERS.c.display_name, USERS.c.role, USERS.c.email
    ).where(USERS.c.id.in_(list(ids)))
    return {
        int(r.id): {
            "username": r.username,
            "display_name": r.display_name,
            "role": r.role,
            "email": r.email or "",
        }
        for r in conn.execute(query)
    }
