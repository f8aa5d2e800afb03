"""POST /v1/price: the waterfall, money as strings, problems, version pinning, nothing stored."""

from __future__ import annotations

import csv
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from credentials import api_token, bearer
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, inspect, select, table
from statements import statements

from cpq.api.app import create_app
from cpq.db.engine import make_engine
from cpq.services import pricing
from cpq.services.catalog_sync import run_sync
from cpq.settings import Settings
from cpq.sync.mapping import load_profile
from cpq.sync.sources.files import FolderSource

DEMO_EXPORT = Path(__file__).resolve().parents[2] / "catalog" / "demo-export"
DAY = "2026-03-02"

SETTINGS = "settings: {name: api-test, rounding: per_line}\n"
RULES = """\
rules:
  - id: sensors-ten
    description: Ten off sensors
    applies_to: {groups: [HW-SENS]}
    then: {kind: discount_percent, percent: 10}
"""


def write_rules(folder: Path, rules: str = RULES) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "settings.yaml").write_text(SETTINGS)
    (folder / "rules.yaml").write_text(rules)
    return folder


def sync(db_url: str, folder: Path) -> None:
    engine = make_engine(db_url)
    run_sync(engine, FolderSource(folder), load_profile("canonical"), models_dir=None)
    engine.dispose()


@pytest.fixture
def rules_dir(tmp_path: Path) -> Path:
    return write_rules(tmp_path / "rules")


@pytest.fixture
def client(db_url: str, tmp_path: Path, rules_dir: Path) -> Iterator[TestClient]:
    settings = Settings(
        database_url=db_url,
        rules_dir=rules_dir,
        product_models_dir=tmp_path / "no-models",
        rate_limit_per_minute=0,  # these tests count rows and statements; the limit writes one
    )
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        client.headers.update(bearer(api_token(db_url)))
        yield client


@pytest.fixture
def synced(client: TestClient, db_url: str) -> TestClient:
    sync(db_url, DEMO_EXPORT)
    return client


def body(*lines: dict[str, Any], **context: Any) -> dict[str, Any]:
    return {"context": {"currency": "EUR", "pricing_date": DAY, **context}, "lines": list(lines)}


def probe(quantity: int | str = 2, **extra: Any) -> dict[str, Any]:
    return {"id": "1", "sku": "TS-PT100-100-M", "quantity": quantity, **extra}


def cable(quantity: int | str = 150) -> dict[str, Any]:
    return {"id": "2", "sku": "CBL-SIG-2X05S", "quantity": quantity}


def test_a_basket_comes_back_with_its_whole_waterfall(synced: TestClient) -> None:
    response = synced.post("/v1/price", json=body(probe(), cable(), quote_discount_percent=5))

    assert response.status_code == 200, response.text
    quote = response.json()
    assert quote["catalog_version"] == 1
    assert quote["rule_set"].startswith("api-test@")
    assert (quote["currency"], quote["pricing_date"], quote["rounding"]) == ("EUR", DAY, "per_line")
    first, second = quote["lines"]
    assert first == {
        "line_id": "1",
        "sku": "TS-PT100-100-M",
        "name": "Pt100 RTD probe, 100 mm, Modbus RTU",
        "parent_line_id": None,
        "quantity": "2",
        "unit": "each",
        "base_quantity": "2",
        "list_price": "203.00",
        "source": {
            "price_list": "STD-EUR",
            "reason": "standard",
            "currency": "EUR",
            "unit": "each",
            "price_break": "0",
            "entry_price": "203.00",
            "customer_specific": False,
            "valid_from": None,
            "valid_to": None,
            "derived_from": [],
            "conversion": None,
        },
        "adjustments": [
            {
                "step": "discount",
                "kind": "discount_percent",
                "rule_id": "sensors-ten",
                "description": "Ten off sensors: 10% off",
                "before": "203.00",
                "after": "182.70",
                "amount": "-20.30",
            }
        ],
        "net_unit_price": "182.70",
        "net_unit_price_exact": "182.70",
        "net_total": "365.40",
        "recurring": False,
        "term_months": None,
        "amount": "365.40",
        "quote_discount": "-18.27",
        "final_amount": "347.13",
        "unit_cost": "105.60",
        "margin": "135.93",
        "margin_percent": "39.16",
        "flags": [],
    }
    # 150 m reaches the 100 m price break; no rule for cables.
    assert (second["list_price"], second["source"]["price_break"], second["adjustments"]) == (
        "1.13",
        "100",
        [],
    )
    assert (second["net_total"], second["quote_discount"], second["final_amount"]) == (
        "169.50",
        "-8.48",
        "161.02",
    )
    (quote_discount,) = quote["quote_adjustments"]
    assert quote_discount == {
        "step": "quote",
        "kind": "manual_quote_discount",
        "rule_id": None,
        "description": "5% off the quote by the rep",
        "basis": "534.90",
        "amount": "-26.75",
        "shares": [{"line_id": "1", "amount": "-18.27"}, {"line_id": "2", "amount": "-8.48"}],
    }
    assert quote["totals"]["list_total"] == "575.50"
    assert (quote["totals"]["one_time_total"], quote["totals"]["total"]) == ("508.15", "508.15")


