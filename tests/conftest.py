"""Databases for tests: a fresh, migrated database per test, on SQLite or PostgreSQL.

SQLite is used by default. With ``CPQ_TEST_DATABASE_URL`` (e.g.
``postgresql://postgres@127.0.0.1:5432/test``) every database test runs on PostgreSQL instead:
the schema is migrated once into a template database and each test gets a copy of it.
An unreachable PostgreSQL fails the run; it is never skipped.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from databases import PG_URL, WORKER, _admin_engine, backend, fresh_database
from hypothesis import settings
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

from cpq.db.engine import make_engine, normalise_url
from cpq.db.migrate import upgrade

__all__ = ["PG_URL", "backend", "fresh_database"]

# The suite runs on busy CI machines, beside browsers and servers: a property test's examples
# are judged by what they find, never by how long one took (speed is measured in bench/).
settings.register_profile("cpq", deadline=None)
settings.load_profile("cpq")


@pytest.fixture(scope="session")
def template_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A database migrated to head once per session, copied for each test."""
    if not PG_URL:
        path = tmp_path_factory.mktemp("template") / "template.sqlite3"
        engine = make_engine(f"sqlite:///{path}")
        upgrade(engine)
        engine.dispose()
        yield f"sqlite:///{path}"
        return
    admin = _admin_engine()
    try:
        with admin.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # a configured PostgreSQL that is not there is a failure
        pytest.exit(
            f"CPQ_TEST_DATABASE_URL is set but PostgreSQL is unreachable: {exc}", returncode=3
        )
    name = f"cpq_tpl_{WORKER}_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(normalise_url(PG_URL)).set(database=name).render_as_string(hide_password=False)
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def db_url(template_url: str, tmp_path: Path) -> Iterator[str]:
    """A fresh database at the latest migration, for this test only."""
    with fresh_database(template_url, tmp_path) as url:
        yield url


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def empty_db_url(tmp_path: Path) -> Iterator[str]:
    """A database with no schema at all (for migration tests)."""
    if not PG_URL:
        yield f"sqlite:///{tmp_path / 'empty.sqlite3'}"
        return
    name = f"cpq_e_{WORKER}_{uuid.uuid4().hex[:10]}"
    admin = _admin_engine()
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(normalise_url(PG_URL)).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()
