"""The read-only catalog API: listings, pagination, product detail, 405s, problem+json."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from credentials import api_token, bearer
from exports import small_export, write_export
from fastapi.testclient import TestClient

from cpq.api import pagination
from cpq.api.app import create_app
from cpq.db.engine import make_engine
from cpq.services.catalog_sync import run_sync
from cpq.settings import Settings
from cpq.sync.mapping import load_profile
from cpq.sync.sources.files import FolderSource

TOKEN = "t" * 40


@pytest.fixture
def client(db_url: str, tmp_path: Path) -> Iterator[TestClient]:
    settings = Settings(
        database_url=db_url, sync_token=TOKEN, product_models_dir=tmp_path / "no-models"
    )
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        client.headers.update(bearer(api_token(db_url)))
        yield client


@pytest.fixture
def synced(client: TestClient, db_url: str, tmp_path: Path) -> TestClient:
    engine = make_engine(db_url)
    run_sync(
        engine,
        FolderSource(write_export(tmp_path / "export", small_export())),
        load_profile("canonical"),
        models_dir=None,
    )
    engine.dispose()
    return client


def test_health_and_readiness(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["status"] == "ready"


def test_readiness_fails_on_a_database_without_migrations(tmp_path: Path) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'blank.sqlite3'}")
    with TestClient(create_app(settings)) as client:
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    assert "cpq db upgrade" in response.json()["detail"]


def test_an_empty_catalog_lists_nothing(client: TestClient) -> None:
    assert client.get("/v1/products").json() == {
        "data": [],
        "next_cursor": None,
        "catalog_version": None,
    }


def test_products_are_searchable_by_text_group_and_brand(synced: TestClient) -> None:
    def skus(**params: str) -> list[str]:
        response = synced.get("/v1/products", params=params)
        assert response.status_code == 200, response.text
        return [p["sku"] for p in response.json()["data"]]

    assert skus() == ["C-10", "S-100", "S-200"]
    assert skus(q="humid") == ["S-200"]
    assert skus(q="s-1") == ["S-100"]
    assert skus(group="HW") == ["C-10", "S-100", "S-200"]  # subgroups included
    assert skus(group="SENS") == ["S-100", "S-200"]
    assert skus(brand="Bolt") == ["C-10"]
    assert skus(q="100%") == []


def test_cursor_pagination_walks_every_product_once(synced: TestClient) -> None:
    seen: list[str] = []
    params: dict[str, str | int] = {"limit": 2}
    while True:
        page = synced.get("/v1/products", params=params).json()
        seen += [p["sku"] for p in page["data"]]
        if page["next_cursor"] is None:
            break
        params = {"limit": 2, "cursor": page["next_cursor"]}
    assert seen == ["C-10", "S-100", "S-200"]


@pytest.mark.parametrize(
    "state",
    [
        None,
        {"v": None, "after": "A"},
        {"v": "x", "after": "A"},
        {"v": 1, "after": [1]},
        {"a": 1},
        {"v": 99, "after": "A"},
        {"v": True, "after": "A"},
    ],
)
def test_a_forged_cursor_is_a_problem_not_a_crash(
    synced: TestClient, state: dict[str, object] | None
) -> None:
    cursor = "not-a-cursor" if state is None else pagination.encode(**state)

    response = synced.get("/v1/products", params={"cursor": cursor})

    assert response.status_code == 422
    assert response.json()["code"] == "invalid_input"


def test_price_list_and_customer_detail(synced: TestClient) -> None:
    assert synced.get("/v1/price-lists/STD-USD").json()["currency"] == "USD"
    assert synced.get("/v1/customers/CUST-1").json()["name"] == "Globex"
    assert synced.get("/v1/price-lists/NOPE").status_code == 404
    assert synced.get("/v1/customers/NOPE").status_code == 404


def test_price_breaks_are_in_numeric_order_on_every_engine(
    client: TestClient, db_url: str, tmp_path: Path
) -> None:
    export = small_export()
    export["price_list_entries"] += [
        {"price_list": "STD-EUR", "sku": "S-200", "unit_price": p, "min_quantity": q}
        for q, p in (("5", "95"), ("100", "80"), ("10", "90"))
    ]
    engine = make_engine(db_url)
    run_sync(
        engine,
        FolderSource(write_export(tmp_path / "x", export)),
        load_profile("canonical"),
        models_dir=None,
    )
    engine.dispose()

    prices = client.get("/v1/products/S-200").json()["prices"]

    assert [p["min_quantity"] for p in prices] == ["0", "5", "10", "100"]


def test_product_detail_has_prices_per_list_units_and_group_path(synced: TestClient) -> None:
    body = synced.get("/v1/products/C-10").json()

    assert body["catalog_version"] == 1
    assert [g["code"] for g in body["group_path"]] == ["HW"]
    assert body["units"] == [{"unit": "box", "factor": "100"}]
    assert [
        (p["price_list"], p["currency"], p["unit"], p["unit_price"]) for p in body["prices"]
    ] == [("STD-EUR", "EUR", "box", "4.50")]


def test_unknown_product_is_404_problem_json(synced: TestClient) -> None:
    response = synced.get("/v1/products/NOPE")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert (body["status"], body["code"], body["instance"]) == (
        404,
        "not_found",
        "/v1/products/NOPE",
    )


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/v1/products"),
        ("PUT", "/v1/products/S-100"),
        ("PATCH", "/v1/products/S-100"),
        ("DELETE", "/v1/products/S-100"),
        ("POST", "/v1/price-lists"),
        ("DELETE", "/v1/price-lists/STD-EUR"),
        ("POST", "/v1/customers"),
        ("PATCH", "/v1/customers/CUST-1"),
    ],
)
def test_writes_to_the_catalog_answer_405_naming_the_back_office(
    synced: TestClient, method: str, path: str
) -> None:
    response = synced.request(method, path, json={"name": "hijack"})

    assert response.status_code == 405
    assert response.headers["content-type"] == "application/problem+json"
    assert "back office" in response.json()["detail"]
    assert response.headers["allow"] == "GET, HEAD"
    assert synced.get("/v1/products/S-100").json()["name"] == "Temperature sensor"


def test_price_lists_and_customers(synced: TestClient) -> None:
    assert [p["code"] for p in synced.get("/v1/price-lists").json()["data"]] == [
        "STD-EUR",
        "STD-USD",
    ]
    assert [
        c["external_id"] for c in synced.get("/v1/customers", params={"q": "glob"}).json()["data"]
    ] == ["CUST-1"]


def test_validation_errors_list_every_field(client: TestClient) -> None:
    response = client.get("/v1/products", params={"limit": 0, "include_inactive": "perhaps"})

    assert response.status_code == 422
    fields = sorted(e["field"] for e in response.json()["errors"])
    assert fields == ["query.include_inactive", "query.limit"]


def test_sync_runs_are_listed_newest_first(synced: TestClient) -> None:
    sync = {"Authorization": f"Bearer {TOKEN}"}  # the history is the back office's business
    runs = synced.get("/v1/sync-runs", headers=sync).json()["data"]
    assert [(r["status"], r["catalog_version_id"]) for r in runs] == [("succeeded", 1)]
    assert runs[0]["diff"]["items"]["added"] == 3
    one = synced.get(f"/v1/sync-runs/{runs[0]['id']}", headers=sync)
    assert one.json()["id"] == runs[0]["id"]


def test_upload_sync_needs_the_token(client: TestClient, tmp_path: Path) -> None:
    folder = write_export(tmp_path / "up", small_export())
    files = [("files", (p.name, p.read_bytes(), "text/csv")) for p in sorted(folder.iterdir())]

    refused = client.post("/v1/sync-runs", files=files, headers={"Authorization": "Bearer wrong"})
    accepted = client.post(
        "/v1/sync-runs", files=files, headers={"Authorization": f"Bearer {TOKEN}"}
    )
    again = client.post("/v1/sync-runs", files=files, headers={"Authorization": f"Bearer {TOKEN}"})

    assert refused.status_code == 401
    assert (
        accepted.status_code,
        accepted.json()["status"],
        accepted.json()["catalog_version_id"],
    ) == (201, "succeeded", 1)
    assert (again.status_code, again.json()["status"]) == (200, "unchanged")


def test_upload_sync_with_errors_answers_422_with_the_list(
    client: TestClient, tmp_path: Path
) -> None:
    export = small_export()
    export["price_list_entries"][0]["unit_price"] = "-3"
    export["price_list_entries"][1]["sku"] = "GHOST"
    folder = write_export(tmp_path / "up", export)
    files = [("files", (p.name, p.read_bytes(), "text/csv")) for p in sorted(folder.iterdir())]

    response = client.post(
        "/v1/sync-runs", files=files, headers={"Authorization": f"Bearer {TOKEN}"}
    )

    assert response.status_code == 422
    body = response.json()
    assert [(e["file"], e["row"], e["column"], e["code"]) for e in body["errors"]] == [
        ("price_list_entries.csv", 2, "unit_price", "negative"),
        ("price_list_entries.csv", 3, "sku", "unknown_sku"),
    ]
    assert client.get("/v1/products").json()["data"] == []


def test_openapi_is_served(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert "/v1/products" in spec["paths"]
    assert "405" in spec["paths"]["/v1/products"]["post"]["responses"]
