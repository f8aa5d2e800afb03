"""Contract fuzzing: schemathesis against the live demo server, every operation in /openapi.json.

A bounded, derandomized run: a few valid and a few invalid requests per operation, sent with the
demo CRM token (rita, a rep). Each response must not be a server error, must use a status code,
content type and body the schema documents, and invalid data must be rejected.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import requests
import schemathesis
from databases import PG_URL
from e2e_env import cpq_env, free_port, running
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import APIOperation, Case, CheckContext, CheckFunction, GenerationMode, Response
from schemathesis.checks import (
    content_type_conformance,
    negative_data_rejection,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.core.result import Ok
from schemathesis.errors import FailureGroup

TOKEN = "cpq_demorita_demo-token-for-local-use-only-never-in-prod"  # the README's
EXAMPLES = 10  # per operation and generation mode

# Known bug: these operations document their 422 as FastAPI's default `application/json`
# HTTPValidationError, but the server answers 422 with an RFC 9457 `application/problem+json`
# body (e.g. GET /v1/sync-runs/null). Their 422s skip the content type and body checks.
DEFAULT_422_DOCUMENTED = frozenset(
    {
        "GET /v1/price-lists/{code}",
        "GET /v1/customers/{external_id}",
        "GET /v1/product-models/{code}",
        "GET /v1/sync-runs/{run_id}",
        "GET /v1/delegations",
        "DELETE /v1/delegations/{delegation_id}",
        "GET /v1/quotes/{quote_id}",
        "GET /v1/quotes/{quote_id}/versions/{version}",
        "GET /v1/quotes/{quote_id}/lines",
        "DELETE /v1/quotes/{quote_id}/lines/{line_id}",
        "GET /v1/quotes/{quote_id}/audit",
        "GET /v1/approvals/{approval_id}",
        "GET /v1/webhooks/{subscription_id}",
        "DELETE /v1/webhooks/{subscription_id}",
        "GET /v1/webhooks/{subscription_id}/deliveries",
        "POST /v1/webhooks/{subscription_id}/deliveries/{delivery_id}/redeliver",
    }
)


def _known_bug(response: Response, case: Case[Any]) -> bool:
    """Responses that break the contract through a known, reported bug."""
    if response.status_code == 422 and case.operation.label in DEFAULT_422_DOCUMENTED:
        return True
    # Known bug: a body the framework cannot parse is answered 400, a status no operation
    # documents: JSON that is not valid UTF-8 (e.g. the bytes C3 28) gets "There was an error
    # parsing the body", a broken multipart body to POST /v1/sync-runs "Invalid multipart data.".
    if response.status_code == 400 and any(
        detail in response.content
        for detail in (b"There was an error parsing the body", b"Invalid multipart data.")
    ):
        return True
    # Known bug: the Idempotency-Key header is documented as any string, with no 400, but an
    # empty key or one over 255 characters is answered 400 invalid_idempotency_key.
    return response.status_code == 400 and b'"code":"invalid_idempotency_key"' in response.content


def _unless_known_bug(check: CheckFunction) -> CheckFunction:
    def checked(ctx: CheckContext, response: Response, case: Case[Any]) -> bool | None:
        return None if _known_bug(response, case) else check(ctx, response, case)

    checked.__name__ = check.__name__
    return checked


CHECKS = [
    negative_data_rejection,
    *map(
        _unless_known_bug,
        [
            not_a_server_error,
            status_code_conformance,
            content_type_conformance,
            response_schema_conformance,
        ],
    ),
]

pytestmark = pytest.mark.slow


def test_every_operation_keeps_to_the_schema(db_url: str, tmp_path: Path) -> None:
    port = free_port()
    env = cpq_env(
        database_url=db_url if PG_URL else f"sqlite:///{tmp_path / 'demo.sqlite3'}",
        data_dir=str(tmp_path),
        port=str(port),
        rate_limit_per_minute="0",  # no throttling of the fuzzer
    )
    with running(["demo"], env, port, timeout=120) as url:
        schema = schemathesis.openapi.from_url(f"{url}/openapi.json")
        failures: list[str] = []
        with requests.Session() as session:
            session.headers["Authorization"] = f"Bearer {TOKEN}"
            results = list(schema.get_all_operations())
            operations = [result.ok() for result in results if isinstance(result, Ok)]
            assert len(operations) == len(results), "the live schema has invalid operations"
            for operation in operations:
                for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                    failures.extend(_fuzz(operation, mode, url, session))
    assert len(operations) > 20
    assert not failures, "\n\n".join(failures)


def _fuzz(
    operation: APIOperation[Any, Any, Any, Any],
    mode: GenerationMode,
    url: str,
    session: requests.Session,
) -> list[str]:
    """Send EXAMPLES generated requests for one operation; the failures, described."""
    found: list[str] = []

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def run(case: Case[Any]) -> None:
        try:
            case.call_and_validate(base_url=url, session=session, checks=CHECKS)
        except (AssertionError, FailureGroup) as failure:
            found.append(f"{operation.label} ({mode}): {failure}")

    try:
        run()
    except Unsatisfiable:
        # Nothing in the operation can be made invalid (no parameters, no body).
        if mode is GenerationMode.POSITIVE:
            raise
    return found
