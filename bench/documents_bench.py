"""Quote document benchmark: PDFs of quotes of 1, 100, 1,000 and 5,000 lines.

The quotes are generated from one seed (``random.Random``) as plain dicts shaped like stored quote
and version rows, and turned into the template context by the real, pure
``cpq.documents.context.quote_context``: bundles with their options (``parent_line_id``),
recurring lines (``recurring``, 36 months), names from a few words to ones that wrap over three
lines, hours and metres as well as pieces, EUR amounts (Decimal; line totals and quote totals
consistent), a 2% quote-level discount; status approved (a clean document, no watermark).

Each measurement runs in its own fresh process (this file, ``--measure``), so that its peak
memory is its own:

- the floor: naive single-process WeasyPrint: a plain HTML table of the same rows (the same seven
  texts as the document: SKU, name, quantity and unit, unit list price, discount, net unit price,
  line total), the default stylesheet, ``HTML(string=...).write_pdf()``; one render timed after
  one warm-up render of a 1-row table in the same process;
- ours: ``cpq.documents.workers.render_pdf(context, Variant.STANDARD, settings=Settings())``,
  called once with the 1-line quote as warm-up, then timed: the 1-line quote 30 times (p50 and
  p95), the larger ones 3 times (median);
- single-process, for information, in ours' process after ours' figures are taken:
  ``cpq.documents.render.render_quote_pdf(context)`` in-process (the 1-line quote as often as
  ours, p50; the larger ones once).

Peak memory (``ru_maxrss`` of the measuring process, ``VmHWM`` from ``/proc/<pid>/status`` of
each of its descendant processes, read right after each render while they still live, and
``RUSAGE_CHILDREN`` for those already gone, unless no larger than before the timed renders):
"peak per render process" is the largest of them; "total" is the largest sum, seen after a
render, of the process's own peak and its live descendants' peaks (or its own plus its largest
exited child's, when that is larger). Pages are counted with pypdf.

Targets: a 1-line quote <= 150 ms p50 (ours, warm process); 1,000 lines <= 0.33x the floor;
every case: peak per render process <= 300 MB; the 5,000-line quote completes with total
memory < 1 GB.

    python bench/documents_bench.py [--quick] [--json] [--seed 7] [--pdf-dir DIR]

``--quick`` (the test suite runs it): the 1- and 100-line quotes, 5 repeats of the 1-line
quote, one run of the other; targets are judged on the full run only. ``--pdf-dir`` keeps the
PDFs of the last run of each measurement (``floor-<lines>.pdf``, ``ours-<lines>.pdf``).
"""

from __future__ import annotations

import argparse
import html
import io
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from cpq.documents.context import Parties, quote_context
from cpq.documents.templates import template_version

D = Decimal
CENT = D("0.01")
TERM = 36
ONE_LINE_TARGET_S = 0.150
RATIO_TARGET = 0.33  # of the floor, at 1,000 lines
RATIO_LINES = 1_000
PEAK_TARGET_MB = 300.0
TOTAL_TARGET_MB = 1024.0  # at the largest quote
LARGEST = 5_000


@dataclass(frozen=True, slots=True)
class Plan:
    lines: tuple[int, ...]
    one_line_repeats: int  # timed renders of the 1-line quote (p50, p95)
    runs: int  # timed renders of each larger quote (median)
    timeout_s: float  # per measuring process


FULL = Plan((1, 100, 1_000, LARGEST), one_line_repeats=30, runs=3, timeout_s=1_800)
QUICK = Plan((1, 100), one_line_repeats=5, runs=1, timeout_s=120)


# --- the quotes ----------------------------------------------------------------------------------

PARTIES = Parties(
    "Example Instruments GmbH",
    "Musterstrasse 1\n10115 Berlin\nGermany",
    "Acme Process Automation AG",
    "Rita Rep",
)
QUOTE = {"id": "0b7c2f7e-0000-4000-8000-00000000b001", "number": "Q-2026-BENCH"}

