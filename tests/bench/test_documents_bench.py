"""The quote document benchmark runs end to end in its quick mode (1- and 100-line quotes): the
floor and ours each in their own process, every figure reported, both PDFs produced and holding
every line of the quote.

Its targets belong to the benchmark (``python bench/documents_bench.py``), not to the test suite.
"""

from __future__ import annotations

import importlib.util
import io
import json
import sys
from pathlib import Path
from types import ModuleType

import pytest
from pypdf import PdfReader

BENCH = Path(__file__).resolve().parents[2] / "bench" / "documents_bench.py"


def _bench(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    spec = importlib.util.spec_from_file_location("documents_bench", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    # dataclasses look their module up while the file runs; taken out again after the test
    monkeypatch.setitem(sys.modules, spec.name, module)
    spec.loader.exec_module(module)
    return module


def _text(pdf: Path) -> str:
    reader = PdfReader(io.BytesIO(pdf.read_bytes()))
    return "".join("".join(page.extract_text().split()) for page in reader.pages)


def test_generated_quote_is_realistic(monkeypatch: pytest.MonkeyPatch) -> None:
    bench = _bench(monkeypatch)

    lines = bench.quote_lines(100)
    context = bench.document_context(100)

    assert len(lines) == 100 and len(context["lines"]) == 100
    assert any(ln["parent_line_id"] is not None for ln in lines)  # bundles with options
    assert any(ln["recurring"] and ln["term_months"] == 36 for ln in lines)
    assert max(len(ln["name"]) for ln in lines) > 100 > min(len(ln["name"]) for ln in lines)
    assert all(row["line_total"].startswith("€") for row in context["lines"])


@pytest.mark.slow
def test_quick_run_reports_every_figure(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    bench = _bench(monkeypatch)

    cases = bench.main(["--quick", "--json", "--pdf-dir", str(tmp_path)])

    assert [c.lines for c in cases] == [1, 100]
    for case in cases:
        assert case.errors == []
        assert case.floor_s > 0 and case.ours_s > 0 and case.single_s > 0
        assert case.ratio == pytest.approx(case.ours_s / case.floor_s)
        assert case.pages >= 1 and case.floor_pages >= 1
        assert 0 < case.peak_mb <= case.total_mb and case.floor_peak_mb > 0
        assert case.met is None  # targets are judged on the full run only
    one, hundred = cases
    assert one.ours_runs == 5 and one.ours_p95_s >= one.ours_s
    assert hundred.ours_runs == 1 and hundred.pages > one.pages
    for kind in ("floor", "ours"):
        text = _text(tmp_path / f"{kind}-100.pdf")
        assert all(ln["sku"] in text for ln in bench.quote_lines(100)), kind
    out = capsys.readouterr().out
    assert "Quote PDFs" in out and "QUICK" in out
    figures = json.loads(out.strip().splitlines()[-1])
    assert [c["lines"] for c in figures["cases"]] == [1, 100]
    for row in figures["cases"]:
        assert {"floor_s", "ours_s", "ratio", "single_s"} <= row.keys()
        assert row["pages"] >= 1 and row["peak_mb"] > 0
