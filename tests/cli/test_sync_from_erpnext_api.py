"""`cpq sync URL --profile erpnext`: a full catalog from an ERPNext-shaped REST API, end to end."""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from sync.erpnext_stub_server import ErpnextStub, StubResource
from typer.testing import CliRunner

from cpq.cli.main import app
from cpq.settings import get_settings

runner = CliRunner()
TOKEN = "apikey:apisecret"

RESOURCES = {
    "Item Group": [
        {
            "name": "All Item Groups",
            "item_group_name": "All Item Groups",
            "parent_item_group": None,
        },
        {"name": "Sensors", "item_group_name": "Sensors", "parent_item_group": "All Item Groups"},
    ],
    "Item": [
        {
            "name": "SEN-T1",
            "item_code": "SEN-T1",
            "item_name": "Temperature sensor",
            "description": "<p>PT100 probe</p>",
            "item_group": "Sensors",
            "brand": "Acme",
            "stock_uom": "Nos",
            "valuation_rate": Decimal("41.25"),
            "disabled": 0,
        },
        {
            "name": "SEN-H1",
            "item_code": "SEN-H1",
            "item_name": "Humidity sensor",
            "description": None,
            "item_group": "Sensors",
            "brand": None,
            "stock_uom": "Nos",
            "valuation_rate": Decimal("55"),
            "disabled": 0,
        },
    ],
    "Price List": [
        {
            "name": "Standard Selling",
            "price_list_name": "Standard Selling",
            "currency": "EUR",
            "enabled": 1,
            "selling": 1,
            "buying": 0,
        },
        {
            "name": "Standard Buying",
            "price_list_name": "Standard Buying",
            "currency": "EUR",
            "enabled": 1,
            "selling": 0,
            "buying": 1,
        },
    ],
    "Item Price": [
        {
            "name": "IP-1",
            "item_code": "SEN-T1",
            "price_list": "Standard Selling",
            "price_list_rate": Decimal("79.90"),
            "currency": "EUR",
            "valid_from": "2026-01-01",
            "valid_upto": None,
            "uom": "Nos",
            "customer": None,
            "selling": 1,
            "buying": 0,
        },
        {
            "name": "IP-2",
            "item_code": "SEN-H1",
            "price_list": "Standard Selling",
            "price_list_rate": Decimal("99.00"),
            "currency": "EUR",
            "valid_from": None,
            "valid_upto": None,
            "uom": None,
            "customer": None,
            "selling": 1,
            "buying": 0,
        },
        {
            "name": "IP-3",
            "item_code": "SEN-T1",
            "price_list": "Standard Buying",
            "price_list_rate": Decimal("40.00"),
            "currency": "EUR",
            "valid_from": None,
            "valid_upto": None,
            "uom": "Nos",
            "customer": None,
            "selling": 0,
            "buying": 1,
        },
    ],
    "Customer": [
        {
            "name": "CUST-0001",
            "customer_name": "Globex GmbH",
            "customer_group": "Commercial",
            "territory": "Germany",
            "default_currency": "EUR",
            "default_price_list": "Standard Selling",
            "disabled": 0,
        },
    ],
    "Currency Exchange": [
        {
            "name": "CE-1",
            "date": "2026-01-01",
            "from_currency": "EUR",
            "to_currency": "USD",
            "exchange_rate": Decimal("1.0850"),
            "for_selling": 1,
        },
    ],
}


@pytest.fixture(autouse=True)
def settings(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("CPQ_DATABASE_URL", db_url)
    monkeypatch.setenv("CPQ_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("CPQ_PRODUCT_MODELS_DIR", str(tmp_path / "no-models"))
    monkeypatch.setenv("CPQ_PROFILE_COMPANY_CURRENCY", "EUR")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_sync_a_catalog_from_the_erpnext_api_then_again_unchanged() -> None:
    resources = {
        name: StubResource(records, validator="etag") for name, records in RESOURCES.items()
    }
    with ErpnextStub(resources, token=TOKEN) as stub:
        first = runner.invoke(
            app, ["sync", stub.url, "--profile", "erpnext", "--token", TOKEN, "--json"]
        )
        second = runner.invoke(
            app, ["sync", stub.url, "--profile", "erpnext", "--token", TOKEN, "--json"]
        )
        not_modified = stub.not_modified_sent

    assert first.exit_code == 0, first.output
    outcome = json.loads(first.stdout)
    added = {entity: counts["added"] for entity, counts in outcome["diff"].items()}
    assert added == {
        "product_groups": 2,
        "items": 2,
        "price_lists": 1,
        "price_list_entries": 2,
        "customers": 1,
        "exchange_rates": 1,
    }
    assert json.loads(second.stdout)["status"] == "unchanged"
    assert not_modified == len(RESOURCES)  # every page came back 304 the second time


def test_a_refused_token_is_a_clear_failure_with_exit_code_3() -> None:
    resources = {name: StubResource(records) for name, records in RESOURCES.items()}
    with ErpnextStub(resources, token=TOKEN) as stub:
        result = runner.invoke(
            app, ["sync", stub.url, "--profile", "erpnext", "--token", "wrong:token"]
        )

    assert result.exit_code == 3
    assert "token" in " ".join(result.output.split())