SHORT_NAMES = ("Cable 2 m", "Fuse 4 A", "Seal kit", "DIN rail", "Label set", "Wall bracket")
NAMES = (
    "Pressure transmitter 0-16 bar",
    "Temperature sensor PT100, 150 mm",
    "Flow meter DN50, electromagnetic",
    "Level radar 80 GHz, 30 m range",
    "Remote I/O module, 16 channels",
    "Panel PC 15 inch, fanless",
)
LONG_NAMES = (
    "Industrial pressure transmitter, 0-16 bar, 4-20 mA with HART, stainless steel 316L wetted "
    "parts, M20 cable gland, ATEX zone 1 certificate and factory calibration report",
    "Coriolis mass flow meter DN25 with remote transmitter, 10 m connecting cable, hygienic "
    "Tri-Clamp process connections and EHEDG certificate",
    "Field installation and commissioning by a certified technician on site, travel within "
    "Germany included, weekday working hours",
)
BUNDLES = (
    "Tank monitoring kit",
    "Boiler house instrumentation package",
    "Cleanroom climate monitoring system with redundant sensors and central alarm panel",
)
OPTIONS = ("Mounting kit", "Display module", "Calibration certificate", "Spare sensor element")
SUBSCRIPTIONS = (
    "Remote monitoring portal, per site",
    "Software maintenance and updates",
    "Extended warranty and 24/7 hotline with next-business-day replacement of faulty devices",
)
DISCOUNTS = tuple(D(p) for p in ("0", "0", "0", "5", "10", "12.5", "15", "20"))


def _money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _line(
    rng: random.Random,
    n: int,
    name: str,
    *,
    parent: int | None = None,
    unit: str = "EA",
    quantity: Decimal | None = None,
    list_price: Decimal | None = None,
    recurring: bool = False,
) -> dict[str, Any]:
    qty = quantity if quantity is not None else D(rng.choice((1, 1, 1, 2, 4, 10, 25)))
    listed = list_price if list_price is not None else _money(D(rng.randint(500, 2_500_000)) / 100)
    net = _money(listed * (1 - rng.choice(DISCOUNTS) / 100))
    term = TERM if recurring else None
    return {
        "line_id": str(n),
        "sku": f"{'SUB' if recurring else 'SKU'}-{n:05d}",
        "name": name,
        "parent_line_id": None if parent is None else str(parent),
        "quantity": str(qty),
        "unit": unit,
        "list_price": str(listed),
        "net_unit_price": str(net),
        "final_amount": str(_money(net * qty * (term or 1))),
        "recurring": recurring,
        "term_months": term,
        "adjustments": [],
    }


def quote_lines(count: int, seed: int = 7) -> list[dict[str, Any]]:
    """``count`` priced lines in quote order: about a quarter bundles with 2-5 options each,
    one line in seven recurring, the rest single items (some in hours or metres)."""
    rng = random.Random(f"{seed}:{count}")
    lines: list[dict[str, Any]] = []
    n = 0
    while len(lines) < count:
        n += 1
        left = count - len(lines)
        roll = rng.random()
        if roll < 0.25 and left >= 3:
            parent = n
            lines.append(_line(rng, n, rng.choice(BUNDLES)))
            for _ in range(rng.randint(2, min(5, left - 1))):
                n += 1
                included = rng.random() < 0.3
                lines.append(
                    _line(
                        rng,
                        n,
                        rng.choice(OPTIONS),
                        parent=parent,
                        list_price=D("0.00") if included else None,
                    )
                )
        elif roll < 0.39:
            lines.append(_line(rng, n, rng.choice(SUBSCRIPTIONS), recurring=True))
        elif roll < 0.47:
            hours = D(rng.choice(("2", "7.5", "16", "40")))
            lines.append(
                _line(rng, n, rng.choice(LONG_NAMES), unit="h", quantity=hours, list_price=D("145"))
            )
        else:
            names = rng.choice((SHORT_NAMES, NAMES, NAMES, LONG_NAMES))
            unit = "m" if names is SHORT_NAMES and rng.random() < 0.3 else "EA"
            lines.append(_line(rng, n, rng.choice(names), unit=unit))
    return lines


def quote_version(lines: list[dict[str, Any]]) -> dict[str, Any]:
    one_time = sum((D(ln["final_amount"]) for ln in lines if not ln["recurring"]), D(0))
    recurring = sum((D(ln["final_amount"]) for ln in lines if ln["recurring"]), D(0))
    monthly = _money(recurring / TERM)
    loyalty = -_money(one_time * D("0.02"))
    total = one_time + recurring + loyalty
    return {
        "version": 3,
        "status": "approved",
        "currency": "EUR",
        "customer": "C-10001",
        "valid_until": date(2026, 12, 24),
        "payment_terms": "NET30",
        "title": "Instrumentation for hall 3",
        "notes": None,
        "created_at": datetime(2026, 11, 20, 8, 30),
        "priced_at": datetime(2026, 11, 20, 8, 31, 5),
        "total": str(total),
        "priced": {
            "currency": "EUR",
            "lines": lines,
            "quote_adjustments": [
                {"kind": "discount", "description": "Loyalty 2%", "amount": str(loyalty)}
            ],
            "totals": {
                "one_time_total": str(one_time + loyalty),
                "recurring_monthly_total": str(monthly),
                "recurring_total": str(recurring),
                "total": str(total),
            },
        },
    }


