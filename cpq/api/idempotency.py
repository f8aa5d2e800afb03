"""``Idempotency-Key`` on POST, with Stripe's semantics, safe across server processes.

A POST carrying the header claims the key (an INSERT committed on its own) before the route runs,
then stores the route's answer; the same request with the same key gets that answer again with
``Idempotent-Replayed: true``. Keys belong to the credential presented, so callers never see each
other's answers. 5xx answers and exceptions release the key so that a retry runs again.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any, TypeVar
from urllib.parse import parse_qsl

import anyio
from sqlalchemy import Engine
from starlette.requests import Request, cookie_parser
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cpq.api.openapi import operations
from cpq.api.problems import problem_response
from cpq.repositories import idempotency as keys
from cpq.repositories.idempotency import Claim, RequestSeen, StoredKey
from cpq.settings import Settings

HEADER = "Idempotency-Key"
SESSION_COOKIE = "cpq_session"
MAX_KEY_LENGTH = 255

# Answers worth replaying carry these; per-connection ones (Date, Server, Content-Length) and
# Set-Cookie (a session must never be handed out twice) are left out.
REPLAYED_HEADERS = frozenset(
    {
        "allow",
        "cache-control",
        "content-disposition",
        "content-language",
        "content-type",
        "etag",
        "last-modified",
        "link",
        "location",
        "www-authenticate",
    }
)
# "Try again later" answers are not results: storing them would refuse every retry for a day.
NOT_STORED_STATUSES = frozenset({408, 429})
_CLAIM_ATTEMPTS = 5
_TITLES = {
    400: "Invalid Idempotency-Key",
    409: "Idempotency-Key in use",
    422: "Idempotency-Key reused",
}

log = logging.getLogger("cpq.api.idempotency")
T = TypeVar("T")


# -- the OpenAPI document: every POST takes a key --

KEY_PARAMETER = {
    "name": HEADER,
    "in": "header",
    "required": False,
    "description": (
        "Retry safely: the same key and body replay the first answer (`Idempotent-Replayed: "
        "true`) for CPQ_IDEMPOTENCY_HOURS (24 h). Printable ASCII, 1 to 255 characters."
    ),
    "schema": {
        "type": "string",
        "minLength": 1,
        "maxLength": MAX_KEY_LENGTH,
        "pattern": "^[ -~]+$",
    },
}
REPLAYED_HEADER = {
    "description": "`true` when this is the stored answer to an earlier request with the key.",
    "schema": {"type": "string", "enum": ["true"]},
}
KEY_ANSWERS = {
    "400": "`invalid_idempotency_key`: the key is empty, too long, not printable ASCII or sent twice",
    "409": "`idempotency_key_in_use`: a request with this key is still running; retry after "
    "`Retry-After` seconds",
    "422": "`idempotency_key_reused`: the key was first used with another request",
}


def idempotency_amendment(spec: dict[str, Any]) -> None:
    """Declare the ``Idempotency-Key`` header on every POST, with the answers it can cause."""
    for _, method, operation in operations(spec):
        if method != "post":
            continue
        parameters = operation.setdefault("parameters", [])
        if not any(p.get("name") == HEADER and p.get("in") == "header" for p in parameters):
            parameters.append(KEY_PARAMETER)
        answers = operation.setdefault("responses", {})
        for status, answer in answers.items():
            if status.startswith("2"):
                answer.setdefault("headers", {})["Idempotent-Replayed"] = REPLAYED_HEADER
        for status, description in KEY_ANSWERS.items():
            if status in answers:
                answers[status]["description"] += f"; or {description}"
            else:
                answers[status] = {"description": f"Idempotency-Key: {description}"}


# -- the pure part: keys, callers, request fingerprints and what to do with a key seen before --


def key_problem(key: str) -> str | None:
    """Why ``key`` is not a usable Idempotency-Key, or None."""
    if not 1 <= len(key) <= MAX_KEY_LENGTH:
        return f"{HEADER} must be 1 to {MAX_KEY_LENGTH} characters long, not {len(key)}"
    if not all(" " <= ch <= "~" for ch in key):
        return f"{HEADER} must be printable ASCII characters only"
    return None


def caller_id(authorization: str | None, cookie_header: str | None) -> str | None:
    """SHA-256 hex of the credential presented (Authorization, else the session cookie)."""
    credential = authorization or cookie_parser(cookie_header or "").get(SESSION_COOKIE)
    return hashlib.sha256(credential.encode()).hexdigest() if credential else None


class _Number(str):
    """A JSON number kept as written: 1.0 and 1.00 are different requests, and no float
    rounding makes two different amounts look the same."""


def _canonical(value: Any) -> str:
    if isinstance(value, _Number):
        return str(value)
    if isinstance(value, dict):
        items = sorted(value.items())
        return "{" + ",".join(f"{json.dumps(k)}:{_canonical(v)}" for k, v in items) + "}"
    if isinstance(value, list):
        return "[" + ",".join(_canonical(v) for v in value) + "]"
    return json.dumps(value)  # str, bool, None


def canonical_body(body: bytes, content_type: str | None) -> bytes:
    """A JSON body parsed and written back with sorted keys and no spaces; anything else as is."""
    media_type = (content_type or "").split(";")[0].strip().lower()
    if not (media_type == "application/json" or media_type.endswith("+json")):
        return b"bytes\n" + body
    try:
        parsed = json.loads(body, parse_float=_Number, parse_int=_Number, parse_constant=_Number)
    except ValueError:  # not JSON after all (UnicodeDecodeError is a ValueError)
        return b"bytes\n" + body
    return b"json\n" + _canonical(parsed).encode()


def request_hash(
    method: str, path: str, query_string: bytes, body: bytes, content_type: str | None
) -> str:
    query = sorted(parse_qsl(query_string.decode("latin-1"), keep_blank_values=True))
    head = json.dumps([method.upper(), path, query]).encode()
    return hashlib.sha256(head + b"\n" + canonical_body(body, content_type)).hexdigest()


class Verdict(StrEnum):
    REPLAY = "replay"
    IN_USE = "in_use"
    MISMATCH = "mismatch"
    TAKE_OVER = "take_over"


def decide(found: StoredKey, request_hash: str, now: datetime, expired_before: datetime) -> Verdict:
    """What a request does with a key someone already has."""
    if found.state == keys.IN_FLIGHT and found.locked_until > now:
        return Verdict.MISMATCH if found.request_hash != request_hash else Verdict.IN_USE
    if found.created_at < expired_before:
        return Verdict.TAKE_OVER  # expired: the key is new again, whatever it was used for
    if found.request_hash != request_hash:
        return Verdict.MISMATCH
    if found.state == keys.DONE:
        return Verdict.REPLAY
    return Verdict.TAKE_OVER  # in flight past its lock: the worker crashed


def stored_headers(raw: list[tuple[bytes, bytes]]) -> dict[str, str]:
    out: dict[str, str] = {}
    for name_bytes, value_bytes in raw:
        name, value = name_bytes.decode("latin-1").lower(), value_bytes.decode("latin-1")
        if name in REPLAYED_HEADERS:
            out[name] = f"{out[name]}, {value}" if name in out else value
    return out


# -- the shell: the database steps, each in its own short transaction --


@dataclass(frozen=True, slots=True)
class Outcome:
    verdict: Verdict | None  # None: claimed, run the request
    claim: Claim | None = None
    found: StoredKey | None = None


def claim_key(engine: Engine, seen: RequestSeen, settings: Settings) -> Outcome:
    for _ in range(_CLAIM_ATTEMPTS):
        now = datetime.now(UTC)
        locked_until = now + timedelta(seconds=settings.idempotency_lock_seconds)
        claim = Claim(seen.principal, seen.key, locked_until)
        with engine.begin() as conn:
            if keys.claim(conn, seen, now, locked_until):
                return Outcome(None, claim)
        with engine.begin() as conn:
            found = keys.load(conn, seen.principal, seen.key)
        if found is None:
            continue  # released or purged in between: claim again
        expired_before = now - timedelta(hours=settings.idempotency_hours)
        verdict = decide(found, seen.request_hash, now, expired_before)
        if verdict is not Verdict.TAKE_OVER:
            return Outcome(verdict, found=found)
        with engine.begin() as conn:
            if keys.take_over(conn, found, seen, now, locked_until):
                return Outcome(None, claim)
        # another retry took it first: look again
    return Outcome(Verdict.IN_USE)  # the key kept changing hands; the client may retry


def finish(engine: Engine, claim: Claim, status: int, headers: dict[str, str], body: bytes) -> None:
    with engine.begin() as conn:
        if status >= 500 or status in NOT_STORED_STATUSES:
            keys.release(conn, claim)
        elif not keys.complete(conn, claim, status, headers, body):
            log.warning("idempotency key %r was taken over before its answer was stored", claim.key)


def release(engine: Engine, claim: Claim) -> None:
    with engine.begin() as conn:
        keys.release(conn, claim)


async def _in_thread(fn: Callable[..., T], *args: Any) -> T:
    # Shielded: once a key is claimed its release or answer must be written, even if the
    # request is being cancelled.
    with anyio.CancelScope(shield=True):
        result = await anyio.to_thread.run_sync(fn, *args)
    return result


# -- the ASGI middleware --


def _header(scope: Scope, name: bytes) -> list[str]:
    return [v.decode("latin-1") for k, v in scope["headers"] if k.lower() == name]


class IdempotencyMiddleware:
    """Pure ASGI (the request body is read once here and played again to the route)."""

    def __init__(self, app: ASGIApp, engine: Engine, settings: Settings) -> None:
        self.app = app
        self.engine = engine
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        key_values = _header(scope, HEADER.lower().encode())
        authorization = next(iter(_header(scope, b"authorization")), None)
        principal = caller_id(authorization, "; ".join(_header(scope, b"cookie")) or None)
        if not key_values or principal is None:
            await self.app(scope, receive, send)  # no key, or no caller: the route answers 401
            return
        problem: str | None
        if len(key_values) > 1:
            problem = f"send one {HEADER} header, not {len(key_values)}"
        else:
            problem = key_problem(key_values[0])
        if problem is not None:
            await self._problem(scope, receive, send, 400, "invalid_idempotency_key", problem)
            return
        body = await _read_body(receive)
        if body is None:
            return  # the client left before sending its request
        content_type = next(iter(_header(scope, b"content-type")), None)
        seen = RequestSeen(
            principal=principal,
            key=key_values[0],
            method=scope["method"],
            path=scope["path"],
            request_hash=request_hash(
                scope["method"], scope["path"], scope["query_string"], body, content_type
            ),
        )
        outcome = await _in_thread(claim_key, self.engine, seen, self.settings)
        if outcome.claim is not None:
            await self._run(scope, receive, send, body, outcome.claim)
        elif outcome.verdict is Verdict.REPLAY:
            assert outcome.found is not None
            await _replay(outcome.found)(scope, receive, send)
        elif outcome.verdict is Verdict.MISMATCH:
            assert outcome.found is not None
            first = f"{outcome.found.method} {outcome.found.path}"
            detail = (
                f"{HEADER} {seen.key!r} was first used with a different request ({first}); "
                "a key may only be sent again with the same method, path, query and body"
            )
            await self._problem(scope, receive, send, 422, "idempotency_key_reused", detail)
        else:
            detail = (
                f"a request with {HEADER} {seen.key!r} is still being processed; "
                "retry after it has finished"
            )
            await self._problem(
                scope, receive, send, 409, "idempotency_key_in_use", detail, {"Retry-After": "1"}
            )

    async def _run(
        self, scope: Scope, receive: Receive, send: Send, body: bytes, claim: Claim
    ) -> None:
        played = False

        async def replay_receive() -> Message:
            nonlocal played
            if not played:
                played = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()  # then wait for the disconnect, as the server would

        start: Message | None = None
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
            else:
                await send(message)

        try:
            await self.app(_without_file_sending(scope), replay_receive, capture)
        except BaseException:
            await _in_thread(release, self.engine, claim)
            raise
        if start is None:  # the route answered nothing; the server reports that
            await _in_thread(release, self.engine, claim)
            return
        status = int(start["status"])
        content = b"".join(chunks)
        # Stored only once the route has returned: its transaction has committed by then, so
        # a stored answer never stands for work that was rolled back.
        try:
            await _in_thread(
                finish, self.engine, claim, status, stored_headers(start["headers"]), content
            )
        except Exception:
            # The work is done and committed: answering 500 would invite a retry that does it
            # again. The key stays in flight until its lock runs out.
            log.exception("could not store the answer for idempotency key %r", claim.key)
        await send(start)
        await send({"type": "http.response.body", "body": content, "more_body": False})

    async def _problem(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        status: int,
        code: str,
        detail: str,
        headers: dict[str, str] | None = None,
    ) -> None:
        key = _header(scope, HEADER.lower().encode())
        extensions = {"idempotency_key": key[0]} if len(key) == 1 and status != 400 else {}
        response = problem_response(
            Request(scope), status, code, _TITLES[status], detail, headers, **extensions
        )
        await response(scope, receive, send)


async def _read_body(receive: Receive) -> bytes | None:
    parts: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        parts.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(parts)


def _without_file_sending(scope: Scope) -> Scope:
    """The route must send its body as messages we can capture, not hand the server a file."""
    extensions = scope.get("extensions") or {}
    if not {"http.response.pathsend", "http.response.zerocopy"} & extensions.keys():
        return scope
    kept = {
        k: v
        for k, v in extensions.items()
        if k not in ("http.response.pathsend", "http.response.zerocopy")
    }
    return {**scope, "extensions": kept}


def _replay(found: StoredKey) -> Response:
    headers = {**found.response_headers, "Idempotent-Replayed": "true"}
    return Response(
        found.response_body or b"", status_code=found.status_code or 200, headers=headers
    )
