"""Engines for SQLite (the embedded default) and PostgreSQL (production, several processes)."""

from __future__ import annotations

import sqlite3
from datetime import date
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url


def normalise_url(url: str) -> str:
    """Use psycopg 3 for plain ``postgresql://`` URLs."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


# The bulk path writes through the driver; store decimals and dates in the text forms that the
# column types (ExactDecimal, Date) read back, converted in C rather than per value in Python.
sqlite3.register_adapter(Decimal, str)
sqlite3.register_adapter(date, date.isoformat)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets pages read the previous catalog version while a sync writes the next one.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def make_engine(url: str, **kwargs: Any) -> Engine:
    url = normalise_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False}, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    # Sync routes run on a pool of threads: keep enough connections open for them rather than
    # opening (and closing) an overflow connection, a new PostgreSQL backend, per request.
    kwargs.setdefault("pool_size", 15)
    kwargs.setdefault("max_overflow", 5)
    return create_engine(url, pool_pre_ping=True, **kwargs)


@lru_cache(maxsize=8)
def engine_for(url: str) -> Engine:
    return make_engine(url)