def document_context(count: int, seed: int = 7) -> dict[str, Any]:
    version = quote_version(quote_lines(count, seed))
    return quote_context(QUOTE, version, PARTIES, lang="en", template_version=template_version())


def floor_html(context: dict[str, Any]) -> str:
    """A plain HTML table of the document's rows, the same seven texts, no stylesheet."""
    labels = context["labels"]
    keys = ("sku", "description", "quantity", "list_price", "discount")
    head = [labels[k] for k in keys] + [labels["net_unit_price"], labels["line_total"]]
    rows = [
        (
            r["sku"],
            r["name"],
            f"{r['quantity']} {r['unit']}",
            r["list_price"],
            r["discount"],
            r["net_unit_price"],
            r["line_total"],
        )
        for r in context["lines"]
    ]
    cells = "".join(f"<th>{html.escape(h)}</th>" for h in head)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in rows
    )
    return f"<!DOCTYPE html><html><body><table><tr>{cells}</tr>{body}</table></body></html>"


# --- memory ---------------------------------------------------------------------------------------


def _parents() -> dict[int, int]:
    found: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:  # gone meanwhile
            continue
        found[int(entry)] = int(stat.rpartition(")")[2].split()[1])  # state, then ppid
    return found


def descendants(pid: int) -> list[int]:
    parents = _parents()
    children: dict[int, list[int]] = {}
    for child, parent in parents.items():
        children.setdefault(parent, []).append(child)
    out: list[int] = []
    todo = list(children.get(pid, []))
    while todo:
        child = todo.pop()
        out.append(child)
        todo.extend(children.get(child, []))
    return out


def vm_hwm_mb(pid: int) -> float | None:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    for row in status.splitlines():
        if row.startswith("VmHWM:"):
            return int(row.split()[1]) / 1024
    return None  # a zombie has no memory lines


def _own_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _exited_children_mb() -> float:
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


@dataclass
class Peaks:
    """The peaks of this process and of its descendants, sampled after each render."""

    children: dict[int, float] = field(default_factory=dict)
    together: float = 0.0
    # Children that exited before the timed renders (importing WeasyPrint runs ldconfig and
    # the like): not render processes, so they count only if the figure grows afterwards.
    exited_before: float = 0.0

    def start(self) -> None:
        self.exited_before = _exited_children_mb()

    def sample(self) -> None:
        live: dict[int, float] = {}
        for pid in descendants(os.getpid()):
            mb = vm_hwm_mb(pid)
            if mb is not None:
                live[pid] = mb
                self.children[pid] = max(self.children.get(pid, 0.0), mb)
        self.together = max(self.together, _own_mb() + sum(live.values()))

    def figures(self) -> dict[str, Any]:
        own, exited = _own_mb(), _exited_children_mb()
        workers_exited = exited if exited > self.exited_before else 0.0
        return {
            "own_mb": own,
            "children_mb": sorted(self.children.values(), reverse=True),
            "exited_children_mb": exited,
            "exited_before_mb": self.exited_before,
            "peak_mb": max(own, workers_exited, *self.children.values()),
            "total_mb": max(self.together, own + workers_exited),
        }


# --- one measurement, in its own process ---------------------------------------------------------


def _timed(
    render: Callable[[], bytes], runs: int, peaks: Peaks | None
) -> tuple[list[float], bytes]:
    times: list[float] = []
    pdf = b""
    for _ in range(runs):
        start = time.perf_counter()
        pdf = render()
        times.append(time.perf_counter() - start)
        if peaks is not None:
            peaks.sample()
    return times, pdf


def _pages(pdf: bytes) -> int:
    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(pdf)).pages)


