"""The configuration benchmark runs end to end on a small model (same code path, small sizes).

Only that it completes, that its model and partial configuration are consistent and that the
evaluation names a state for every option and attribute value: its timing target belongs to the
benchmark (``python bench/configuration_bench.py``), not to the test suite.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import pytest

from cpq.configuration.checking import violations
from cpq.configuration.choices import ChoiceKind
from cpq.configuration.evaluate import State

BENCH = Path(__file__).resolve().parents[2] / "bench" / "configuration_bench.py"
SMALL = ["--options", "60", "--groups", "6", "--constraints", "100"]


def _bench(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    spec = importlib.util.spec_from_file_location("configuration_bench", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    # dataclasses look their module up while the file runs; taken out again after the test
    monkeypatch.setitem(sys.modules, spec.name, module)
    spec.loader.exec_module(module)
    return module


def test_quick_run_evaluates_every_option(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    bench = _bench(monkeypatch)

    result = bench.main(
        [*SMALL, "--runs", "3", "--build-runs", "1", "--complete-runs", "1", "--json", "--no-check"]
    )

    bundle = result.generated.bundle
    assert sum(len(g.options) for g in bundle.option_groups) == 60
    assert len(bundle.option_groups) == 6
    assert len(bundle.constraints) == 100
    assert {c.kind for c in bundle.constraints} == {
        "requires",
        "excludes",
        "implies",
        "compatible",
        "cardinality",
        "quantity",
    }
    empty = result.generated.empty  # the model alone: completable, no dead option
    assert empty.consistent
    assert all(s.state is State.SELECTABLE for s in empty.options)

    model = result.configurator.model
    evaluation = result.evaluation
    kinds = [c.kind for c in result.choices]  # 6 groups: at most 6 selections
    assert 3 <= kinds.count(ChoiceKind.SELECT) <= 10 and ChoiceKind.VALUE in kinds
    assert any(c.quantity is not None for c in result.choices)
    assert evaluation.consistent and evaluation.conflict is None
    assert [s.option for s in evaluation.options] == [o.index for o in model.options]
    assert all(isinstance(s.state, State) for s in evaluation.options)
    assert len(evaluation.values) == sum(len(a.values) for a in model.attributes)
    chosen = {c.target for c in result.choices if c.kind is not ChoiceKind.VALUE}
    for s in evaluation.options:
        assert (s.option in chosen) == (s.state in (State.SELECTED, State.REJECTED))
        assert (s.reason is not None) == (s.state in (State.CLOSED, State.IMPLIED))
    assert evaluation.violations == tuple(violations(model, evaluation.configuration))
    assert evaluation.solver_calls > 0

    rows = {row.key: row for row in result.rows}
    assert {
        "build",
        "evaluate",
        "evaluate_states",
        "evaluate_cold",
        "floor",
        "solver_calls",
        "complete",
    } <= set(rows)
    assert all(rows[k].value > 0 for k in ("build", "evaluate", "floor", "complete"))
    assert rows["solver_calls"].value == evaluation.solver_calls
    states = sum(rows[f"options_{s.value}"].value for s in State)
    assert states == len(model.options)
    assert rows["evaluate_states"].verdict == "n/a (reduced size)"

    out = capsys.readouterr().out
    assert "Configuration engine" in out
    figures = json.loads(out.strip().splitlines()[-1])
    assert figures["solver_calls"] == evaluation.solver_calls
    assert figures["evaluate"] == rows["evaluate"].value
