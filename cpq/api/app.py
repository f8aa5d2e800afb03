"""The FastAPI application."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress

from fastapi import FastAPI

from cpq import __version__
from cpq.api import (
    approvals,
    auth,
    catalog,
    configurations,
    delegations,
    documents,
    health,
    pricing,
    problems,
    quotes,
    sync_runs,
)
from cpq.api.idempotency import IdempotencyMiddleware
from cpq.api.jobs import JobRunner
from cpq.db.engine import engine_for
from cpq.documents.workers import close_pools
from cpq.errors import RuleSetInvalid
from cpq.services.pricing import engine_for as pricing_engine_for
from cpq.settings import Settings, get_settings

DESCRIPTION = """
Configure-price-quote service. The catalog (items, price lists, customers, exchange rates) is a
read-only replica of the back office, synced as versioned snapshots; writes to it answer 405.
Errors are RFC 9457 `application/problem+json`. Listings use cursor pagination: pass
`next_cursor` back as `cursor`; a catalog listing stays on one catalog version across pages.
"""


def _warm_rule_set(settings: Settings) -> None:
    """Load the pricing rule set before the first price request asks for it (a large one takes
    seconds); a rule set that does not load is reported by /v1/price itself."""
    with suppress(RuleSetInvalid):
        pricing_engine_for(settings.rules_dir)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        threading.Thread(target=_warm_rule_set, args=(settings,), daemon=True).start()
        jobs = JobRunner(app.state.engine, settings)
        jobs.start()
        yield
        jobs.stop()
        close_pools()  # the document render workers, if any were started

    app = FastAPI(title="CPQ", version=__version__, description=DESCRIPTION, lifespan=lifespan)
    app.state.settings = settings
    app.state.engine = engine_for(settings.database_url)
    problems.install(app)
    app.add_middleware(IdempotencyMiddleware, engine=app.state.engine, settings=settings)
    app.include_router(health.router)
    app.include_router(catalog.router)
    app.include_router(sync_runs.router)
    app.include_router(pricing.router)
    app.include_router(configurations.router)
    app.include_router(auth.router)
    app.include_router(delegations.router)
    app.include_router(quotes.router)
    app.include_router(approvals.router)
    app.include_router(documents.router)
    return app