def test_a_price_converted_from_another_currency_shows_the_rate(synced: TestClient) -> None:
    response = synced.post("/v1/price", json=body(probe(1), currency="USD", price_list="STD-EUR"))

    assert response.status_code == 200, response.text
    (line,) = response.json()["lines"]
    assert line["list_price"] == "216.70"  # 203.00 EUR at the rate of 1 March
    assert (line["source"]["price_list"], line["source"]["reason"]) == ("STD-EUR", "override")
    assert (line["source"]["currency"], line["source"]["entry_price"]) == ("EUR", "203.00")
    assert line["source"]["conversion"] == {
        "from_currency": "EUR",
        "rate": "1.067482",
        "rate_date": "2026-03-01",
        "inverted": False,
    }


LINE_MONEY = (
    "quantity",
    "base_quantity",
    "list_price",
    "net_unit_price",
    "net_unit_price_exact",
    "net_total",
    "amount",
    "quote_discount",
    "final_amount",
    "unit_cost",
    "margin",
    "margin_percent",
)


def walk(value: Any) -> Iterator[Any]:
    if isinstance(value, dict):
        for v in value.values():
            yield from walk(v)
    elif isinstance(value, list):
        for v in value:
            yield from walk(v)
    else:
        yield value


def test_money_goes_out_as_strings_never_floats(synced: TestClient) -> None:
    lines = [
        probe("2E+1"),
        cable("0.000001"),
        {
            "id": "3",
            "sku": "CBL-SIG-2X05S",
            "quantity": 2,
            "unit": "reel",
            "manual_discount": {"amount": "0.5", "reason": "dent"},
        },
    ]
    quote = synced.post("/v1/price", json=body(*lines)).json()

    scalars = list(walk(quote))
    assert not [v for v in scalars if isinstance(v, float)]
    assert {type(v) for v in scalars} <= {str, int, bool, type(None)}
    numbers = [v for v in scalars if isinstance(v, int) and not isinstance(v, bool)]
    assert numbers == [1]  # catalog_version only
    figures = [line[k] for line in quote["lines"] for k in LINE_MONEY if line[k] is not None]
    figures += [v for k, v in quote["totals"].items() if v is not None]
    assert len(figures) > 40
    assert [f for f in figures if not re.fullmatch(r"-?\d+(\.\d+)?", f)] == []  # no 1E-7
    first, tiny = quote["lines"][:2]
    assert (first["quantity"], first["base_quantity"]) == ("20", "20")  # sent as 2E+1
    assert (tiny["quantity"], tiny["net_total"]) == ("0.000001", "0.00")
    reel = quote["lines"][2]
    assert (reel["unit"], reel["base_quantity"], reel["list_price"]) == ("reel", "1000", "541.00")


