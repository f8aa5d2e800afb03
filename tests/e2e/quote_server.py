"""A real ``cpq serve --workers N`` on a prepared database, for the quote concurrency tests.

``prepare(url)`` syncs the demo catalog into a migrated database, seeds the demo team and gives
every member an API token with every scope. ``serving(url, workers)`` starts the server as a
subprocess and waits until every worker process has started. PostgreSQL runs several workers
(production); SQLite one (several processes on one SQLite file are not a supported setup).

The server's output goes to a file, not a pipe: uvicorn logs every request, and a pipe nobody
reads fills up after a few hundred of them and stalls the server.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import httpx
from databases import PG_URL
from e2e_env import cpq_env, free_port
from sqlalchemy import Engine

from cpq.auth.principal import Scope
from cpq.db.engine import make_engine
from cpq.services import people
from cpq.services.catalog_sync import run_sync
from cpq.services.demo_team import TEAM, seed_demo_team
from cpq.settings import REPO_ROOT
from cpq.sync.mapping import load_profile
from cpq.sync.sources.files import FolderSource

DEMO_EXPORT = REPO_ROOT / "catalog" / "demo-export"
MODELS = REPO_ROOT / "catalog" / "models"
RULES = REPO_ROOT / "pricing_rules"
USERS = tuple(m.username for m in TEAM)
T = TypeVar("T")


def workers() -> int:
    """Several processes on PostgreSQL (production); one on SQLite."""
    return 3 if PG_URL else 1


def prepare(url: str) -> dict[str, str]:
    """Sync the demo catalog into the migrated database at ``url``, seed the demo team, and
    give every member a token with every scope. Username -> token."""
    engine = make_engine(url)
    try:
        run_sync(engine, FolderSource(DEMO_EXPORT), load_profile("canonical"), models_dir=MODELS)
        tokens: dict[str, str] = {}
        with engine.begin() as conn:
            seed_demo_team(conn)
            for user in USERS:
                _row, secret = people.create_token(
                    conn, f"concurrency {user}", user, [s.value for s in Scope]
                )
                tokens[user] = secret
        return tokens
    finally:
        engine.dispose()


@dataclass(frozen=True)
class QuoteServer:
    url: str
    database_url: str
    tokens: Mapping[str, str]
    workers: int
    log: Path

    def client(self, user: str) -> httpx.Client:
        return httpx.Client(
            base_url=self.url,
            headers={"Authorization": f"Bearer {self.tokens[user]}"},
            timeout=60,
        )

    def engine(self) -> Engine:
        return make_engine(self.database_url)


def _started(log: Path) -> set[str]:
    """Worker processes that finished starting (uvicorn logs each one's pid, then its startup)."""
    text = log.read_text(errors="replace")
    pids = re.findall(r"Started server process \[(\d+)\]", text)
    return set(pids) if text.count("Application startup complete") >= len(pids) else set()


class PortTaken(Exception):
    """Another process bound the free port first (free_port only says it was free)."""


def _start(
    port: int, env: dict[str, str], workers: int, log: Path, timeout: float
) -> subprocess.Popen[str]:
    """``cpq serve`` on ``port``, once every worker has started and /healthz answers."""
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "cpq", "serve", "--port", str(port), "--workers", str(workers)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            text=True,
        )
    deadline = time.monotonic() + timeout
    try:
        while True:
            if process.poll() is not None:
                output = log.read_text()
                if "address already in use" in output:
                    raise PortTaken(port)
                raise AssertionError(f"cpq serve exited with {process.returncode}:\n{output}")
            if len(_started(log)) >= workers:
                try:
                    if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                        return process
                except httpx.TransportError:
                    pass
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"cpq serve did not start {workers} workers within {timeout}s:\n"
                    f"{log.read_text()}"
                )
            time.sleep(0.2)
    except BaseException:
        _stop(process)
        raise


def _stop(process: subprocess.Popen[str]) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextmanager
def serving(
    database_url: str, tokens: Mapping[str, str], workers: int, timeout: float = 90
) -> Iterator[QuoteServer]:
    """``cpq serve --workers N`` on ``database_url`` (already prepared), until every worker has
    started and /healthz answers; stopped afterwards."""
    env = cpq_env(database_url=database_url, rules_dir=str(RULES), product_models_dir=str(MODELS))
    with tempfile.TemporaryDirectory(prefix="cpq-serve-") as folder:
        log = Path(folder) / "serve.log"
        for attempt in range(3):
            port = free_port()
            try:
                process = _start(port, env, workers, log, timeout)
                break
            except PortTaken:
                if attempt == 2:
                    raise
        try:
            yield QuoteServer(f"http://127.0.0.1:{port}", database_url, dict(tokens), workers, log)
        finally:
            _stop(process)


def together(calls: Sequence[Callable[[], T]], warm: Callable[[int], Any] | None = None) -> list[T]:
    """Run every call in its own thread, released at once by a barrier; their results in order.

    ``warm(i)`` runs in thread ``i`` before the barrier (e.g. to open its HTTP connection), so
    that what the barrier releases is the requests themselves, not connection set-up."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)
    errors: list[BaseException] = []

    def run(i: int) -> None:
        try:
            if warm is not None:
                warm(i)
            barrier.wait(timeout=60)
            results[i] = calls[i]()
        except BaseException as exc:  # reported to the test below, not lost in the thread
            errors.append(exc)
            barrier.abort()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return results
