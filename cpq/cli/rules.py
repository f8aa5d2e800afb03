"""``cpq rules``: validate a pricing rule set, run its examples, preview what a change moves."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from cpq.catalog.issues import Issue
from cpq.db import migrate
from cpq.db.engine import make_engine
from cpq.errors import CPQError
from cpq.pricing.engine import PricingEngine
from cpq.pricing.examples import run_examples, where
from cpq.pricing.impact import BasketImpact, ImpactReport, compare, sample_baskets
from cpq.pricing.rules.catalog_check import against_catalog
from cpq.pricing.rules.files import LoadedRules, load_rule_set
from cpq.pricing.rules.model import STEP_OF
from cpq.pricing.snapshot import PricingCatalog
from cpq.services import pricing
from cpq.services.export_catalog import catalog_from_export
from cpq.settings import get_settings

rules_app = typer.Typer(
    help="Pricing rule sets: validate, run their examples, preview a change.",
    no_args_is_help=True,
)

out = Console()
err = Console(stderr=True, log_path=False)

EXIT_FAILED = 1

Folder = Annotated[
    Path | None,
    typer.Argument(help="Rule set folder [default: CPQ_RULES_DIR]", show_default=False),
]


def _say(console: Console, text: str, style: str | None = None) -> None:
    # Text, not markup: messages hold key paths like rules[0] and user-written names.
    console.print(Text(text, style=style or ""), soft_wrap=True)


def _issue_line(issue: Issue) -> str:
    at = ":".join(str(p) if p else "-" for p in (issue.file, issue.row, issue.column))
    return f"{at}: {issue.severity} {issue.code}: {issue.message}"


def _print_issues(issues: Sequence[Issue]) -> None:
    for issue in issues:
        _say(err, _issue_line(issue), "red" if issue.is_error else "yellow")


def _load(folder: Path, what: str = "rule set") -> LoadedRules:
    loaded, issues = load_rule_set(folder)
    _print_issues(issues)
    if loaded is None:
        errors = sum(1 for i in issues if i.is_error)
        _say(err, f"the {what} in {folder} does not load: {errors} error(s)", "bold red")
        raise typer.Exit(EXIT_FAILED)
    return loaded


def _latest_catalog() -> PricingCatalog | str:
    """The database's latest catalog, or why there is none (not migrated, nothing synced)."""
    engine = make_engine(get_settings().database_url)
    try:
        if not migrate.is_at_head(engine):
            return "the database is not at the latest migration: run `cpq db upgrade`"
        with engine.connect() as conn:
            return pricing.full_catalog(conn, None)
    except CPQError as exc:
        return exc.detail
    finally:
        engine.dispose()


def _head_catalog() -> PricingCatalog:
    found = _latest_catalog()
    if isinstance(found, str):
        _say(err, found, "bold red")
        raise typer.Exit(EXIT_FAILED)
    return found


def _export_catalog(export: Path) -> PricingCatalog:
    try:
        catalog, issues = catalog_from_export(export)
    except CPQError as exc:
        _say(err, f"{export}: {exc.detail}", "bold red")
        raise typer.Exit(EXIT_FAILED) from None
    if catalog is None:
        _print_issues([i for i in issues if i.is_error])
        _say(err, f"the export in {export} has errors", "bold red")
        raise typer.Exit(EXIT_FAILED)
    return catalog


ExportOption = Annotated[
    Path | None,
    typer.Option(help="Use this export folder instead of the database's latest catalog"),
]


@rules_app.command("check")
def check_rules(folder: Folder = None, export: ExportOption = None) -> None:
    """Validate every file of a rule set; list each problem with file:row:column.

    Names that match nothing in the catalog (the database's latest, or --export) are warnings.
    """
    folder = folder or get_settings().rules_dir
    loaded = _load(folder)
    rule_set = loaded.rule_set
    found = _export_catalog(export) if export is not None else _latest_catalog()
    catalog = None if isinstance(found, str) else found
    if catalog is None:
        _say(err, "no catalog to check names against (no database catalog, no --export)")
    else:
        _print_issues(against_catalog(rule_set, catalog))
    kinds = Counter(rule.kind for rule in rule_set.rules)
    table = Table(title=f"Rule set {rule_set.label}")
    table.add_column("kind")
    table.add_column("step")
    table.add_column("rules", justify="right")
    for kind, n in sorted(kinds.items()):
        step = STEP_OF[kind]
        table.add_row(kind, step.value if step is not None else "-", str(n))
    out.print(table)
    _say(
        out,
        f"ok: {len(rule_set.rules)} rule(s), {len(rule_set.derived_lists)} derived price "
        f"list(s), {len(loaded.examples)} example(s) in {folder}",
        "green",
    )


@rules_app.command("test")
def run_examples_command(folder: Folder = None, export: ExportOption = None) -> None:
    """Run every example of a rule set and compare its figures; exit 1 on any failure."""
    folder = folder or get_settings().rules_dir
    loaded = _load(folder)
    if not loaded.examples:
        _say(err, f"no examples in {folder}: add some under `examples:`", "bold red")
        raise typer.Exit(EXIT_FAILED)
    if export is not None:
        catalog = _export_catalog(export)
        against = f"export {export}"
    else:
        catalog = _head_catalog()
        against = f"catalog version {catalog.version}"
    results = run_examples(PricingEngine(loaded.rule_set), loaded.examples, catalog)
    failed = 0
    for located, mismatches in results:
        if mismatches:
            failed += 1
            _say(out, f"FAIL {where(located)}", "bold red")
            for mismatch in mismatches:
                _say(out, f"  {mismatch}")
        else:
            _say(out, f"pass {where(located)}", "green")
    passed = len(results) - failed
    _say(
        out,
        f"{passed} passed, {failed} failed ({loaded.rule_set.label} on {against})",
        "bold red" if failed else "bold green",
    )
    if failed:
        raise typer.Exit(EXIT_FAILED)


