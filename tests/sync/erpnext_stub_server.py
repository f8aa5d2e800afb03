"""A small ERPNext-like REST server for tests: real HTTP on 127.0.0.1, served from a thread.

It answers ``GET /api/resource/<Doctype>`` with pages of ``{"data": [...]}`` as Frappe does,
checks the ``Authorization: token key:secret`` header, sends ``ETag`` or ``Last-Modified`` per
resource and answers 304 to a matching conditional request. Tests can script the next requests to
fail (503/500), be throttled (429 with ``Retry-After``) or stall past the client's timeout.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import deque
from dataclasses import dataclass
from decimal import Decimal
from email.utils import parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Literal
from urllib.parse import parse_qs, unquote, urlsplit

_PREFIX = "/api/resource/"


@dataclass
class StubResource:
    """One doctype. ``records`` are served in the order given (keep them in ``name`` order)."""

    records: list[Any]
    validator: Literal["etag", "last-modified"] | None = None
    last_modified: str = "Tue, 21 Oct 2025 07:28:00 GMT"


@dataclass(frozen=True)
class SeenRequest:
    path: str  # as sent, still URL-encoded
    resource: str
    query: dict[str, str]
    headers: dict[str, str]  # lower-cased names


@dataclass(frozen=True)
class _Scripted:
    status: int | None  # None: hold the connection without answering
    headers: tuple[tuple[str, str], ...] = ()


class ErpnextStub:
    def __init__(self, resources: dict[str, StubResource], *, token: str | None = None) -> None:
        self.resources = resources
        self.token = token
        self.requests: list[SeenRequest] = []
        self.bodies_sent = 0
        self.etags_sent: list[str] = []  # with bodies, in order
        self.not_modified_sent = 0
        self._lock = threading.Lock()
        self._script: deque[_Scripted] = deque()
        self._released = threading.Event()
        stub = self

        class Handler(_Handler):
            server_stub = stub

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        # A short poll interval: shutdown() waits for the next poll, once per test.
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )

    def fail_next(self, count: int, status: int = 503) -> None:
        self._script.extend(_Scripted(status) for _ in range(count))

    def throttle_next(self, retry_after: int) -> None:
        self._script.append(_Scripted(429, (("Retry-After", str(retry_after)),)))

    def stall_next(self) -> None:
        """Hold the next request unanswered until the stub stops, so the client times out."""
        self._script.append(_Scripted(None))

    def __enter__(self) -> ErpnextStub:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._released.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    def _take_script(self) -> _Scripted | None:
        with self._lock:
            return self._script.popleft() if self._script else None


class _Handler(BaseHTTPRequestHandler):
    server_stub: ErpnextStub

    def do_GET(self) -> None:
        stub = self.server_stub
        url = urlsplit(self.path)
        query = {key: values[0] for key, values in parse_qs(url.query).items()}
        name = unquote(url.path.removeprefix(_PREFIX)) if url.path.startswith(_PREFIX) else ""
        headers = {key.lower(): value for key, value in self.headers.items()}
        with stub._lock:
            stub.requests.append(SeenRequest(self.path, name, query, headers))

        scripted = stub._take_script()
        if scripted is not None and scripted.status is None:
            stub._released.wait(timeout=10)
            return
        if scripted is not None and scripted.status is not None:
            self._answer(scripted.status, {"exc_type": "ScriptedFailure"}, scripted.headers)
            return
        if stub.token is not None and headers.get("authorization") != f"token {stub.token}":
            self._answer(401, {"exc_type": "AuthenticationError"})
            return
        resource = stub.resources.get(name)
        if resource is None:
            self._answer(404, {"exc_type": "DoesNotExistError"})
            return

        fields = json.loads(query.get("fields", '["name"]'))
        start = int(query.get("limit_start", "0"))
        length = int(query.get("limit_page_length", "20"))
        page = [_project(record, fields) for record in resource.records[start : start + length]]
        body = _dump({"data": page}).encode()

        validators: tuple[tuple[str, str], ...] = ()
        fresh = True
        if resource.validator == "etag":
            etag = f'"{hashlib.sha256(body).hexdigest()[:16]}"'
            validators = (("ETag", etag),)
            fresh = headers.get("if-none-match") != etag
        elif resource.validator == "last-modified":
            validators = (("Last-Modified", resource.last_modified),)
            since = headers.get("if-modified-since")
            fresh = since is None or (
                parsedate_to_datetime(since) < parsedate_to_datetime(resource.last_modified)
            )
        if not fresh:
            with stub._lock:
                stub.not_modified_sent += 1
            self._send(304, b"", validators)
            return
        with stub._lock:
            stub.bodies_sent += 1
            stub.etags_sent.extend(value for header, value in validators if header == "ETag")
        self._send(200, body, validators)

    def _answer(
        self, status: int, document: object, headers: tuple[tuple[str, str], ...] = ()
    ) -> None:
        self._send(status, _dump(document).encode(), headers)

    def _send(self, status: int, body: bytes, headers: tuple[tuple[str, str], ...]) -> None:
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        if status != 304:
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        """Keep test output quiet; tests inspect ``ErpnextStub.requests`` instead."""


def _project(record: Any, fields: list[str]) -> Any:
    """Frappe returns only the requested fields (``*``: all); non-objects pass through broken."""
    if not isinstance(record, dict) or "*" in fields:
        return record
    return {field: record.get(field) for field in fields}


def _dump(value: Any) -> str:
    """JSON with decimals written as they are (``12.10``), which ``json.dumps`` cannot do."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return "{" + ",".join(f"{json.dumps(k)}:{_dump(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ",".join(_dump(v) for v in value) + "]"
    return json.dumps(value)
