"""Contract fuzzing: schemathesis against the live demo server, every operation in /openapi.json.

A bounded, derandomized run, as a rep (the demo CRM token) and as an admin (a web session): a
few valid and a few invalid requests per operation, then sequences that follow the OpenAPI links
(create a quote, then add lines to it, submit it, ...). Each response must not be a server error,
must use a status code, content type and body the schema documents, and invalid data must be
rejected. bench/contract_fuzz.py runs the same for longer.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from contract_fuzzing import (
    admin_session,
    fuzz_operations,
    linked_sequences,
    load_schema,
    rep_session,
)
from databases import PG_URL
from e2e_env import cpq_env, free_port, running

EXAMPLES = 10  # per operation and generation mode
SEQUENCES = 60  # linked sequences per caller
# They take a credential with quotes:read, which both callers have.
READERS = [
    *(f"GET /v1/{p}" for p in ("products", "price-lists", "customers", "product-models")),
    "GET /v1/products/{sku}",
    "GET /v1/price-lists/{code}",
    "GET /v1/customers/{external_id}",
    "GET /v1/product-models/{code}",
    "POST /v1/price",
    "POST /v1/configurations/evaluate",
    "POST /v1/configurations/complete",
]
SYNC_HISTORY = ["GET /v1/sync-runs", "GET /v1/sync-runs/{run_id}"]  # an admin's, not a rep's

pytestmark = pytest.mark.slow


@pytest.fixture
def demo_url(db_url: str, tmp_path: Path) -> Iterator[str]:
    port = free_port()
    env = cpq_env(
        database_url=db_url if PG_URL else f"sqlite:///{tmp_path / 'demo.sqlite3'}",
        data_dir=str(tmp_path),
        port=str(port),
        rate_limit_per_minute="0",  # no throttling of the fuzzer
    )
    with running(["demo"], env, port, timeout=120) as url:
        yield url


@pytest.mark.parametrize("caller", [rep_session, admin_session], ids=["rep", "admin"])
def test_every_operation_keeps_to_the_schema(demo_url: str, caller: Any) -> None:
    schema = load_schema(demo_url)
    with caller(demo_url) as session:
        report = fuzz_operations(schema, demo_url, session, EXAMPLES)
    assert report.operations > 80
    assert not report.failures, "\n\n".join(report.failures)
    # The fuzzer got past the credential check, into the routes themselves.
    for label in READERS:
        answered = report.statuses[label]
        assert answered and not answered.keys() & {401, 403}, (label, answered)
        if label.startswith("GET") and "{" not in label:  # generated SKUs, bundles: unknown
            assert any(200 <= status < 300 for status in answered), (label, answered)
    for label in SYNC_HISTORY:
        answered = report.statuses[label]
        if caller is rep_session:  # refused (or a NUL in the query: 422 before any route)
            assert 403 in answered and answered.keys() <= {403, 422}, (label, answered)
        else:
            assert answered and not answered.keys() & {401, 403}, (label, answered)


@pytest.mark.parametrize("caller", [rep_session, admin_session], ids=["rep", "admin"])
def test_linked_sequences_keep_to_the_schema(demo_url: str, caller: Any) -> None:
    schema = load_schema(demo_url)
    with caller(demo_url) as session:
        report = linked_sequences(schema, demo_url, session, SEQUENCES)
    assert not report.failures, "\n\n".join(report.failures)
    # The links were really walked: calls made with values taken from an earlier answer (how
    # many of them succeed depends on the generated data; bench/contract_fuzz.py counts them).
    assert report.linked, "no call followed a link"
