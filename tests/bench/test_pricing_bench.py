"""The pricing benchmark runs end to end in its quick mode (same code path, small sizes).

Only that it completes and reports every figure: its timing targets belong to the benchmark
(``python bench/pricing_bench.py``), not to the test suite.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench" / "pricing_bench.py"


def _bench(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    spec = importlib.util.spec_from_file_location("pricing_bench", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    # dataclasses look their module up while the file runs; taken out again after the test
    monkeypatch.setitem(sys.modules, spec.name, module)
    spec.loader.exec_module(module)
    return module


def test_quick_run_reports_every_figure(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    bench = _bench(monkeypatch)
    q = bench.QUICK

    rows = bench.main(["--quick"])

    assert {row.key for row in rows} == {
        *(f"floor_{n}" for n in (q.small_lines, q.lines, q.large_lines)),
        *(f"load_{n}" for n in (q.few_rules, q.rules, q.many_rules)),
        "price_target",
        "price_target_cold",
        "price_large",
        "price_few_rules",
        "price_many_rules",
        "price_many_rules_cold",
        "memory_large",
        *(f"sql_{what}_{n}" for what in ("count", "time") for n in (10, q.demo_lines)),
    }
    assert all(row.value > 0 for row in rows)
    counts = [row.value for row in rows if row.key.startswith("sql_count_")]
    assert len(set(counts)) == 1  # the same statements for 10 lines as for 50
    out = capsys.readouterr().out
    assert "Pricing engine" in out
    for row in rows:
        assert row.figure.strip() in out
