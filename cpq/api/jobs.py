"""The background jobs of a server process: every ``jobs_interval_seconds``, run the approval
escalation, quote expiry and idempotency-key purge, and drop refilled rate-limit buckets. Several processes may run them at once
(each change is a guarded UPDATE), so every worker simply runs its own."""

from __future__ import annotations

import logging
import threading
import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine

from cpq.repositories import rate_limits
from cpq.services.approval_jobs import run_jobs
from cpq.settings import Settings

log = logging.getLogger("cpq.jobs")


class JobRunner:
    def __init__(self, engine: Engine, settings: Settings) -> None:
        self.engine, self.settings = engine, settings
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="cpq-jobs", daemon=True)

    def start(self) -> None:
        if self.settings.jobs_interval_seconds > 0:
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=10)

    def _purge_rate_limits(self) -> None:
        """Buckets that refilled are the same as none: drop them, so idle callers cost no row."""
        per_minute = self.settings.rate_limit_per_minute
        if per_minute > 0:
            with self.engine.begin() as conn:
                rate_limits.purge_full(
                    conn, time.time(), per_minute / 60, self.settings.rate_limit_burst
                )

    def _loop(self) -> None:
        while not self._stop.wait(self.settings.jobs_interval_seconds):
            try:
                report = run_jobs(
                    self.engine,
                    self.settings.rules_dir,
                    datetime.now(UTC),
                    timedelta(hours=self.settings.idempotency_hours),
                )
                if report.escalated or report.expired:
                    log.info("jobs: %s", report)
                self._purge_rate_limits()
            except Exception:  # a failing run must not stop the next one; it is logged
                log.exception("background jobs failed")
