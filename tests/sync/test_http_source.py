"""HttpSource against a real local ERPNext-like server (and httpx.MockTransport for odd bodies)."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from cpq.catalog.issues import error
from cpq.catalog.tables import HttpResource, RawTable
from cpq.errors import SourceError
from cpq.sync.sources.http import HttpSource

try:  # tests/sync is a package once tests/sync/__init__.py exists, a rootdir-less folder before
    from .erpnext_stub_server import ErpnextStub, StubResource
except ImportError:
    from erpnext_stub_server import ErpnextStub, StubResource

TOKEN = "api-key:api-secret"
ITEM = HttpResource("Item", ("name", "item_name", "stock_uom"))
ITEM_PRICE = HttpResource("Item Price", ("name", "item_code", "price_list", "price_list_rate"))
ITEMS = [
    {"name": f"ITEM-{n:03d}", "item_name": f"Widget {n}", "stock_uom": "Nos", "brand": "Acme"}
    for n in range(1, 6)
]
PRICES = [
    {
        "name": "PRICE-001",
        "item_code": "ITEM-001",
        "price_list": "Standard Selling",
        "price_list_rate": Decimal("12.10"),
    },
    {
        "name": "PRICE-002",
        "item_code": "ITEM-002",
        "price_list": "Standard Selling",
        "price_list_rate": Decimal("0.000001"),
    },
    {
        "name": "PRICE-003",
        "item_code": "ITEM-003",
        "price_list": "Standard Selling",
        "price_list_rate": 7,
    },
]
ITEM_PAGE_1 = (
    "/api/resource/Item?fields=%5B%22name%22%2C%22item_name%22%2C%22stock_uom%22%5D"
    "&limit_start=0&limit_page_length=2&order_by=name%20asc"
)


@pytest.fixture
def stub() -> Iterator[ErpnextStub]:
    resources = {
        "Item": StubResource(list(ITEMS), validator="etag"),
        "Item Price": StubResource(list(PRICES), validator="last-modified"),
    }
    with ErpnextStub(resources, token=TOKEN) as server:
        yield server


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def cache_dir(tmp_path: Path) -> Path:
    return tmp_path / "http-cache"


def make_source(
    base_url: str,
    cache_dir: Path,
    sleeps: list[float],
    resources: tuple[HttpResource, ...] = (ITEM,),
    **options: Any,
) -> HttpSource:
    settings: dict[str, Any] = {
        "token": TOKEN,
        "page_size": 2,
        "timeout": 2.0,
        "sleep": sleeps.append,
        "jitter": lambda: 0.0,
    }
    settings.update(options)
    return HttpSource(base_url, resources, cache_dir=cache_dir, **settings)


def item_rows(*numbers: int) -> list[tuple[int, Sequence[object]]]:
    return [(n, [f"ITEM-{n:03d}", f"Widget {n}", "Nos"]) for n in numbers]


def test_pages_through_a_resource_numbering_records_from_1(
    stub: ErpnextStub, cache_dir: Path, sleeps: list[float]
) -> None:
    # Given five items and pages of two
    source = make_source(stub.url, cache_dir, sleeps)
    # When the source is read
    result = source.read()
    # Then three pages were fetched and every record arrives once, numbered in order
    assert [r.query["limit_start"] for r in stub.requests] == ["0", "2", "4"]
    assert result.issues == []
    assert result.tables == [
        RawTable(
            name="Item",
            origin=f"{stub.url}/api/resource/Item",
            header=["name", "item_name", "stock_uom"],
            rows=item_rows(1, 2, 3, 4, 5),
        )
    ]


def test_a_full_last_page_costs_one_empty_page(
    stub: ErpnextStub, cache_dir: Path, sleeps: list[float]
) -> None:
    # Given four items and pages of two
    stub.resources["Item"].records = ITEMS[:4]
    # When the source is read
    table = make_source(stub.url, cache_dir, sleeps).read().tables[0]
    # Then it only stops at the empty third page
    assert [r.query["limit_start"] for r in stub.requests] == ["0", "2", "4"]
    assert table.rows == item_rows(1, 2, 3, 4)


def test_sends_fields_paging_order_and_the_encoded_resource_name(
    stub: ErpnextStub, cache_dir: Path, sleeps: list[float]
) -> None:
    # Given a resource whose name has a space
    source = make_source(stub.url, cache_dir, sleeps, resources=(ITEM_PRICE,), page_size=10)
    # When the source is read
    table = source.read().tables[0]
    # Then the request names the resource URL-encoded and carries the fields as JSON
    [request] = stub.requests
    assert request.path.startswith("/api/resource/Item%20Price?")
    assert request.query == {
        "fields": '["name","item_code","price_list","price_list_rate"]',
        "limit_start": "0",
        "limit_page_length": "10",
        "order_by": "name asc",
    }
    assert table.name == "Item Price"
    assert table.origin == f"{stub.url}/api/resource/Item%20Price"


def test_sends_the_token_and_keeps_it_out_of_the_description(
    stub: ErpnextStub, cache_dir: Path, sleeps: list[float]
) -> None:
    # Given a source with a token
    source = make_source(stub.url, cache_dir, sleeps)
    # When it is read
    source.read()
    # Then every request carries it in Frappe's format, and the description is only the URL
    assert {r.headers["authorization"] for r in stub.requests} == {"token api-key:api-secret"}
    assert source.description == stub.url


def test_a_refused_token_fails_at_once(
    stub: ErpnextStub, cache_dir: Path, sleeps: list[float]
) -> None:
    # Given a wrong token
    source = make_source(stub.url, cache_dir, sleeps, token="api-key:wrong")
    # When the source is read
    with pytest.raises(SourceError) as raised:
        source.read()
    # Then it says the token was refused, without retrying and without echoing the token
    refused = "the server refused the API token (HTTP 401)"
    assert str(raised.value) == f"GET {stub.url}{ITEM_PAGE_1}: {refused}"
    assert raised.value.status == 502
    assert len(stub.requests) == 1
    assert sleeps == []


def test_503_twice_then_success_backs_off_exponentially(
    stub: ErpnextStub, cache_dir: Path, sleeps: list[float], caplog: pytest.LogCaptureFixture
) -> None:
    # Given a server that fails the next two requests
    stub.fail_next(2, status=503)
    source = make_source(stub.url, cache_dir, sleeps, resources=(ITEM_PRICE,), page_size=10)
    # When the source is read
    with caplog.at_level(logging.WARNING, logger="cpq.sync.http"):
        table = source.read().tables[0]
    # Then the third attempt succeeds after sleeping 0.5 s and 1 s, and each retry is logged
    assert len(stub.requests) == 3
    assert sleeps == [0.5, 1.0]
    assert [r.getMessage().split(" failed ")[1] for r in caplog.records] == [
        "(HTTP 503), attempt 1 of 5; retrying in 0.50s",
        "(HTTP 503), attempt 2 of 5; retrying in 1.00s",
    ]
    assert [n for n, _ in table.rows] == [1, 2, 3]


def test_jitter_adds_up_to_half_the_backoff(
    stub: ErpnextStub, cache_dir: Path, sleeps: list[float]
) -> None:
    # Given a failing request and the largest jitter
    stub.fail_next(1)
    source = make_source(stub.url, cache_dir, sleeps, backoff=0.5, jitter=lambda: 1.0)
    # When the source is read
    source.read()
    # Then the sleep is 0.5 s plus half of it
    assert sleeps == [0.75]


def test_429_honours_retry_after(stub: ErpnextStub, cache_dir: Path, sleeps: list[float]) -> None:
    # Given a server that throttles the next request for 7 seconds
    stub.throttle_next(retry_after=7)
    # When the source is read
    table = make_source(stub.url, cache_dir, sleeps).read().tables[0]
    # Then the client waited exactly what it was told, then read everything
    assert sleeps == [7.0]
    assert len(stub.requests) == 4
    assert table.rows == item_rows(1, 2, 3, 4, 5)


def test_a_timeout_is_retried(stub: ErpnextStub, cache_dir: Path, sleeps: list[float]) -> None:
    # Given a server that stalls the next request past a 0.2 s client timeout
    stub.stall_next()
    source = make_source(stub.url, cache_dir, sleeps, timeout=0.2, page_size=10)
    # When the source is read
    table = source.read().tables[0]
    # Then the second attempt succeeds
    assert len(stub.requests) == 2
    assert sleeps == [0.5]
    assert table.rows == item_rows(1, 2, 3, 4, 5)


def test_a_persistent_500_gives_up_naming_url_status_and_attempts(
    stub: ErpnextStub, cache_dir: Path, sleeps: list[float]
) -> None:
    # Given a server that always fails
    stub.fail_next(10, status=500)
    source = make_source(stub.url, cache_dir, sleeps, max_attempts=3)
    # When the source is read
    with pytest.raises(SourceError) as raised:
        source.read()
    # Then it gives up after three attempts and says where and why
    assert str(raised.value) == (
        f"GET {stub.url}{ITEM_PAGE_1} failed after 3 attempt(s); last error: HTTP 500"
    )
    assert raised.value.extensions == {"url": f"{stub.url}{ITEM_PAGE_1}", "attempts": 3}
    assert len(stub.requests) == 3
    assert sleeps == [0.5, 1.0]


def test_other_4xx_is_not_retried(stub: ErpnextStub, cache_dir: Path, sleeps: list[float]) -> None:
    # Given a resource the server does not have
    source = make_source(stub.url, cache_dir, sleeps, resources=(HttpResource("Nope", ("name",)),))
    # When the source is read
    with pytest.raises(SourceError, match=r"/api/resource/Nope\?.* failed with HTTP 404 after 1"):
        source.read()
    # Then it asked once
    assert len(stub.requests) == 1


def test_second_read_revalidates_and_reuses_cached_pages(
    stub: ErpnextStub, cache_dir: Path, sleeps: list[float]
) -> None:
    # Given a first read of an ETag resource (3 pages) and a Last-Modified one (2 pages)
    resources = (ITEM, ITEM_PRICE)
    first = make_source(stub.url, cache_dir, sleeps, resources=resources).read()
    first_requests = list(stub.requests)
    stub.requests.clear()
    # When a new source reads again with the same cache
    second = make_source(stub.url, cache_dir, sleeps, resources=resources).read()
    # Then every page was revalidated, answered 304 without a body, and the tables are identical
    assert [r.headers.get("if-none-match") for r in stub.requests[:3]] == stub.etags_sent
    assert [r.headers.get("if-modified-since") for r in stub.requests[3:]] == [
        "Tue, 21 Oct 2025 07:28:00 GMT"
    ] * 2
    assert not any(
        {"if-none-match", "if-modified-since"} & r.headers.keys() for r in first_requests
    )
    assert stub.bodies_sent == 5
    assert stub.not_modified_sent == 5
    assert second == first
    # one entry per page and no temp files left behind
    assert sorted(p.suffix for p in cache_dir.iterdir()) == [".json"] * 5


def test_a_changed_resource_is_downloaded_again(
    stub: ErpnextStub, cache_dir: Path, sleeps: list[float]
) -> None:
    # Given a cached read, after which the ERP renames an item
    make_source(stub.url, cache_dir, sleeps, page_size=10).read()
    stub.resources["Item"].records[0] = {**ITEMS[0], "item_name": "Widget One"}
    # When the source reads again
    table = make_source(stub.url, cache_dir, sleeps, page_size=10).read().tables[0]
    # Then the new ETag no longer matches and the fresh body is used
    assert stub.not_modified_sent == 0
    assert table.rows[0] == (1, ["ITEM-001", "Widget One", "Nos"])


def test_pages_without_validators_are_never_cached(
    stub: ErpnextStub, cache_dir: Path, sleeps: list[float]
) -> None:
    # Given a resource served without ETag or Last-Modified
    stub.resources["Item"].validator = None
    # When it is read twice
    make_source(stub.url, cache_dir, sleeps).read()
    make_source(stub.url, cache_dir, sleeps).read()
    # Then nothing was cached and no request was conditional
    assert list(cache_dir.iterdir()) == []
    assert not any("if-none-match" in r.headers for r in stub.requests)
    assert stub.bodies_sent == 6


def test_decimals_stay_exact(stub: ErpnextStub, cache_dir: Path, sleeps: list[float]) -> None:
    # Given prices 12.10, 0.000001 and 7 on the wire
    source = make_source(stub.url, cache_dir, sleeps, resources=(ITEM_PRICE,), page_size=10)
    # When read
    table = source.read().tables[0]
    # Then they arrive as the same Decimals (trailing zero kept) and an int
    rates = [values[3] for _, values in table.rows]
    assert rates == [Decimal("12.10"), Decimal("0.000001"), 7]
    assert [str(r) for r in rates] == ["12.10", "0.000001", "7"]
    assert isinstance(rates[0], Decimal)


def test_a_non_object_record_is_one_error_and_skipped(
    stub: ErpnextStub, cache_dir: Path, sleeps: list[float]
) -> None:
    # Given a page whose third record is a bare string
    stub.resources["Item"].records = [ITEMS[0], ITEMS[1], "oops", ITEMS[3]]
    # When read
    result = make_source(stub.url, cache_dir, sleeps, page_size=10).read()
    # Then that record is reported by its number and the others keep theirs
    origin = f"{stub.url}/api/resource/Item"
    assert result.issues == [
        error("bad_record", "record 3 is not a JSON object", file=origin, row=3, value="oops")
    ]
    assert result.tables[0].rows == item_rows(1, 2, 4)


def mock_source(handler: Any, cache_dir: Path, sleeps: list[float], **options: Any) -> HttpSource:
    return make_source(
        "http://erp.test/", cache_dir, sleeps, transport=httpx.MockTransport(handler), **options
    )


def test_header_lists_requested_fields_then_other_keys_in_order_seen(
    cache_dir: Path, sleeps: list[float]
) -> None:
    # Given a server that answers more keys than asked for, not all on every record
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200,
            json={
                "data": [
                    {"stock_uom": "Nos", "name": "A", "brand": "Acme"},
                    {"name": "B", "disabled": 1, "item_name": "Bee"},
                ]
            },
        )

    # When read
    table = mock_source(handler, cache_dir, sleeps, page_size=10).read().tables[0]
    # Then the header starts with the requested fields, and missing values are None
    assert table.origin == "http://erp.test/api/resource/Item"
    assert table.header == ["name", "item_name", "stock_uom", "brand", "disabled"]
    assert table.rows == [(1, ["A", None, "Nos", "Acme", None]), (2, ["B", "Bee", None, None, 1])]


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (b"<html>Gateway</html>", "did not answer JSON"),
        (b'{"data": NaN}', "did not answer JSON"),
        (b'{"message": "ok"}', "answered JSON without a 'data' list"),
        (b'[{"name": "A"}]', "answered JSON without a 'data' list"),
    ],
)
def test_a_body_that_is_not_a_data_list_names_the_url(
    cache_dir: Path, sleeps: list[float], body: bytes, problem: str
) -> None:
    # Given a server answering 200 with something other than {"data": [...]}
    source = mock_source(lambda request: httpx.Response(200, content=body), cache_dir, sleeps)
    # When read
    with pytest.raises(SourceError) as raised:
        source.read()
    # Then the error names the page URL and the problem
    assert str(raised.value).startswith("GET http://erp.test/api/resource/Item?fields=")
    assert problem in str(raised.value)


def test_a_connection_error_is_retried(cache_dir: Path, sleeps: list[float]) -> None:
    # Given a server that refuses the first connection
    calls: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        if len(calls) == 1:
            raise httpx.ConnectError("connection refused", request=request)
        return httpx.Response(200, json={"data": [{"name": "A"}]})

    # When read
    table = mock_source(handler, cache_dir, sleeps, page_size=10).read().tables[0]
    # Then it retried once after the first backoff
    assert len(calls) == 2
    assert sleeps == [0.5]
    assert table.rows == [(1, ["A", None, None])]
