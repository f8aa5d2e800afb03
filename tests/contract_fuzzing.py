"""Schemathesis runs against a live server, shared by the bounded run in the test suite
(tests/e2e/test_contract_fuzz.py) and the long one (bench/contract_fuzz.py)."""

from __future__ import annotations

import zlib
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import APIOperation, Case, GenerationMode, Response
from schemathesis.checks import (
    content_type_conformance,
    negative_data_rejection,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.core.result import Ok
from schemathesis.errors import FailureGroup
from schemathesis.generation.stateful.state_machine import StepInput, StepOutput
from schemathesis.schemas import BaseSchema

DEMO_TOKEN = "cpq_demorita_demo-token-for-local-use-only-never-in-prod"  # the README's
DEMO_PASSWORD = "demo-password-1"
CHECKS = [
    negative_data_rejection,
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def load_schema(url: str) -> BaseSchema:
    """The live server's OpenAPI document, as schemathesis fuzzes it: requests carry the
    caller's own credential (see ``rep_session``, ``admin_session``), not generated ones."""
    schema = schemathesis.openapi.from_url(f"{url}/openapi.json")
    schema.config.generation.update(with_security_parameters=False)
    return schema


@dataclass
class Report:
    operations: int = 0
    requests: int = 0
    failures: list[str] = field(default_factory=list)
    linked: list[tuple[str, int]] = field(default_factory=list)  # (operation, status)
    # operation -> the statuses of its answers that kept to the schema
    statuses: defaultdict[str, Counter[int]] = field(default_factory=lambda: defaultdict(Counter))


@contextmanager
def rep_session(url: str) -> Iterator[requests.Session]:
    """Calls as the demo CRM integration: rita's API token."""
    with requests.Session() as session:
        session.headers["Authorization"] = f"Bearer {DEMO_TOKEN}"
        yield session


@contextmanager
def admin_session(url: str) -> Iterator[requests.Session]:
    """Calls as ada, the demo admin, signed in: a session cookie and its CSRF token."""
    with requests.Session() as session:
        answer = session.post(
            f"{url}/v1/sessions", json={"username": "ada", "password": DEMO_PASSWORD}, timeout=30
        )
        answer.raise_for_status()
        session.headers["X-CSRF-Token"] = answer.json()["csrf_token"]
        yield session


def _settings(examples: int) -> settings:
    return settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )


def fuzz_operations(
    schema: BaseSchema, url: str, session: requests.Session, examples: int
) -> Report:
    """``examples`` valid and ``examples`` invalid requests to every operation."""
    report = Report()
    results = list(schema.get_all_operations())
    operations = [result.ok() for result in results if isinstance(result, Ok)]
    if len(operations) != len(results):
        report.failures.append("the live schema has operations schemathesis cannot read")
    report.operations = len(operations)
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            _fuzz(operation, mode, url, session, examples, report)
    return report


def _fuzz(
    operation: APIOperation[Any, Any, Any, Any],
    mode: GenerationMode,
    url: str,
    session: requests.Session,
    examples: int,
    report: Report,
) -> None:
    @given(case=operation.as_strategy(generation_mode=mode))
    @_settings(examples)
    def run(case: Case[Any]) -> None:
        report.requests += 1
        try:
            answer = case.call_and_validate(base_url=url, session=session, checks=CHECKS)
        except (AssertionError, FailureGroup) as failure:
            report.failures.append(f"{operation.label} ({mode}): {failure}")
        else:
            report.statuses[operation.label][answer.status_code] += 1

    try:
        run()
    except Unsatisfiable:
        # Nothing in the operation can be made invalid (no parameters, no body).
        if mode is GenerationMode.POSITIVE:
            raise


# The operations on the service's own resources, where links lead somewhere (the catalog is a
# read-only replica, fuzzed operation by operation above).
RESOURCES = r"^/v1/(quotes|approvals|webhooks|delegations)"


QUOTE_FREE_FIELDS = frozenset({"title", "notes", "crm_opportunity_id", "crm_account_id", "lines"})


@dataclass(frozen=True)
class Dictionary:
    """Real identifiers of the live catalog: a generated quote then names customers and items
    that exist, so that sequences get past creating the quote into working on it."""

    customers: tuple[str, ...]
    skus: tuple[str, ...]

    @classmethod
    def read(cls, url: str, session: requests.Session) -> Dictionary:
        def ids(path: str, key: str) -> tuple[str, ...]:
            answer = session.get(f"{url}{path}", params={"limit": 50}, timeout=30)
            answer.raise_for_status()
            return tuple(item[key] for item in answer.json()["data"] if item["active"])

        return cls(ids("/v1/customers", "external_id"), ids("/v1/products", "sku"))

    def pick(self, values: tuple[str, ...], generated: object) -> str:
        return values[zlib.crc32(repr(generated).encode()) % len(values)]

    def body(self, operation: str, body: Any) -> Any:
        """A generated body, with the catalog entries it names replaced by real ones. A new
        quote keeps only its free-text fields and lines, and is for a real customer: its
        other terms (currency, price list, codes) are fuzzed operation by operation."""
        if not isinstance(body, dict):
            return body
        if operation == "POST /v1/quotes":
            body = {k: v for k, v in body.items() if k in QUOTE_FREE_FIELDS}
            body["customer"] = self.pick(self.customers, body)
        if isinstance(body.get("sku"), str):
            body["sku"] = self.pick(self.skus, body["sku"])
        lines = body.get("lines")
        if isinstance(lines, list):
            body["lines"] = [self.body("line", line) for line in lines]
        return body


def linked_sequences(
    schema: BaseSchema, url: str, session: requests.Session, sequences: int, steps: int = 8
) -> Report:
    """``sequences`` runs of up to ``steps`` calls on the service's own resources, each call
    after the first following an OpenAPI link from the answer before it (e.g. the quote created
    is the quote submitted). Bodies that name catalog entries name real ones. Every answer is
    checked; failures are collected, not shrunk."""
    report = Report()
    dictionary = Dictionary.read(url, session)
    resources = schema.include(path_regex=RESOURCES)
    # Valid requests only: invalid ones are fuzzed operation by operation, and the catalog
    # names put into a body would make an invalid one valid.
    resources.config.generation.update(modes=[GenerationMode.POSITIVE])

    @resources.hook("map_body")
    def real_catalog(context: Any, body: Any) -> Any:
        return dictionary.body(context.operation.label, body)

    machine = resources.as_state_machine()

    class Sequences(machine):  # type: ignore[misc, valid-type]
        def step(self, input: StepInput) -> StepOutput:
            output = super().step(input)
            report.requests += 1
            if input.transition is not None and input.is_applied:
                report.linked.append((input.case.operation.label, output.response.status_code))
            return output

        def get_call_kwargs(self, case: Case[Any]) -> dict[str, Any]:
            return {"base_url": url, "session": session}

        def validate_response(self, response: Response, case: Case[Any], **kwargs: Any) -> None:
            try:
                case.validate_response(response, checks=CHECKS)
            except (AssertionError, FailureGroup) as failure:
                report.failures.append(f"{case.operation.label} (linked): {failure}")

    run = Sequences.TestCase
    run.settings = settings(_settings(sequences), stateful_step_count=steps)
    run().runTest()
    report.operations = len({label for label, _ in report.linked})
    return report