def test_every_validation_problem_is_listed_with_its_field(synced: TestClient) -> None:
    bad = {
        "context": {
            "currency": "EURO",
            "pricing_date": "2026-02-30",
            "quote_discount_percent": 101,
            "colour": "red",
        },
        "lines": [
            {"id": "1", "sku": "X", "quantity": 0},
            {
                "id": "2",
                "sku": "Y",
                "quantity": "abc",
                "manual_discount": {"percent": 5, "amount": 1},
            },
            {"id": "3", "sku": "", "quantity": 1, "options": [{"id": "3.1", "quantity": -1}]},
        ],
        "catalog_version": 0,
    }

    response = synced.post("/v1/price", json=bad)

    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["code"] == "invalid_request"
    assert [e["field"] for e in problem["errors"]] == [
        "body.context.currency",
        "body.context.pricing_date",
        "body.context.quote_discount_percent",
        "body.context.colour",
        "body.lines.0.quantity",
        "body.lines.1.quantity",
        "body.lines.1.manual_discount",
        "body.lines.2.sku",
        "body.lines.2.options.0.sku",
        "body.lines.2.options.0.quantity",
        "body.catalog_version",
    ]
    assert "'EURO' is not an ISO 4217 currency code" in problem["errors"][0]["message"]
    assert "either percent or amount" in problem["errors"][6]["message"]


def test_too_many_lines_is_a_clear_problem(synced: TestClient) -> None:
    many = [{"id": str(n), "sku": "X", "quantity": 1} for n in range(10_001)]
    nested = [{"id": "top", "sku": "X", "quantity": 1, "options": many[:10_000]}]

    flat = synced.post("/v1/price", json=body(*many)).json()
    deep = synced.post("/v1/price", json=body(*nested)).json()

    for problem in (flat, deep):  # options count as lines, as on a quote
        assert [e["field"] for e in problem["errors"]] == ["body.lines"]
        assert "at most 10000 lines, options included" in problem["errors"][0]["message"]
        assert "these are 10001" in problem["errors"][0]["message"]


def test_unknown_sku_and_customer_are_one_problem_listing_both(synced: TestClient) -> None:
    response = synced.post(
        "/v1/price",
        json=body(probe(), {"id": "2", "sku": "NOPE", "quantity": 1}, customer="C-99999"),
    )

    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["code"] == "invalid_input"
    assert problem["errors"] == [
        {
            "severity": "error",
            "code": "unknown_customer",
            "message": "no customer 'C-99999'",
            "column": "context.customer",
        },
        {
            "severity": "error",
            "code": "unknown_sku",
            "message": "no item 'NOPE' in catalog version 1",
            "column": "lines[1].sku",
        },
    ]
    assert problem["detail"].startswith("2 problem(s) pricing the request")


def test_the_catalog_version_can_be_pinned(synced: TestClient, db_url: str, tmp_path: Path) -> None:
    changed = tmp_path / "export-2"
    shutil.copytree(DEMO_EXPORT, changed)
    prices = changed / "price_list_entries.csv"
    prices.write_text(
        prices.read_text().replace(
            "STD-EUR,TS-PT100-100-M,each,0,,,,203.00,EUR",
            "STD-EUR,TS-PT100-100-M,each,0,,,,210.00,EUR",
        )
    )
    sync(db_url, changed)

    def list_price(**extra: Any) -> tuple[int, str]:
        quote = synced.post("/v1/price", json={**body(probe()), **extra}).json()
        return quote["catalog_version"], quote["lines"][0]["list_price"]

    assert list_price() == (2, "210.00")
    assert list_price(catalog_version=1) == (1, "203.00")
    assert list_price(catalog_version=2) == (2, "210.00")
    missing = synced.post("/v1/price", json={**body(probe()), "catalog_version": 3})
    assert missing.status_code == 404
    assert missing.json()["detail"] == "catalog version 3 does not exist"


def test_without_a_synced_catalog_the_answer_is_404(client: TestClient) -> None:
    response = client.post("/v1/price", json=body(probe()))

    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert "no catalog has been synced" in response.json()["detail"]


def row_counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {
            name: conn.execute(select(func.count()).select_from(table(name))).scalar_one()
            for name in inspect(conn).get_table_names()
        }


def test_pricing_stores_nothing(synced: TestClient, db_url: str) -> None:
    engine = make_engine(db_url)
    before = row_counts(engine)

    ok = synced.post("/v1/price", json=body(probe(), cable(), quote_discount_percent=3))
    refused = synced.post("/v1/price", json=body({"id": "1", "sku": "NOPE", "quantity": 1}))

    assert (ok.status_code, refused.status_code) == (200, 422)
    assert row_counts(engine) == before
    assert before["catalog_versions"] == 1
    engine.dispose()


