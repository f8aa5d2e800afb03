"""The `cpq` command: sync exit codes and output, history."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from exports import small_export, write_export
from typer.testing import CliRunner

from cpq.cli.main import app
from cpq.settings import get_settings

runner = CliRunner()


@pytest.fixture(autouse=True)
def settings(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("CPQ_DATABASE_URL", db_url)
    monkeypatch.setenv("CPQ_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("CPQ_PRODUCT_MODELS_DIR", str(tmp_path / "no-models"))
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_sync_then_unchanged_then_history(tmp_path: Path) -> None:
    folder = write_export(tmp_path / "x", small_export())

    first = runner.invoke(app, ["sync", str(folder), "--json"])
    second = runner.invoke(app, ["sync", str(folder), "--json"])
    history = runner.invoke(app, ["sync-history", "--json"])

    assert first.exit_code == 0, first.output
    assert json.loads(first.stdout)["catalog_version"] == 1
    assert (json.loads(second.stdout)["status"], json.loads(second.stdout)["catalog_version"]) == (
        "unchanged",
        1,
    )
    assert [r["status"] for r in json.loads(history.stdout)] == ["unchanged", "succeeded"]


def test_sync_with_errors_exits_1_and_names_file_row_and_column(tmp_path: Path) -> None:
    export = small_export()
    export["price_list_entries"][2]["unit_price"] = "ninety"
    folder = write_export(tmp_path / "x", export)

    result = runner.invoke(app, ["sync", str(folder), "--json"])

    assert result.exit_code == 1
    body = json.loads(result.stdout)
    assert body["status"] == "failed"
    assert [
        (i["file"], i["row"], i["column"], i["code"])
        for i in body["issues"]
        if i["severity"] == "error"
    ] == [("price_list_entries.csv", 4, "unit_price", "not_a_number")]


def test_sync_of_a_missing_folder_is_a_clear_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["sync", str(tmp_path / "nowhere")])

    assert result.exit_code == 1
    assert "no such folder or file" in " ".join(result.output.split())


def test_human_output_has_a_summary_table(tmp_path: Path) -> None:
    result = runner.invoke(app, ["sync", str(write_export(tmp_path / "x", small_export()))])

    assert result.exit_code == 0, result.output
    assert "catalog version 1" in result.stdout
    assert "price_list_entries" in result.stdout


def test_the_demo_refuses_to_seed_its_known_passwords_in_production(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    database = tmp_path / "prod.sqlite3"
    monkeypatch.setenv("CPQ_ENVIRONMENT", "production")
    monkeypatch.setenv("CPQ_DATABASE_URL", f"sqlite:///{database}")
    get_settings.cache_clear()
    try:
        result = runner.invoke(app, ["demo"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 1
    assert "not in production" in result.output
    assert not database.exists()
