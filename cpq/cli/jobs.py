"""``cpq jobs run``: the background jobs once, for a scheduler (cron, systemd timer) when the
server's own job thread is turned off (CPQ_JOBS_INTERVAL_SECONDS=0)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import typer
from rich.console import Console

from cpq.db.engine import make_engine
from cpq.services.approval_jobs import run_jobs
from cpq.settings import get_settings

jobs_app = typer.Typer(
    help="Background jobs: approval escalation, quote expiry.", no_args_is_help=True
)
out = Console()


@jobs_app.command("run")
def run() -> None:
    """Escalate overdue approvals, expire quotes past their validity, purge old idempotency keys."""
    settings = get_settings()
    engine = make_engine(settings.database_url)
    report = run_jobs(
        engine, settings.rules_dir, datetime.now(UTC), timedelta(hours=settings.idempotency_hours)
    )
    out.print(
        f"escalated {report.escalated} approval(s) ({report.not_escalated} could not be), "
        f"expired {report.expired} quote(s), purged {report.idempotency_keys_purged} "
        "idempotency key(s)"
    )
