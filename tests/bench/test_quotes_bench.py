"""The quote benchmark runs end to end in its quick mode: a real ``cpq serve`` and the floor
app, the load generator in its own process, both loops, every figure reported.

On PostgreSQL (``CPQ_TEST_DATABASE_URL`` set) it runs as the benchmark does, with two workers
and its own database created from that URL and dropped afterwards. Without it, on SQLite with
one worker each: the same harness, load generator and figures, so the default suite keeps the
benchmark working too (the PostgreSQL-only figures, the backends' CPU, are then left out).
Its targets belong to the benchmark (``python bench/quotes_bench.py``), not to the test suite.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest
from databases import PG_URL

BENCH = Path(__file__).resolve().parents[2] / "bench" / "quotes_bench.py"


def _bench(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    spec = importlib.util.spec_from_file_location("quotes_bench", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    # dataclasses look their module up while the file runs; taken out again after the test
    monkeypatch.setitem(sys.modules, spec.name, module)
    monkeypatch.syspath_prepend(str(BENCH.parent))  # floor_app
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_quick_run_reports_every_figure(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    bench = _bench(monkeypatch)
    where = ["--admin-url", PG_URL] if PG_URL else ["--sqlite"]

    rows = bench.main(["--quick", *where])

    by_key = {row.key: row for row in rows}
    expected = {
        "floor_peak",
        "quote_peak",
        "quote_peak_requests",
        "ratio",
        "ratio_requests",
        "open_offered",
        "open_answered",
        *(f"{kind}_p{p}" for kind in ("scenario", "create", "submit") for p in (50, 95, 99)),
        "floor_server_cpu",
        "quote_server_cpu",
        "cpu_ratio",
        "loadgen_cpu",
        "floor_loadgen_cpu",
        "machine_busy_floor",
        "machine_busy_quote",
        "errors",
    }
    if PG_URL:
        expected |= {"floor_database_cpu", "quote_database_cpu"}
    assert set(by_key) == expected
    assert by_key["errors"].value == 0
    value = {key: row.value for key, row in by_key.items()}
    assert value["quote_peak_requests"] == 2 * value["quote_peak"]
    # a 20-line quote priced, stored and submitted costs more than one INSERT
    assert 0 < value["quote_peak"] < value["floor_peak"]
    assert 0 < value["floor_server_cpu"] < value["quote_server_cpu"]
    assert value["open_offered"] == pytest.approx(0.7 * value["quote_peak"])
    assert value["open_answered"] > 0
    for kind in ("scenario", "create", "submit"):
        assert 0 < value[f"{kind}_p50"] <= value[f"{kind}_p95"] <= value[f"{kind}_p99"]
    assert value["scenario_p50"] > value["create_p50"]
    out = capsys.readouterr().out
    assert "Quote API over HTTP" in out and "QUICK" in out
    for row in rows:
        assert row.figure.strip() in out