def _money(value: Decimal | None) -> str:
    return "" if value is None else f"{value:f}"


def _signed(value: Decimal | None) -> str:
    return "" if value is None else f"{value:+f}"


def _basket_json(b: BasketImpact) -> dict[str, Any]:
    return {
        "name": b.name,
        "currency": b.currency,
        "status": b.status,
        "before": _money(b.before) or None,
        "after": _money(b.after) or None,
        "change": _money(b.change) or None,
        "percent": _money(b.percent) or None,
        "error_before": b.error_before,
        "error_after": b.error_after,
        "lines": [
            {
                "line_id": ln.line_id,
                "sku": ln.sku,
                "before": _money(ln.before),
                "after": _money(ln.after),
                "rules_before": list(ln.rules_before),
                "rules_after": list(ln.rules_after),
            }
            for ln in b.lines
        ],
    }


def _summary(report: ImpactReport) -> dict[str, int]:
    return {
        "unchanged": report.unchanged,
        "up": report.up,
        "down": report.down,
        "failed_before": report.failed_before,
        "failed_after": report.failed_after,
    }


def _print_report(report: ImpactReport) -> None:
    counts = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in _summary(report).items())
    _say(out, counts)
    changed = report.changed
    if not changed:
        _say(out, "no total changes", "bold green")
    else:
        totals = Table(title=f"{len(changed)} total(s) change")
        # Figures never wrap or get cut; names and rule lists give way.
        totals.add_column("basket")
        for column in ("currency", "before", "after", "change", "%"):
            totals.add_column(column, justify="right", no_wrap=True)
        lines = Table(title="Lines whose net total changes")
        for column in ("basket", "line", "sku"):
            lines.add_column(column, overflow="fold")
        for column in ("before", "after"):
            lines.add_column(column, justify="right", no_wrap=True)
        for column in ("rules before", "rules after"):
            lines.add_column(column, overflow="fold")
        for b in changed:
            totals.add_row(
                Text(b.name),
                b.currency,
                _money(b.before),
                _money(b.after),
                _signed(b.change),
                _signed(b.percent),
            )
            for ln in b.lines:
                lines.add_row(
                    Text(b.name),
                    Text(ln.line_id),
                    ln.sku,
                    _money(ln.before),
                    _money(ln.after),
                    ", ".join(ln.rules_before),
                    ", ".join(ln.rules_after),
                )
        out.print(totals)
        out.print(lines)
    for b in report.baskets:
        if b.error_before is not None:
            _say(out, f"{b.name} fails with the current rule set: {b.error_before}", "yellow")
        if b.error_after is not None:
            _say(out, f"{b.name} fails with the candidate: {b.error_after}", "red")


@rules_app.command("diff")
def diff_rules(
    candidate: Annotated[Path, typer.Argument(help="The changed rule set's folder")],
    current: Annotated[
        Path | None, typer.Option(help="The rule set in use [default: CPQ_RULES_DIR]")
    ] = None,
    sample: Annotated[int, typer.Option(min=1, max=100_000, help="Baskets to generate")] = 200,
    seed: Annotated[int, typer.Option(help="Seed of the generated baskets")] = 0,
    day: Annotated[
        datetime | None,
        typer.Option("--date", formats=["%Y-%m-%d"], help="Pricing date [default: today]"),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON")] = False,
) -> None:
    """Reprice baskets under the current and the candidate rule set; show the totals that move."""
    current = current or get_settings().rules_dir
    cand = _load(candidate, "candidate rule set")
    curr = _load(current, "current rule set")
    catalog = _head_catalog()
    pricing_date = day.date() if day is not None else date.today()
    # Quotes are not stored yet: generated baskets stand in for them.
    baskets = sample_baskets(catalog, pricing_date, sample, seed)
    before, after = PricingEngine(curr.rule_set), PricingEngine(cand.rule_set)
    report = compare(
        baskets,
        lambda request: before.price(request, catalog),
        lambda request: after.price(request, catalog),
    )
    source = f"no stored quotes; {len(baskets)} generated baskets"
    if as_json:
        body = {
            "source": source,
            "stored_quotes": 0,
            "generated_baskets": len(baskets),
            "seed": seed,
            "pricing_date": pricing_date.isoformat(),
            "catalog_version": catalog.version,
            "current": curr.rule_set.label,
            "candidate": cand.rule_set.label,
            "summary": _summary(report),
            "baskets": [_basket_json(b) for b in report.baskets],
        }
        print(json.dumps(body, indent=2))
        return
    _say(
        out,
        f"{source} (seed {seed}, pricing date {pricing_date}, catalog version {catalog.version})",
    )
    _say(
        out,
        f"current {curr.rule_set.label} ({current}) -> candidate {cand.rule_set.label} ({candidate})",
    )
    _print_report(report)
