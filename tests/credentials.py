"""A credential for tests that call the API: an API token acting for a user made for it."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Engine

from cpq.auth.principal import Role, Scope
from cpq.db.engine import make_engine
from cpq.services import people


def api_token(
    database: Engine | str,
    username: str = "crm",
    role: Role = Role.REP,
    scopes: Iterable[Scope] = (Scope.QUOTES_READ,),
) -> str:
    """The plaintext of a new token with ``scopes`` acting for ``username``, a new user of
    ``role`` without a password; ``database`` is an engine or a database URL."""
    engine = make_engine(database) if isinstance(database, str) else database
    try:
        with engine.begin() as conn:
            people.create_user(conn, username, username.title(), role)
            _, plaintext = people.create_token(conn, "test client", username, list(scopes))
    finally:
        if isinstance(database, str):
            engine.dispose()
    return plaintext


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
