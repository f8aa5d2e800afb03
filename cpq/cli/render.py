"""Tables for sync results, issues and history."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from rich.console import Console
from rich.table import Table

from cpq.catalog.issues import Issue
from cpq.db.models import SyncRun


def issues_table(console: Console, issues: Sequence[Issue], limit: int) -> None:
    table = Table(title=f"{len(issues)} problem(s)", show_lines=False)
    for column in ("severity", "file", "row", "column", "code", "message"):
        table.add_column(column, overflow="fold")
    for issue in issues[:limit]:
        style = "red" if issue.is_error else "yellow"
        table.add_row(
            f"[{style}]{issue.severity}[/]",
            issue.file or "",
            str(issue.row or ""),
            issue.column or "",
            issue.code,
            issue.message,
        )
    console.print(table)
    if len(issues) > limit:
        console.print(f"... and {len(issues) - limit} more")


def diff_table(console: Console, diff: dict[str, Any], title: str) -> None:
    table = Table(title=title)
    for column in ("entity", "added", "changed", "deactivated", "unchanged"):
        table.add_column(column, justify="left" if column == "entity" else "right")
    for entity, counts in diff.items():
        table.add_row(
            entity,
            *(str(counts.get(k, 0)) for k in ("added", "changed", "deactivated", "unchanged")),
        )
    console.print(table)


def history_table(console: Console, runs: Iterable[SyncRun]) -> None:
    table = Table(title="Sync runs")
    for column in ("id", "status", "started", "seconds", "version", "errors", "warnings", "source"):
        table.add_column(column, overflow="fold")
    for run in runs:
        seconds = (
            f"{(run.finished_at - run.started_at).total_seconds():.2f}" if run.finished_at else ""
        )
        table.add_row(
            str(run.id),
            run.status,
            run.started_at.strftime("%Y-%m-%d %H:%M:%S"),
            seconds,
            str(run.catalog_version_id or ""),
            str(run.error_count),
            str(run.warning_count),
            run.source,
        )
    console.print(table)
