"""An id or version in a path larger than the database's integer column is a 422 naming it, not
a 500 from the database (found by the contract fuzz, tests/e2e/test_contract_fuzz.py)."""

from __future__ import annotations

import pytest
from quotes.quotes_world import World, create, lines, problem, synced_template, world

__all__ = ["synced_template", "world"]


@pytest.mark.parametrize("number", ["2147483648", "9223372036854775808", "0"])
def test_an_id_past_the_integer_column_is_a_422(world: World, number: str) -> None:
    rita, ada = world.client("rita"), world.client("ada")
    quote = create(rita, lines=lines())

    for client, path in (
        (ada, f"/v1/sync-runs/{number}"),
        (rita, f"/v1/quotes/{quote['id']}/versions/{number}"),
        (rita, f"/v1/quotes/{quote['id']}/versions/{number}/pdf"),
        (ada, f"/v1/approvals/{number}"),
    ):
        found = problem(client.get(path), 422)
        assert found["errors"][0]["field"].startswith("path."), (path, found)
    problem(ada.post(f"/v1/approvals/{number}/approve", json={}), 422)
    problem(ada.delete(f"/v1/delegations/{number}"), 422)


@pytest.mark.parametrize("number", ["2147483648", "35653230190420017152", "0"])
def test_an_id_in_a_query_past_the_integer_column_is_a_422(world: World, number: str) -> None:
    """The long fuzz (bench/contract_fuzz.py) found GET /v1/quotes?owner=<huge> a 500."""
    rita = world.client("rita")
    for path, field in (
        (f"/v1/quotes?owner={number}", "query.owner"),
        (f"/v1/products?catalog_version={number}", "query.catalog_version"),
    ):
        found = problem(rita.get(path), 422)
        assert [e["field"] for e in found["errors"]] == [field], (path, found)
