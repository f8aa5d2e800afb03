"""The FastAPI application."""

from __future__ import annotations

from fastapi import FastAPI

from cpq import __version__
from cpq.api import catalog, health, pricing, problems, sync_runs
from cpq.db.engine import engine_for
from cpq.settings import Settings, get_settings

DESCRIPTION = """
Configure-price-quote service. The catalog (items, price lists, customers, exchange rates) is a
read-only replica of the back office, synced as versioned snapshots; writes to it answer 405.
Errors are RFC 9457 `application/problem+json`. Listings use cursor pagination: pass
`next_cursor` back as `cursor`; a catalog listing stays on one catalog version across pages.
"""


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    app = FastAPI(title="CPQ", version=__version__, description=DESCRIPTION)
    app.state.settings = settings
    app.state.engine = engine_for(settings.database_url)
    problems.install(app)
    app.include_router(health.router)
    app.include_router(catalog.router)
    app.include_router(sync_runs.router)
    app.include_router(pricing.router)
    return app
