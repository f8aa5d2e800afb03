"""One sync at a time per database, across processes and machines."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from filelock import FileLock, Timeout
from sqlalchemy import Engine, text

from cpq.errors import SyncInProgress

_ADVISORY_KEY = 0x43505153594E43  # "CPQSYNC"
_memory_lock = threading.Lock()
_BUSY = "another sync of this catalog is running; try again when it has finished"


@contextmanager
def sync_lock(engine: Engine) -> Iterator[None]:
    """Hold the sync lock or raise ``SyncInProgress`` at once.

    PostgreSQL: a session advisory lock, released by the server if the process dies.
    SQLite: an OS file lock beside the database file, released by the OS likewise.
    """
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            if not conn.execute(
                text("SELECT pg_try_advisory_lock(:k)"), {"k": _ADVISORY_KEY}
            ).scalar():
                raise SyncInProgress(_BUSY)
            conn.commit()
            try:
                yield
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _ADVISORY_KEY})
                conn.commit()
        return
    database = engine.url.database
    if not database or database == ":memory:":
        if not _memory_lock.acquire(blocking=False):
            raise SyncInProgress(_BUSY)
        try:
            yield
        finally:
            _memory_lock.release()
        return
    lock = FileLock(f"{database}.sync-lock")
    try:
        lock.acquire(timeout=0)
    except Timeout:
        raise SyncInProgress(_BUSY) from None
    try:
        yield
    finally:
        lock.release()
