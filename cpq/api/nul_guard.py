"""Refuse the NUL character in requests, naming where it is.

PostgreSQL text cannot hold NUL (U+0000); a string carrying one would fail in the database as a
server error, after the request had been accepted. This pure ASGI middleware answers 422
``invalid_request`` first, naming the field (``body.lines.0.sku``), the query or the path. It
looks closer only when the raw request holds an encoded NUL (``\\u0000`` in JSON, ``%00`` in a
URL or a form), so other requests only pay for a byte search.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cpq.api.problems import problem_response

_BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_READ = re.compile(r"json|x-www-form-urlencoded")  # the bodies looked into
UNGUARDED = ("/healthz", "/readyz", "/static/")  # they take no input


def nul_in(value: Any, where: str) -> str | None:
    """The path of the first string in ``value`` (parsed JSON) that holds a NUL, or None."""
    if isinstance(value, str):
        return where if "\x00" in value else None
    if isinstance(value, dict):
        for key, item in value.items():
            found = nul_in(key, f"{where} (a key)") or nul_in(item, f"{where}.{key}")
            if found:
                return found
    if isinstance(value, list):
        for index, item in enumerate(value):
            found = nul_in(item, f"{where}.{index}")
            if found:
                return found
    return None


def nul_in_form(raw: bytes, where: str) -> str | None:
    """The field of a URL-encoded query or form whose name or value holds a NUL, or None."""
    for key, value in parse_qsl(raw.decode("latin-1"), keep_blank_values=True):
        if "\x00" in key or "\x00" in value:
            return f"{where}.{key.replace(chr(0), '%00')}"
    return None


def nul_in_body(body: bytes, content_type: str) -> str | None:
    # JSON writes a NUL only as \u0000 (hex digits that are all 0, and \U is no JSON escape)
    if "json" in content_type and b"\\u0000" in body:
        try:
            return nul_in(json.loads(body), "body")
        except ValueError:
            return None  # not JSON: the route says so
    if "x-www-form-urlencoded" in content_type and b"%00" in body:
        return nul_in_form(body, "body")
    return None


class RefuseNul:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(UNGUARDED):
            await self.app(scope, receive, send)
            return
        raw_path: bytes = scope.get("raw_path") or scope["path"].encode()
        if b"%00" in raw_path or "\x00" in scope["path"]:
            await _refuse(scope, send, "path")
            return
        if b"%00" in scope["query_string"]:
            await _refuse(scope, send, nul_in_form(scope["query_string"], "query") or "query")
            return
        content_type = next(
            (v.decode("latin-1").lower() for k, v in scope["headers"] if k == b"content-type"), ""
        )
        if scope["method"] not in _BODY_METHODS or not _READ.search(content_type):
            # Nothing to look into: files (a multipart upload) stream on to the route unread.
            await self.app(scope, receive, send)
            return
        messages, body = await _read(receive)
        if body is None:
            return  # the client went away
        where = nul_in_body(body, content_type)
        if where is not None:
            await _refuse(scope, send, where)
            return

        async def replay() -> Message:
            return messages.pop(0) if messages else await receive()

        await self.app(scope, replay, send)


async def _read(receive: Receive) -> tuple[list[Message], bytes | None]:
    """Every message of the request body, and the body, or None if the client left."""
    messages: list[Message] = []
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return messages, None
        messages.append(message)
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return messages, b"".join(chunks)


async def _refuse(scope: Scope, send: Send, where: str) -> None:
    message = "contains a NUL character (U+0000), which no text may hold"
    response = problem_response(
        Request(scope),
        422,
        "invalid_request",
        "Invalid request",
        f"1 field(s) are invalid: {where}",
        errors=[{"field": where, "message": message, "type": "nul_character"}],
    )

    async def no_body() -> Message:
        return {"type": "http.disconnect"}

    await response(scope, no_body, send)
