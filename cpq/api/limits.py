"""Limits a client can plan around: the request body size, and a rate limit per caller.

Both are pure ASGI middleware. ``RequestLimits`` answers ``413`` to a body over
``CPQ_MAX_BODY_BYTES`` (by ``Content-Length`` before reading, and by counting the bytes of a
chunked body as they arrive) and makes ``CPQ_MAX_QUOTE_LINES`` known to the quote schemas.
``RateLimit`` keeps a token bucket per caller in the database (table ``rate_limits``), shared by
every API process: ``CPQ_RATE_LIMIT_PER_MINUTE`` tokens a minute, at most
``CPQ_RATE_LIMIT_BURST`` at once; an empty bucket answers ``429`` with ``Retry-After``.
See docs/api-conventions.md, "Limits".
"""

from __future__ import annotations

import math
import time
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

import anyio
from sqlalchemy import Engine
from starlette.requests import Request, cookie_parser
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cpq.api.idempotency import SESSION_COOKIE
from cpq.api.openapi import Amendment, Spec, operations
from cpq.api.problems import MEDIA_TYPE, problem_response
from cpq.auth import tokens
from cpq.repositories import rate_limits as buckets
from cpq.repositories.rate_limits import Taken
from cpq.settings import Settings, get_settings

# Load balancers probe these; they are never limited.
UNLIMITED_PATHS = frozenset({"/healthz", "/readyz"})

# The quote lines maximum of the app serving this request (see ``max_quote_lines``).
_max_quote_lines: ContextVar[int | None] = ContextVar("max_quote_lines", default=None)


def max_quote_lines() -> int:
    """The most lines a quote may have, options included: the serving app's setting."""
    found = _max_quote_lines.get()
    return get_settings().max_quote_lines if found is None else found


def _header(scope: Scope, name: bytes) -> str | None:
    return next((v.decode("latin-1") for k, v in scope["headers"] if k.lower() == name), None)


# -- the body size limit --


def declared_length(scope: Scope) -> int | None:
    """The request's Content-Length, if it sends a usable one."""
    value = _header(scope, b"content-length")
    return int(value) if value is not None and value.strip().isdigit() else None


