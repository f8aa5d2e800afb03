"""The webhook delivery loop, as a thread of an API process or the body of `cpq worker`."""

from __future__ import annotations

import logging
import threading

from sqlalchemy import Engine

from cpq.settings import Settings

log = logging.getLogger("cpq.webhooks")


class WebhookWorker:
    """Every ``webhook_interval_seconds``: dispatch the outbox, send the deliveries due."""

    def __init__(self, engine: Engine, settings: Settings) -> None:
        self.engine, self.settings = engine, settings
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self.run, name="cpq-webhooks", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop_soon(self) -> None:
        """Ask the loop to end after the round in hand."""
        self._stop.set()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=self.settings.webhook_timeout_seconds + 5)

    def run(self) -> None:
        from cpq.services import webhooks

        with webhooks.http_client(self.settings.webhook_timeout_seconds) as client:
            while True:
                try:
                    events, attempts = webhooks.run_once(self.engine, client)
                    if events or attempts:
                        log.info("webhooks: %d events dispatched, %d attempts", events, attempts)
                except Exception:  # a failing round must not stop the next one; it is logged
                    log.exception("webhook delivery failed")
                if self._stop.wait(self.settings.webhook_interval_seconds):
                    return
