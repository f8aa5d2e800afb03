"""Fixtures for access tests: a small team in a migrated database, and an API client."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from access_helpers import PASSWORD, app_client
from fastapi.testclient import TestClient
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher
from sqlalchemy import Engine

from cpq.auth import passwords
from cpq.auth.principal import Role
from cpq.services import people

# Still argon2id, with the smallest cost: the tests hash and check dozens of passwords, and the
# recommended cost (64 MiB, 3 passes) takes seconds each on a busy test machine.
_CHEAP = PasswordHash((Argon2Hasher(time_cost=1, memory_cost=1024, parallelism=1),))


@pytest.fixture(autouse=True)
def cheap_argon2(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """A module that sets ``REAL_ARGON2 = True`` keeps the production parameters."""
    if not getattr(request.module, "REAL_ARGON2", False):
        monkeypatch.setattr(passwords, "_hasher", lambda: _CHEAP)


@pytest.fixture
def team(engine: Engine) -> dict[str, int]:
    """dora (director) <- mark (manager) <- rosa (rep); fay (finance); bot (rep, no password)."""
    with engine.begin() as conn:
        ids = {
            "dora": people.create_user(conn, "dora", "Dora", Role.DIRECTOR, None, PASSWORD).id,
            "mark": people.create_user(conn, "mark", "Mark", Role.MANAGER, "dora", PASSWORD).id,
            "rosa": people.create_user(conn, "rosa", "Rosa", Role.REP, "mark", PASSWORD).id,
            "fay": people.create_user(conn, "fay", "Fay", Role.FINANCE, None, PASSWORD).id,
            "bot": people.create_user(conn, "bot", "CRM bot", Role.REP, "mark", None).id,
        }
    return {name: int(i or 0) for name, i in ids.items()}


@pytest.fixture
def client(db_url: str, team: dict[str, int]) -> Iterator[TestClient]:
    with app_client(db_url) as client:
        yield client
