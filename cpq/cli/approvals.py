"""``cpq approvals``: validate the discount-approval policy and run its examples."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from cpq.approvals.examples import Example, run_examples, untested_rules
from cpq.approvals.files import load_policy
from cpq.approvals.policy import Policy
from cpq.catalog.issues import Issue
from cpq.pricing.rules.files import APPROVAL_POLICY_FILE
from cpq.settings import get_settings

approvals_app = typer.Typer(
    help=f"The discount-approval policy ({APPROVAL_POLICY_FILE}): validate, run its examples.",
    no_args_is_help=True,
)

out = Console()
err = Console(stderr=True, log_path=False)

EXIT_FAILED = 1

Folder = Annotated[
    Path | None,
    typer.Argument(
        help=f"Folder holding {APPROVAL_POLICY_FILE} [default: CPQ_RULES_DIR]", show_default=False
    ),
]


def _say(console: Console, text: str, style: str | None = None) -> None:
    # Text, not markup: messages hold key paths like rules[0] and user-written names.
    console.print(Text(text, style=style or ""), soft_wrap=True)


def _issue_line(issue: Issue) -> str:
    at = ":".join(str(p) if p else "-" for p in (issue.file, issue.row, issue.column))
    return f"{at}: {issue.severity} {issue.code}: {issue.message}"


def _load(folder: Path) -> tuple[Policy, tuple[Example, ...]]:
    policy, issues, examples = load_policy(folder)
    for issue in issues:
        _say(err, _issue_line(issue), "red" if issue.is_error else "yellow")
    if policy is None:
        errors = sum(1 for i in issues if i.is_error)
        _say(err, f"the approval policy in {folder} does not load: {errors} error(s)", "bold red")
        raise typer.Exit(EXIT_FAILED)
    return policy, examples


def _duration(value: timedelta | None) -> str:
    if value is None:
        return "never"
    hours, seconds = divmod(int(value.total_seconds()), 3600)
    return f"{hours}h" + (f"{seconds // 60}m" if seconds else "")


@approvals_app.command("check")
def check_policy(folder: Folder = None) -> None:
    """Validate the approval policy; list each problem with file:row:column, exit 1 on errors."""
    folder = folder or get_settings().rules_dir
    policy, examples = _load(folder)
    rules = Counter(rule.level for rule in policy.rules)
    table = Table(title=f"Approval chain of {policy.label} ({policy.currency})")
    for column in ("level", "name", "approvers", "require", "escalate after"):
        table.add_column(column)
    table.add_column("rules", justify="right")
    for level in policy.levels:
        table.add_row(
            Text(level.code),
            Text(level.name),
            Text(level.approvers.describe()),
            level.require.value,
            _duration(level.escalate_after),
            str(rules[level.code]),
        )
    out.print(table)
    _say(
        out,
        f"ok: {len(policy.levels)} level(s), {len(policy.rules)} rule(s), "
        f"{len(examples)} example(s) in {folder / APPROVAL_POLICY_FILE}",
        "green",
    )


def _untested(policy: Policy, ids: Sequence[str]) -> None:
    for rule_id in ids:
        _say(err, f"warning: no example triggers rule {rule_id!r}", "yellow")


@approvals_app.command("test")
def test_policy(folder: Folder = None) -> None:
    """Run every example of the approval policy; exit 1 on any failure."""
    folder = folder or get_settings().rules_dir
    policy, examples = _load(folder)
    if not examples:
        _say(err, f"no examples in {folder / APPROVAL_POLICY_FILE}: add some", "bold red")
        raise typer.Exit(EXIT_FAILED)
    results = run_examples(policy, examples)
    failed = 0
    for result in results:
        if result.passed:
            _say(out, f"pass {result.example.where}", "green")
            continue
        failed += 1
        _say(out, f"FAIL {result.example.where}", "bold red")
        for mismatch in result.mismatches:
            _say(out, f"  {mismatch}")
    _untested(policy, untested_rules(policy, results))
    _say(
        out,
        f"{len(results) - failed} passed, {failed} failed ({policy.label})",
        "bold red" if failed else "bold green",
    )
    if failed:
        raise typer.Exit(EXIT_FAILED)