def measure(kind: str, lines: int, runs: int, seed: int, pdf_dir: str | None) -> dict[str, Any]:
    """Time and measure one kind of render (``floor`` or ``ours``) of one quote size."""
    one = document_context(1, seed)
    context = document_context(lines, seed)
    peaks = Peaks()
    figures: dict[str, Any] = {"kind": kind, "lines": lines}
    if kind == "floor":
        from weasyprint import HTML

        HTML(string=floor_html(one)).write_pdf()
        page = floor_html(context)
        peaks.start()
        times, pdf = _timed(lambda: bytes(HTML(string=page).write_pdf()), 1, peaks)
        figures |= peaks.figures()
    else:
        from cpq.documents.render import render_quote_pdf
        from cpq.documents.variants import Variant
        from cpq.documents.workers import render_pdf
        from cpq.settings import Settings

        settings = Settings()
        render_pdf(one, Variant.STANDARD, settings=settings)
        peaks.start()
        times, pdf = _timed(
            lambda: render_pdf(context, Variant.STANDARD, settings=settings), runs, peaks
        )
        figures |= peaks.figures()  # before the in-process renders below raise the peak
        single, _ = _timed(lambda: render_quote_pdf(context), runs if lines == 1 else 1, None)
        figures["single_s"] = statistics.median(single)
    figures |= {"times": times, "pages": _pages(pdf), "bytes": len(pdf)}
    if pdf_dir:
        (Path(pdf_dir) / f"{kind}-{lines}.pdf").write_bytes(pdf)
    return figures


def in_own_process(
    kind: str, lines: int, runs: int, seed: int, pdf_dir: str | None, timeout_s: float
) -> dict[str, Any]:
    spec = {"kind": kind, "lines": lines, "runs": runs, "seed": seed, "pdf_dir": pdf_dir}
    command = [sys.executable, __file__, "--measure", json.dumps(spec)]
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, check=False, timeout=timeout_s
        )
    except subprocess.TimeoutExpired:
        return {"kind": kind, "lines": lines, "error": f"no result in {timeout_s:.0f} s"}
    last = done.stdout.strip().splitlines()[-1:] if done.stdout else []
    if done.returncode or not last:
        tail = " | ".join(done.stderr.strip().splitlines()[-3:])
        return {"kind": kind, "lines": lines, "error": f"exit {done.returncode}: {tail}"}
    return dict(json.loads(last[0]))


def _measure_main(spec: dict[str, Any]) -> None:
    try:
        figures = measure(spec["kind"], spec["lines"], spec["runs"], spec["seed"], spec["pdf_dir"])
    except Exception as exc:  # reported as this measurement's failure, e.g. a bounded render
        figures = {"kind": spec["kind"], "lines": spec["lines"], "error": repr(exc)}
    print(json.dumps(figures))


# --- the run --------------------------------------------------------------------------------------


@dataclass
class Case:
    lines: int
    pages: int | None = None
    floor_pages: int | None = None
    floor_s: float | None = None
    ours_s: float | None = None  # p50 for 1 line, else the median
    ours_p95_s: float | None = None  # 1 line only
    ratio: float | None = None
    single_s: float | None = None
    peak_mb: float | None = None  # ours, per render process
    total_mb: float | None = None  # ours, the process and its workers together
    floor_peak_mb: float | None = None
    ours_runs: int = 0
    target: str = ""
    met: bool | None = None  # None: not judged (quick mode)
    misses: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def p95(times: Sequence[float]) -> float:
    ordered = sorted(times)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def judge(case: Case, quick: bool) -> None:
    targets = []
    if case.lines == 1:
        targets.append(f"p50 <= {ONE_LINE_TARGET_S * 1000:.0f} ms")
        if case.ours_s is not None and case.ours_s > ONE_LINE_TARGET_S:
            case.misses.append(f"p50 {case.ours_s * 1000:.0f} ms")
    if case.lines == RATIO_LINES:
        targets.append(f"<= {RATIO_TARGET}x floor")
        if case.ratio is not None and case.ratio > RATIO_TARGET:
            case.misses.append(f"{case.ratio:.2f}x floor")
    targets.append(f"peak <= {PEAK_TARGET_MB:.0f} MB")
    if case.peak_mb is not None and case.peak_mb > PEAK_TARGET_MB:
        case.misses.append(f"peak {case.peak_mb:.0f} MB")
    if case.lines == LARGEST:
        targets.append("completes, total < 1 GB")
        if case.total_mb is not None and case.total_mb >= TOTAL_TARGET_MB:
            case.misses.append(f"total {case.total_mb:.0f} MB")
    case.target = "; ".join(targets)
    if case.errors:
        case.misses.append("failed")
    case.met = None if quick else not case.misses


