"""Read raw catalog tables from an ERPNext/Frappe-style REST API.

ERPNext serves each doctype at ``GET /api/resource/<Doctype>`` one page at a time. This source pages
through every configured resource and hands the records on as raw tables for a mapping profile to
rename. Pages are fetched with conditional requests, so re-syncing an unchanged catalog costs the
ERP little more than a round of 304s.
"""

from __future__ import annotations

import decimal
import hashlib
import json
import logging
import os
import random
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlencode

import httpx

from cpq.catalog.issues import Issue, error
from cpq.catalog.tables import HttpResource, RawTable, SourceRead
from cpq.errors import SourceError

logger = logging.getLogger("cpq.sync.http")

# Failures that say nothing about the request itself, so the same request may well succeed later.
_TRANSIENT_ERRORS = (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError)


@dataclass(frozen=True, slots=True)
class _CachedPage:
    etag: str | None
    last_modified: str | None
    body: str


class HttpSource:
    """Pages through ERPNext-style resources; one ``RawTable`` per resource."""

    def __init__(
        self,
        base_url: str,
        resources: Sequence[HttpResource],
        *,
        token: str | None = None,
        cache_dir: Path,
        page_size: int = 500,
        max_attempts: int = 5,
        backoff: float = 0.5,
        timeout: float = 30.0,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        if page_size < 1 or max_attempts < 1:
            raise ValueError("page_size and max_attempts must be at least 1")
        self._base_url = base_url.rstrip("/")
        # Shown in logs and sync reports, so it must never carry the token.
        self.description = self._base_url
        self._resources = tuple(resources)
        self._token = token
        self._cache_dir = cache_dir
        self._page_size = page_size
        self._max_attempts = max_attempts
        self._backoff = backoff
        self._timeout = timeout
        self._transport = transport
        self._sleep = sleep
        self._jitter = jitter

    def read(self) -> SourceRead:
        self._cache_dir.mkdir(parents=True, exist_ok=True)
        headers = {"Accept": "application/json"}
        if self._token is not None:
            headers["Authorization"] = f"token {self._token}"
        result = SourceRead()
        with httpx.Client(
            headers=headers,
            timeout=self._timeout,
            transport=self._transport,
            # Sites commonly redirect http to https; httpx drops Authorization across origins.
            follow_redirects=True,
        ) as client:
            for resource in self._resources:
                table, issues = self._read_resource(client, resource)
                result.tables.append(table)
                result.issues.extend(issues)
        return result

    def _read_resource(
        self, client: httpx.Client, resource: HttpResource
    ) -> tuple[RawTable, list[Issue]]:
        origin = f"{self._base_url}/api/resource/{quote(resource.name, safe='')}"
        records: list[tuple[int, dict[str, object]]] = []
        issues: list[Issue] = []
        number = 0
        start = 0
        while True:
            page = self._fetch_page(client, origin, resource.fields, start)
            for record in page:
                number += 1
                if isinstance(record, dict):
                    records.append((number, record))
                else:
                    issues.append(
                        error(
                            "bad_record",
                            f"record {number} is not a JSON object",
                            file=origin,
                            row=number,
                            value=str(record),
                        )
                    )
            # A short page is the only end-of-data signal the API gives.
            if len(page) < self._page_size:
                break
            start += self._page_size
        header = list(dict.fromkeys([*resource.fields, *(k for _, r in records for k in r)]))
        rows: list[tuple[int, Sequence[object]]] = [
            (n, [record.get(key) for key in header]) for n, record in records
        ]
        return RawTable(name=resource.name, origin=origin, header=header, rows=rows), issues

    def _fetch_page(
        self, client: httpx.Client, resource_url: str, fields: Sequence[str], start: int
    ) -> list[object]:
        query = urlencode(
            {
                "fields": json.dumps(list(fields), separators=(",", ":")),
                "limit_start": start,
                "limit_page_length": self._page_size,
                # Without a fixed order, records could shift between pages while we read.
                "order_by": "name asc",
            },
            quote_via=quote,
        )
        url = f"{resource_url}?{query}"
        cache_path = self._cache_dir / f"{hashlib.sha256(url.encode()).hexdigest()}.json"
        cached = _load_cached(cache_path)
        response = self._get(client, url, cached)
        if response.status_code == 304 and cached is not None:
            return _parse_records(cached.body, url)
        records = _parse_records(response.text, url)
        _store_cached(cache_path, response)
        return records

    def _get(self, client: httpx.Client, url: str, cached: _CachedPage | None) -> httpx.Response:
        headers: dict[str, str] = {}
        if cached is not None and cached.etag is not None:
            headers["If-None-Match"] = cached.etag
        if cached is not None and cached.last_modified is not None:
            headers["If-Modified-Since"] = cached.last_modified
        failure = ""
        for attempt in range(1, self._max_attempts + 1):
            delay = self._backoff_delay(attempt)
            try:
                response = client.get(url, headers=headers)
            except _TRANSIENT_ERRORS as exc:
                failure = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
            else:
                status = response.status_code
                if response.is_success or (status == 304 and cached is not None):
                    return response
                if status in (401, 403):
                    refused = "refused the API token" if self._token else "requires an API token"
                    raise SourceError(
                        f"GET {url}: the server {refused} (HTTP {status})", url=url, status=status
                    )
                failure = f"HTTP {status}"
                if status != 429 and status < 500:
                    raise SourceError(
                        f"GET {url} failed with {failure} after {attempt} attempt(s)",
                        url=url,
                        status=status,
                        attempts=attempt,
                    )
                delay = _retry_after(response, default=delay)
            if attempt < self._max_attempts:
                logger.warning(
                    "GET %s failed (%s), attempt %d of %d; retrying in %.2fs",
                    url,
                    failure,
                    attempt,
                    self._max_attempts,
                    delay,
                )
                self._sleep(delay)
        raise SourceError(
            f"GET {url} failed after {self._max_attempts} attempt(s); last error: {failure}",
            url=url,
            attempts=self._max_attempts,
        )

    def _backoff_delay(self, attempt: int) -> float:
        base = self._backoff * 2.0 ** (attempt - 1)
        # Jitter keeps several workers from hammering a recovering ERP in lockstep.
        return base * (1 + self._jitter() / 2)


def _retry_after(response: httpx.Response, *, default: float) -> float:
    """``Retry-After`` in seconds; the rarely used HTTP-date form falls back to ``default``."""
    try:
        seconds = float(response.headers.get("Retry-After", ""))
    except ValueError:
        return default
    return seconds if seconds >= 0 else default


def _reject_constant(name: str) -> object:
    # json accepts NaN and Infinity by default and would hand them over as floats.
    raise ValueError(f"{name} is not a valid JSON number")


def _parse_records(body: str, url: str) -> list[object]:
    try:
        document = json.loads(body, parse_float=decimal.Decimal, parse_constant=_reject_constant)
    except ValueError as exc:
        raise SourceError(f"GET {url} did not answer JSON: {exc}", url=url) from exc
    data = document.get("data") if isinstance(document, dict) else None
    if not isinstance(data, list):
        raise SourceError(f"GET {url} answered JSON without a 'data' list", url=url)
    return data


def _load_cached(path: Path) -> _CachedPage | None:
    try:
        entry = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        # A damaged entry only costs one full download; it is overwritten below.
        logger.warning("ignoring unreadable cache entry %s", path)
        return None
    if not isinstance(entry, dict) or not isinstance(entry.get("body"), str):
        return None
    return _CachedPage(entry.get("etag"), entry.get("last_modified"), entry["body"])


def _store_cached(path: Path, response: httpx.Response) -> None:
    etag = response.headers.get("ETag")
    last_modified = response.headers.get("Last-Modified")
    if etag is None and last_modified is None:
        # Nothing to revalidate with; a stale entry would only send validators the server ignores.
        path.unlink(missing_ok=True)
        return
    entry = {"etag": etag, "last_modified": last_modified, "body": response.text}
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=path.stem, suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as file:
            json.dump(entry, file)
        # Readers (a concurrent sync, a crash mid-write) see the old entry or the new, never half.
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