def priced_skus(count: int) -> list[str]:
    with (DEMO_EXPORT / "items.csv").open(encoding="utf-8") as f:
        each = {r["sku"] for r in csv.DictReader(f) if r["active"] == "true"}
    with (DEMO_EXPORT / "price_list_entries.csv").open(encoding="utf-8") as f:
        listed = [
            r["sku"]
            for r in csv.DictReader(f)
            if r["price_list"] == "STD-EUR" and r["sku"] in each and r["min_quantity"] == "0"
        ]
    return list(dict.fromkeys(listed))[:count]


def test_loading_takes_as_many_statements_for_50_lines_as_for_1_and_reads_once(
    synced: TestClient,
) -> None:
    engine: Engine = synced.app.state.engine  # type: ignore[attr-defined]
    skus = priced_skus(50)
    fifty = [{"id": str(n), "sku": sku, "quantity": 3} for n, sku in enumerate(skus)]

    with statements(engine) as one_line:
        first = synced.post("/v1/price", json=body(probe(), customer="C-10001"))
    with statements(engine) as fifty_lines:
        second = synced.post("/v1/price", json=body(*fifty, customer="C-10001"))
    with statements(engine) as again:
        third = synced.post("/v1/price", json=body(*fifty, customer="C-10001"))
    # The API token's check (and its last_used_at) is the same on every request: left aside.
    checks = [len([s for s in run if "api_tokens" in s]) for run in (one_line, fifty_lines, again)]
    assert checks == [2, 1, 1], checks  # the first use also writes its last_used_at
    one_line, fifty_lines, again = (
        [s for s in run if "api_tokens" not in s] for run in (one_line, fifty_lines, again)
    )

    assert (first.status_code, second.status_code) == (200, 200), second.text
    assert len(second.json()["lines"]) == 50
    assert third.json() == second.json()
    assert len(one_line) <= 8  # the head version, then the catalog (seven with a customer)
    # A catalog version never changes: what was read stays in memory. New SKUs cost their three
    # statements (items, units, prices) whatever their number; nothing else is read again.
    assert len(fifty_lines) == 4
    assert [s for s in again if "catalog_versions" not in s] == []


def test_a_rule_set_that_does_not_load_is_a_503_listing_its_problems(
    synced: TestClient, rules_dir: Path
) -> None:
    (rules_dir / "rules.yaml").write_text(
        "rules:\n  - id: broken\n    description: more than everything off\n    then: {kind: discount_percent, percent: 120}\n"
    )

    response = synced.post("/v1/price", json=body(probe()))

    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["code"] == "rule_set_invalid"
    assert problem["errors"] == [
        {
            "severity": "error",
            "code": "less_than_equal",
            "message": "Input should be less than or equal to 100",
            "file": "rules.yaml",
            "row": 4,
            "column": "rules[0].then.discount_percent.percent",
            "value": "120",
        }
    ]
    assert "cpq rules check" in problem["detail"]


def test_an_edited_rule_set_is_picked_up_on_the_next_request(
    synced: TestClient, rules_dir: Path
) -> None:
    first = synced.post("/v1/price", json=body(probe(1))).json()
    write_rules(rules_dir, RULES.replace("percent: 10", "percent: 12.5"))

    second = synced.post("/v1/price", json=body(probe(1))).json()

    assert first["lines"][0]["net_unit_price"] == "182.70"
    assert second["lines"][0]["net_unit_price"] == "177.63"  # 203 less 12.5% = 177.625
    assert first["rule_set"] != second["rule_set"]


def test_the_rule_set_is_loaded_once_while_its_files_stay_the_same(rules_dir: Path) -> None:
    first = pricing.engine_for(rules_dir)
    assert pricing.engine_for(rules_dir) is first

    rules = rules_dir / "rules.yaml"
    original = rules.read_text()
    rules.write_text(original + "# reviewed\n")
    edited = pricing.engine_for(rules_dir)
    rules.write_text(original)
    undone = pricing.engine_for(rules_dir)

    assert edited is not first
    assert edited.rule_set.digest != first.rule_set.digest
    assert undone is first  # the same files again: the engine already built for them


def test_openapi_declares_the_problems_of_pricing(client: TestClient) -> None:
    operation = client.get("/openapi.json").json()["paths"]["/v1/price"]["post"]

    assert {"200", "404", "422", "503"} <= set(operation["responses"])
    assert "application/problem+json" in operation["responses"]["503"]["content"]
