"""The FastAPI application."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress

from fastapi import FastAPI
from fastapi.routing import APIRoute

from cpq import __version__
from cpq.api import (
    approvals,
    auth,
    catalog,
    configurations,
    delegations,
    documents,
    health,
    limits,
    links,
    openapi,
    pricing,
    problems,
    quotes,
    security,
    sync_runs,
    webhooks,
)
from cpq.api.idempotency import IdempotencyMiddleware, idempotency_amendment
from cpq.api.jobs import JobRunner
from cpq.api.nul_guard import RefuseNul
from cpq.db.engine import engine_for
from cpq.documents.workers import close_pools
from cpq.errors import RuleSetInvalid
from cpq.services.pricing import engine_for as pricing_engine_for
from cpq.settings import Settings, delivers_webhooks_in_process, get_settings
from cpq.web import app as pages
from cpq.webhooks.runner import WebhookWorker

DESCRIPTION = """
Configure-price-quote service. The catalog (items, price lists, customers, exchange rates) is a
read-only replica of the back office, synced as versioned snapshots; writes to it answer 405.
Every other operation but `/healthz`, `/readyz` and logging in takes a credential, as its
`security` says: an API token, or a web session (with its CSRF token on changes).
Errors are RFC 9457 `application/problem+json`. Listings use cursor pagination: pass
`next_cursor` back as `cursor`; a catalog listing stays on one catalog version across pages.
"""

LIMITS = """
**Limits** (docs/api-conventions.md, "Limits"):

- A request body has at most {body} bytes (`CPQ_MAX_BODY_BYTES`); a larger one, whether it
  declares its `Content-Length` or is sent chunked, is answered `413` (`body_too_large`).
- {rate}
- A quote has at most {lines:,} lines, options included (`CPQ_MAX_QUOTE_LINES`); more is `422`
  naming `body.lines`.
"""


def describe(settings: Settings) -> str:
    """The OpenAPI description, with the limits this server enforces."""
    if settings.rate_limit_per_minute:
        rate = (
            f"Each caller (an API token, a signed-in user, else a client IP address) may make "
            f"{settings.rate_limit_per_minute} requests a minute (`CPQ_RATE_LIMIT_PER_MINUTE`), "
            f"at most {settings.rate_limit_burst} at once (`CPQ_RATE_LIMIT_BURST`): a token "
            "bucket shared by all server processes. Over it, `429` (`rate_limited`) with "
            "`Retry-After` (whole seconds). Every answer carries `RateLimit-Limit` (the burst), "
            "`RateLimit-Remaining` and `RateLimit-Reset` (seconds until the bucket is full "
            "again). `/healthz` and `/readyz` are not limited."
        )
    else:
        rate = "This server sets no rate limit (`CPQ_RATE_LIMIT_PER_MINUTE` is 0)."
    stated = LIMITS.format(body=settings.max_body_bytes, rate=rate, lines=settings.max_quote_lines)
    return DESCRIPTION + stated


def operation_id(route: APIRoute) -> str:
    """An operation's id is its function's name (``create_quote``, ``approve``): what a client
    generated from the OpenAPI document calls it."""
    return route.name


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
        deliveries = WebhookWorker(app.state.engine, settings)
        if delivers_webhooks_in_process(settings):
            deliveries.start()
        yield
        deliveries.stop()
        jobs.stop()
        close_pools()  # the document render workers, if any were started

    app = FastAPI(
        title="CPQ",
        version=__version__,
        description=describe(settings),
        lifespan=lifespan,
        generate_unique_id_function=operation_id,
    )
    app.state.settings = settings
    app.state.engine = engine_for(settings.database_url)
    problems.install(app)
    app.add_middleware(IdempotencyMiddleware, engine=app.state.engine, settings=settings)
    app.add_middleware(RefuseNul)  # before the key is claimed: junk is not stored
    # Added last, run first: the rate limit, the body size, NUL characters, the idempotency key.
    app.add_middleware(limits.RequestLimits, settings=settings)
    app.add_middleware(limits.RateLimit, engine=app.state.engine, settings=settings)
    app.include_router(health.router)
    app.include_router(catalog.router)
    app.include_router(catalog.refused_writes)
    app.include_router(sync_runs.router)
    app.include_router(pricing.router)
    app.include_router(configurations.router)
    app.include_router(auth.router)
    app.include_router(delegations.router)
    app.include_router(quotes.router)
    app.include_router(approvals.router)
    app.include_router(documents.router)
    app.include_router(webhooks.router)
    pages.install(app)  # the web pages (not in the OpenAPI schema)
    openapi.amend(
        app,
        [
            limits.limit_amendment(settings),
            idempotency_amendment,
            problems.problem_amendment,
            links.links_amendment,
            security.security_amendment,
        ],
    )
    return app
