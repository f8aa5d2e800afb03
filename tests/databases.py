"""Database helpers shared by the fixtures (tests/conftest.py) and test modules."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from cpq.db.engine import normalise_url

PG_URL = os.environ.get("CPQ_TEST_DATABASE_URL")
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "main")


def backend() -> str:
    return "postgresql" if PG_URL else "sqlite"


def _admin_engine() -> Engine:
    assert PG_URL
    return create_engine(normalise_url(PG_URL), isolation_level="AUTOCOMMIT")


@contextmanager
def fresh_database(template_url: str, folder: Path) -> Iterator[str]:
    """A new database at the latest migration, dropped afterwards."""
    if not PG_URL:
        path = folder / f"cpq-{uuid.uuid4().hex[:8]}.sqlite3"
        shutil.copyfile(make_url(template_url).database or "", path)
        yield f"sqlite:///{path}"
        return
    template = make_url(template_url).database
    name = f"cpq_t_{WORKER}_{uuid.uuid4().hex[:10]}"
    admin = _admin_engine()
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    try:
        yield make_url(template_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