class RequestLimits:
    """Refuses a request body over ``max_body_bytes`` with 413 problem+json."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.max_bytes = settings.max_body_bytes
        self.max_quote_lines = settings.max_quote_lines

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        token = _max_quote_lines.set(self.max_quote_lines)
        try:
            await self._limit(scope, receive, send)
        finally:
            _max_quote_lines.reset(token)

    async def _limit(self, scope: Scope, receive: Receive, send: Send) -> None:
        length = declared_length(scope)
        if length is not None and length > self.max_bytes:
            await self._refuse(scope, receive, send, f"its Content-Length is {length} bytes")
            return
        received = 0
        refused = started = answered = False

        async def counting_receive() -> Message:
            nonlocal received, refused, answered
            if refused:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    # Answer now (unless the app already has); the app sees a client that went
                    # away, and what it answers after is dropped.
                    refused = True
                    if not started:
                        answered = True
                        seen = f"more than {self.max_bytes} bytes"
                        await self._refuse(scope, receive, send, seen)
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if not answered:
                started = True
                await send(message)

        await self.app(scope, counting_receive, guarded_send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, seen: str) -> None:
        detail = (
            f"a request body may have at most {self.max_bytes} bytes (CPQ_MAX_BODY_BYTES); "
            f"this one has {seen}"
        )
        response = problem_response(
            Request(scope),
            413,
            "body_too_large",
            "Request body too large",
            detail,
            max_body_bytes=self.max_bytes,
        )
        await response(scope, receive, send)


# -- the rate limit: who is calling, and what the headers say --


@dataclass(frozen=True, slots=True)
class Caller:
    kind: str  # token, bearer, session, ip
    value: str

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.value}"


def caller_of(authorization: str | None, cookie_header: str | None, client: str | None) -> Caller:
    """Whose bucket a request takes from: an API token's prefix (any other Bearer credential by
    its hash), else the session cookie (resolved to its user by the shell), else the client IP.
    The credential is not checked here: a wrong one is answered 401 by the route."""
    if authorization:
        scheme, _, value = authorization.partition(" ")
        parts = tokens.parse_token(value) if scheme.lower() == "bearer" else None
        if parts is not None:
            return Caller("token", parts.prefix)
        return Caller("bearer", tokens.sha256_hex(authorization))
    session = cookie_parser(cookie_header or "").get(SESSION_COOKIE)
    if session:
        return Caller("session", tokens.session_id(session))
    return Caller("ip", client or "unknown")


def retry_after(tokens_left: float, per_second: float) -> int:
    """Whole seconds until the bucket holds a token again (at least 1)."""
    return max(1, math.ceil((1.0 - tokens_left) / per_second))


def rate_headers(taken: Taken, per_second: float, burst: int) -> dict[str, str]:
    """``RateLimit-*`` (draft-ietf-httpapi-ratelimit-headers): the burst, the requests that may
    be made at once now, and the seconds until the bucket is full again."""
    left = max(0.0, taken.tokens)
    return {
        "RateLimit-Limit": str(burst),
        "RateLimit-Remaining": str(math.floor(left)),
        "RateLimit-Reset": str(max(0, math.ceil((burst - left) / per_second))),
    }


def take_token(engine: Engine, caller: Caller, now: float, per_second: float, burst: int) -> Taken:
    """The shell: a session is counted against its user; then one atomic statement."""
    key = caller.key
    if caller.kind == "session":
        with engine.connect() as conn:
            user_id = buckets.session_user(conn, caller.value)
        if user_id is not None:
            key = f"user:{user_id}"
    with engine.begin() as conn:
        return buckets.take(conn, key, now, per_second, burst)


class RateLimit:
    """Takes a token per request from the caller's bucket; 429 problem+json when empty. Every
    answer carries the ``RateLimit-*`` headers."""

    def __init__(self, app: ASGIApp, engine: Engine, settings: Settings) -> None:
        self.app = app
        self.engine = engine
        self.per_second = settings.rate_limit_per_minute / 60.0
        self.burst = settings.rate_limit_burst

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self.per_second or scope["path"] in UNLIMITED_PATHS:
            await self.app(scope, receive, send)
            return
        client = scope.get("client")
        caller = caller_of(
            _header(scope, b"authorization"),
            "; ".join(v.decode("latin-1") for k, v in scope["headers"] if k.lower() == b"cookie"),
            client[0] if client else None,
        )
        taken = await anyio.to_thread.run_sync(
            take_token, self.engine, caller, time.time(), self.per_second, self.burst
        )
        headers = rate_headers(taken, self.per_second, self.burst)
        if not taken.granted:
            wait = retry_after(taken.tokens, self.per_second)
            detail = (
                f"more than {self.burst} requests at once, or over "
                f"{round(self.per_second * 60)} a minute; retry in {wait} s"
            )
            response = problem_response(
                Request(scope),
                429,
                "rate_limited",
                "Too many requests",
                detail,
                {**headers, "Retry-After": str(wait)},
                retry_after=wait,
            )
            await response(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                extra = [(k.lower().encode(), v.encode()) for k, v in headers.items()]
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        await self.app(scope, receive, send_with_headers)


# -- OpenAPI --

_BODY_METHODS = frozenset({"post", "put", "patch"})
_PROBLEM = {MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}


def limit_responses(settings: Settings) -> tuple[dict[str, Any], dict[str, Any]]:
    """The OpenAPI 413 and 429 responses."""
    integer = {"schema": {"type": "integer"}}
    too_large = {
        "description": f"Request body over {settings.max_body_bytes} bytes (`body_too_large`)",
        "content": _PROBLEM,
    }
    too_many = {
        "description": "Too many requests (`rate_limited`): wait `Retry-After` seconds",
        "content": _PROBLEM,
        "headers": {
            "Retry-After": {**integer, "description": "Seconds to wait (at least 1)."},
            "RateLimit-Limit": {**integer, "description": "The burst."},
            "RateLimit-Remaining": {**integer, "description": "Requests left now."},
            "RateLimit-Reset": {**integer, "description": "Seconds until full again."},
        },
    }
    return too_large, too_many


def limit_amendment(settings: Settings) -> Amendment:
    """Declare 413 on every operation taking a body and 429 (with its headers) on every limited
    one."""
    too_large, too_many = limit_responses(settings)

    def amendment(spec: Spec) -> None:
        for path, method, operation in operations(spec):
            answers = operation.setdefault("responses", {})
            if method in _BODY_METHODS:
                answers.setdefault("413", too_large)
            if settings.rate_limit_per_minute and path not in UNLIMITED_PATHS:
                answers.setdefault("429", too_many)

    return amendment
