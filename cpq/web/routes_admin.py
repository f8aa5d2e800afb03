"""The admin's catalog sync status: the history of runs, the last diff, the problems of a failed
run (users and API tokens: ``routes_people``)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from cpq.api.deps import EngineDep
from cpq.db.models import SyncRun
from cpq.errors import NotFound
from cpq.repositories import sync_runs
from cpq.web.access import AdminDep, PageRefused
from cpq.web.render import page
from cpq.web.session import base

router = APIRouter(include_in_schema=False)

HISTORY = 50  # sync runs listed
ENTITY_LABELS = {
    "product_groups": "Product groups",
    "items": "Items",
    "item_units": "Units",
    "price_lists": "Price lists",
    "price_list_entries": "Prices",
    "customers": "Customers",
    "exchange_rates": "Exchange rates",
    "product_models": "Product models",
}


def run_seconds(run: SyncRun) -> float | None:
    if run.finished_at is None:
        return None
    return round((run.finished_at - run.started_at).total_seconds(), 2)


def diff_rows(diff: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per entity the sync carried, with the samples of what changed and how."""
    return [
        {
            "entity": ENTITY_LABELS.get(name, name.replace("_", " ").capitalize()),
            **{k: counts.get(k, 0) for k in ("added", "changed", "deactivated", "unchanged")},
            "samples": counts.get("samples") or {},
        }
        for name, counts in diff.items()
    ]


@router.get("/admin")
def admin_home(signed: AdminDep) -> Response:
    return RedirectResponse("/admin/sync", status_code=303)


@router.get("/admin/sync")
def sync_history(request: Request, signed: AdminDep, engine: EngineDep) -> Response:
    with engine.connect() as conn:
        runs = list(sync_runs.page(conn, before=None, limit=HISTORY))
    last = next((r for r in runs if r.diff), None)
    context = base(
        signed,
        "Catalog sync",
        nav="admin",
        tab="sync",
        runs=[(r, run_seconds(r)) for r in runs],
        last=last,
        last_diff=diff_rows(last.diff) if last else [],
    )
    return page(request, "admin_sync.html.j2", context)


@router.get("/admin/sync/{run_id}")
def sync_run(request: Request, run_id: int, signed: AdminDep, engine: EngineDep) -> Response:
    with engine.connect() as conn:
        run = sync_runs.get(conn, run_id)
    if run is None:
        raise PageRefused(signed, NotFound(f"There is no sync run {run_id}."))
    context = base(
        signed,
        f"Sync run {run.id}",
        nav="admin",
        tab="sync",
        run=run,
        seconds=run_seconds(run),
        diff=diff_rows(run.diff),
        errors=[i for i in run.issues if i.get("severity") == "error"],
        warnings=[i for i in run.issues if i.get("severity") != "error"],
    )
    return page(request, "admin_sync_run.html.j2", context)
