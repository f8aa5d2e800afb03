"""``cpq``: serve the API, migrate the database, sync the catalog, run the demo."""

from __future__ import annotations

import contextlib
import json
import sys
from pathlib import Path
from typing import Annotated

import typer
import uvicorn
from rich.console import Console
from sqlalchemy import Engine

from cpq.catalog.issues import Issue
from cpq.cli.approvals import approvals_app
from cpq.cli.jobs import jobs_app
from cpq.cli.people import tokens_app, users_app
from cpq.cli.progress import RichProgress
from cpq.cli.render import diff_table, history_table, issues_table
from cpq.cli.rules import rules_app
from cpq.db import migrate
from cpq.db.engine import make_engine
from cpq.errors import CPQError, InvalidInput
from cpq.repositories import catalog_store, sync_runs
from cpq.services.catalog_sync import Source, SyncOutcome, run_sync
from cpq.services.demo_team import seed_demo_team
from cpq.settings import get_settings
from cpq.sync.mapping import load_profile
from cpq.sync.sources.files import FolderSource

app = typer.Typer(help="Open configure-price-quote service.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(rules_app, name="rules")
app.add_typer(approvals_app, name="approvals")
app.add_typer(users_app, name="users")
app.add_typer(tokens_app, name="tokens")
app.add_typer(jobs_app, name="jobs")

out = Console()
err = Console(stderr=True, log_path=False)

EXIT_INVALID = 1
EXIT_UNAVAILABLE = 3
EXIT_BUSY = 4


def _engine() -> Engine:
    return make_engine(get_settings().database_url)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Bring the database schema to the latest migration."""
    engine = _engine()
    migrate.upgrade(engine)
    out.print(
        f"database at migration {migrate.current_revision(engine)} ({engine.url.render_as_string()})"
    )


@db_app.command("current")
def db_current() -> None:
    """Show the database's migration and whether it is the latest."""
    engine = _engine()
    current, head = migrate.current_revision(engine), migrate.head_revision()
    out.print(
        f"current {current or '-'}, latest {head}"
        + ("" if current == head else "  (run: cpq db upgrade)")
    )
    raise typer.Exit(0 if current == head else 1)


def _source(spec: str, profile_spec: str, encoding: str | None, token: str | None) -> Source:
    if spec.startswith(("http://", "https://")):
        from cpq.sync.sources.http import HttpSource

        resources = load_profile(profile_spec).http_resources()
        if not resources:
            raise InvalidInput(f"profile {profile_spec!r} declares no HTTP resources to read")
        return HttpSource(
            spec, resources, token=token, cache_dir=get_settings().data_dir / "http-cache"
        )
    path = Path(spec)
    if not path.exists():
        raise InvalidInput(f"{spec}: no such folder or file")
    return FolderSource(path, encoding=encoding)


def _print_outcome(outcome: SyncOutcome) -> None:
    warnings = [i for i in outcome.issues if not i.is_error]
    if warnings:
        issues_table(err, warnings, limit=50)
    if outcome.status == "unchanged":
        out.print(
            f"[bold]unchanged[/]: the export matches catalog version {outcome.version}; no new version (run {outcome.run_id})"
        )
    else:
        out.print(
            f"[bold green]catalog version {outcome.version}[/] created by sync run {outcome.run_id}"
        )
    diff_table(out, outcome.diff, title="Changes")
    timings = ", ".join(f"{k} {v:.2f}s" for k, v in outcome.timings.items())
    read = (
        "only the lines changed since the last sync"
        if outcome.mode == "lines"
        else "the whole export"
    )
    out.print(f"read {read}; timings: {timings}")
    if outcome.interrupted_runs:
        out.print(
            f"{outcome.interrupted_runs} earlier run(s) that had died were marked interrupted"
        )


def sync_catalog(
    source: Source, profile_spec: str, models: Path | None, as_json: bool
) -> SyncOutcome:
    settings = get_settings()
    engine = _engine()
    if not migrate.is_at_head(engine):
        migrate.upgrade(engine)
    profile = load_profile(profile_spec)
    with RichProgress(err) as progress:
        return run_sync(
            engine,
            source,
            profile,
            models_dir=models,
            progress=progress,
            max_issues=settings.max_reported_issues,
        )


@app.command()
def sync(
    source: Annotated[
        str, typer.Argument(help="A folder or file of exports, or an ERP base URL (http/https)")
    ],
    profile: Annotated[
        str, typer.Option(help="canonical, erpnext, odoo, or a mapping YAML file")
    ] = "canonical",
    encoding: Annotated[
        str | None, typer.Option(help="Encoding of CSV files if not UTF-8, e.g. cp1252")
    ] = None,
    models: Annotated[
        Path | None, typer.Option(help="Product models folder [default: CPQ_PRODUCT_MODELS_DIR]")
    ] = None,
    no_models: Annotated[
        bool, typer.Option("--no-models", help="Leave the stored product models as they are")
    ] = False,
    token: Annotated[
        str | None,
        typer.Option(envvar="CPQ_SOURCE_TOKEN", help="API token 'key:secret' of an HTTP source"),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the outcome as JSON")] = False,
) -> None:
    """Sync the read-only catalog from the back office as one new catalog version."""
    models_dir = None if no_models else (models or get_settings().product_models_dir)
    try:
        outcome = sync_catalog(
            _source(source, profile, encoding, token), profile, models_dir, as_json
        )
    except InvalidInput as exc:
        issues: list[Issue] = exc.extensions.get("issues", [])
        if as_json:
            print(
                json.dumps(
                    {
                        "status": "failed",
                        "detail": exc.detail,
                        "issues": [i.to_dict() for i in issues],
                    },
                    indent=2,
                )
            )
        else:
            if issues:
                issues_table(err, issues, limit=200)
            err.print(f"[bold red]sync failed[/]: {exc.detail}")
        raise typer.Exit(EXIT_INVALID) from None
    except CPQError as exc:
        err.print(f"[bold red]sync failed[/]: {exc.detail}")
        raise typer.Exit(EXIT_BUSY if exc.status == 409 else EXIT_UNAVAILABLE) from None
    if as_json:
        print(
            json.dumps(
                {
                    "status": outcome.status,
                    "mode": outcome.mode,
                    "run_id": outcome.run_id,
                    "catalog_version": outcome.version,
                    "diff": outcome.diff,
                    "timings": outcome.timings,
                    "warnings": [i.to_dict() for i in outcome.issues],
                },
                indent=2,
            )
        )
    else:
        _print_outcome(outcome)


@app.command("sync-history")
def sync_history(
    limit: Annotated[int, typer.Option(min=1, max=1000)] = 20,
    run: Annotated[int | None, typer.Option(help="Show one run in full")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """List past sync runs (status, timings, diff), newest first."""
    engine = _engine()
    with engine.connect() as conn:
        runs = (
            [sync_runs.get(conn, run)]
            if run is not None
            else list(sync_runs.page(conn, before=None, limit=limit))
        )
    if run is not None and runs[0] is None:
        err.print(f"no sync run {run}")
        raise typer.Exit(1)
    found = [r for r in runs if r is not None]
    if as_json:
        print(json.dumps([r.model_dump(mode="json") for r in found], indent=2))
        return
    history_table(out, found)
    if run is not None:
        detail = found[0]
        if detail.message:
            out.print(detail.message)
        if detail.diff:
            diff_table(out, detail.diff, title="Changes")
        if detail.issues:
            issues_table(out, [Issue(**i) for i in detail.issues], limit=200)


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="[default: CPQ_HOST]")] = None,
    port: Annotated[int | None, typer.Option(help="[default: CPQ_PORT]")] = None,
    workers: Annotated[
        int, typer.Option(min=1, help="Worker processes (PostgreSQL for more than one)")
    ] = 1,
) -> None:
    """Serve the HTTP API."""
    settings = get_settings()
    uvicorn.run(
        "cpq.api.app:create_app",
        factory=True,
        host=host or settings.host,
        port=port or settings.port,
        workers=workers,
        log_level="info",
        proxy_headers=True,
        forwarded_allow_ips=settings.forwarded_allow_ips,
    )


@app.command()
def worker() -> None:
    """Deliver webhooks: dispatch the outbox and send what is due, every
    CPQ_WEBHOOK_INTERVAL_SECONDS, until stopped (SIGTERM or Ctrl-C: after the delivery in hand).
    Run one or several next to `cpq serve` on PostgreSQL (they never take the same delivery at
    once); on SQLite the server delivers itself."""
    import signal

    from cpq.webhooks.runner import WebhookWorker

    settings = get_settings()
    engine = _engine()
    deliveries = WebhookWorker(engine, settings)
    signal.signal(signal.SIGTERM, lambda *_: deliveries.stop_soon())
    out.print(f"delivering webhooks from {engine.url.render_as_string()}")
    with contextlib.suppress(KeyboardInterrupt):
        deliveries.run()


@app.command()
def demo(
    host: Annotated[str | None, typer.Option(help="[default: CPQ_HOST]")] = None,
    port: Annotated[int | None, typer.Option(help="[default: CPQ_PORT]")] = None,
) -> None:
    """Migrate, sync the demo back-office export (a no-op when unchanged), seed the demo team,
    and serve."""
    settings = get_settings()
    if settings.environment == "production":
        err.print("[red]cpq demo seeds a team with known passwords and token: not in production[/]")
        raise typer.Exit(EXIT_INVALID)
    engine = _engine()
    migrate.upgrade(engine)
    with engine.connect() as conn:
        first = catalog_store.head_version(conn) is None
    try:
        outcome = sync_catalog(
            FolderSource(settings.demo_export_dir), "canonical", settings.product_models_dir, False
        )
    except InvalidInput as exc:
        issues_table(err, exc.extensions.get("issues", []), limit=50)
        raise typer.Exit(EXIT_INVALID) from None
    if first or outcome.status == "succeeded":
        _print_outcome(outcome)
    with engine.begin() as conn:
        team = seed_demo_team(conn)
    url = f"http://{host or settings.host}:{port or settings.port}"
    out.print(
        f"\n[bold]CPQ demo[/] on {engine.url.render_as_string()}\n  API docs: {url}/docs\n"
        f"  Products: {url}/v1/products (signed in, or with the CRM token below)\n"
    )
    logins = ", ".join(f"{m.username} ({m.role.value})" for m in team.members)
    out.print(
        f"  Team: {logins}; password [bold]{team.password}[/] (POST /v1/sessions)\n"
        f"  CRM token (acts for {team.token_user}): Authorization: Bearer {team.token}\n",
        soft_wrap=True,  # a token cut over two lines cannot be copied
    )
    sys.stdout.flush()
    serve(host=host, port=port, workers=1)