def run_case(lines: int, plan: Plan, seed: int, pdf_dir: str | None, console: Console) -> Case:
    case = Case(lines)
    runs = plan.one_line_repeats if lines == 1 else plan.runs
    console.log(f"{lines:,} lines: floor")
    floor = in_own_process("floor", lines, 1, seed, pdf_dir, plan.timeout_s)
    console.log(f"{lines:,} lines: ours, {runs} run(s), then single-process")
    ours = in_own_process("ours", lines, runs, seed, pdf_dir, plan.timeout_s)
    for figures in (floor, ours):
        if "error" in figures:
            case.errors.append(f"{figures['kind']}: {figures['error']}")
            console.log(f"[red]{lines:,} lines, {figures['kind']} failed: {figures['error']}")
    if "error" not in floor:
        case.floor_s = floor["times"][0]
        case.floor_pages = floor["pages"]
        case.floor_peak_mb = floor["peak_mb"]
    if "error" not in ours:
        times = ours["times"]
        case.ours_runs = len(times)
        case.ours_s = statistics.median(times)
        case.ours_p95_s = p95(times) if lines == 1 else None
        case.single_s = ours["single_s"]
        case.pages = ours["pages"]
        case.peak_mb = ours["peak_mb"]
        case.total_mb = ours["total_mb"]
        console.log(
            f"{lines:,} lines, ours: own {ours['own_mb']:.0f} MB, descendants "
            f"{[round(mb) for mb in ours['children_mb']]} MB, exited children "
            f"{ours['exited_children_mb']:.0f} MB ({ours['exited_before_mb']:.0f} MB before the "
            f"timed renders); {ours['bytes']:,} bytes"
        )
    if case.floor_s and case.ours_s is not None:
        case.ratio = case.ours_s / case.floor_s
    judge(case, plan is QUICK)
    return case


def _s(value: float | None) -> str:
    return "—" if value is None else f"{value:.3f}"


def table(cases: Sequence[Case], plan: Plan, quick: bool, caption: str) -> Table:
    title = (
        f"Quote PDFs: ours (render_pdf) against naive WeasyPrint; 1 line p50 of "
        f"{plan.one_line_repeats}, larger quotes median of {plan.runs}"
    )
    if quick:
        title += " — QUICK: reduced sizes, targets are for the full run"
    out = Table(title=title, caption=caption)
    columns = ("lines", "pages", "floor s", "ours s", "ours/floor", "single-process s")
    for column in (*columns, "peak MB per render process", "target", "met?"):
        out.add_column(column, justify="right", no_wrap=True)
    for c in cases:
        ours = _s(c.ours_s)
        if c.ours_p95_s is not None:
            ours += f" (p95 {c.ours_p95_s:.3f})"
        pages = "—" if c.pages is None else f"{c.pages} (floor {c.floor_pages or '—'})"
        peak = "—" if c.peak_mb is None else f"{c.peak_mb:.0f}"
        if c.total_mb is not None and c.lines == LARGEST:
            peak += f" (total {c.total_mb:.0f})"
        if c.met is None:
            met = "n/a (quick)" if not c.misses else "n/a: " + ", ".join(c.misses)
        else:
            met = "yes" if c.met else "NO: " + ", ".join(c.misses)
        out.add_row(
            f"{c.lines:,}",
            pages,
            _s(c.floor_s),
            ours,
            "—" if c.ratio is None else f"{c.ratio:.2f}x",
            _s(c.single_s),
            peak,
            c.target,
            met,
        )
    return out


def run(plan: Plan, seed: int, pdf_dir: str | None, console: Console) -> list[Case]:
    load = os.getloadavg()[0]
    cases = [run_case(n, plan, seed, pdf_dir, console) for n in plan.lines]
    caption = (
        f"each measurement in its own process; load average {load:.1f} at the start, "
        f"{os.getloadavg()[0]:.1f} at the end, {os.cpu_count()} CPUs; seed {seed}"
    )
    console.print(table(cases, plan, plan is QUICK, caption))
    return cases


def main(argv: Sequence[str] | None = None) -> list[Case]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="1 and 100 lines, few runs (the test)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", action="store_true", help="also print the cases as JSON")
    parser.add_argument("--pdf-dir", help="keep the PDFs of each measurement here")
    parser.add_argument("--measure", help=argparse.SUPPRESS)  # one measurement's own process
    args = parser.parse_args(argv)
    if args.measure:
        _measure_main(json.loads(args.measure))
        return []
    plan = QUICK if args.quick else FULL
    cases = run(plan, args.seed, args.pdf_dir, Console(width=190))
    if args.json:
        print(json.dumps({"cases": [asdict(c) for c in cases]}))
    return cases


if __name__ == "__main__":
    main()
