"""Sync the catalog replica: read, validate everything, diff, apply as one catalog version.

A sync is a job with its own transactions: the run is recorded first (so a failed or killed sync
is in the history), then the whole change and the run's success commit together, or nothing does.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from cpq.catalog import entities as E
from cpq.catalog.checks import check
from cpq.catalog.diff import EntityChanges, diff, report
from cpq.catalog.parse import Parsed, parse
from cpq.errors import InvalidInput
from cpq.gcpause import collector_paused
from cpq.repositories import catalog_store, sync_runs
from cpq.services import catalog_resync
from cpq.services.sync_events import announce_sync
from cpq.services.sync_parts import (
    Clock,
    NoProgress,
    Progress,
    Source,
    SyncOutcome,
    add_product_models,
    apply_changes,
    keep_snapshots,
    stored_issues,
)
from cpq.sync.lock import sync_lock
from cpq.sync.mapping import Profile

__all__ = ["NoProgress", "Progress", "Source", "SyncOutcome", "run_sync"]


def _validate(
    engine: Engine,
    source: Source,
    profile: Profile,
    models_dir: Path | None,
    clock: Clock,
    progress: Progress,
) -> Parsed:
    progress.phase("Reading " + source.description)
    with clock.phase("read"):
        canonical = profile.apply(source.read())
    progress.phase("Validating")
    with clock.phase("validate"):
        parsed = parse(canonical)
        del canonical  # the raw rows: the records are all that is needed from here on
        with engine.connect() as conn:
            stored = catalog_store.StoredCatalog(conn)
            parsed.issues.extend(check(parsed, stored))

            def items() -> dict[str, bool]:
                if E.ITEMS.name in parsed.records:
                    i_active = E.ITEMS.index("active")
                    return {str(r[0]): bool(r[i_active]) for r in parsed.records[E.ITEMS.name]}
                return {sku: active for sku, (_, active) in stored.items().items()}

            add_product_models(parsed, models_dir, items)
    return parsed


def run_sync(
    engine: Engine,
    source: Source,
    profile: Profile,
    *,
    models_dir: Path | None,
    progress: Progress | None = None,
    max_issues: int = 1000,
    by_lines: bool = True,
) -> SyncOutcome:
    """Run one sync; raise ``InvalidInput`` listing every problem when the input has errors.

    ``by_lines``: when the export is canonical CSV and only a few lines of the prices or rates
    changed since the last sync, read just those (``catalog_resync``); it falls back to the full
    sync whenever it cannot prove the result is the same.
    """
    progress = progress or NoProgress()
    clock = Clock()
    with sync_lock(engine), collector_paused():
        with engine.begin() as conn:
            interrupted = sync_runs.mark_interrupted(conn)
            run_id = sync_runs.start(conn, source.description, profile.name)
        try:
            texts = catalog_resync.export_texts(source, profile)
            if by_lines and texts is not None:
                outcome = catalog_resync.try_resync(
                    engine, run_id, texts, models_dir, clock, progress
                )
                if outcome is not None:
                    outcome.interrupted_runs = interrupted
                    return outcome
            parsed = _validate(engine, source, profile, models_dir, clock, progress)
            errors = [i for i in parsed.issues if i.is_error]
            if errors:
                _fail(engine, run_id, parsed, clock, max_issues)
            # Keep the export texts only if the files did not move while they were read (an
            # export landing mid-sync): a snapshot must be exactly what the rows came from.
            kept = texts if texts and catalog_resync.export_texts(source, profile) == texts else {}
            outcome = _apply(engine, run_id, parsed, clock, progress, max_issues, kept)
            outcome.interrupted_runs = interrupted
            return outcome
        except InvalidInput:
            raise
        except BaseException as exc:
            with engine.begin() as conn:
                message = f"{type(exc).__name__}: {exc}"
                sync_runs.finish(conn, run_id, "failed", timings=clock.timings, message=message)
            raise


def _fail(engine: Engine, run_id: int, parsed: Parsed, clock: Clock, max_issues: int) -> None:
    errors = [i for i in parsed.issues if i.is_error]
    ordered = errors + [i for i in parsed.issues if not i.is_error]
    with engine.begin() as conn:
        sync_runs.finish(
            conn,
            run_id,
            "failed",
            error_count=len(errors),
            warning_count=len(ordered) - len(errors),
            timings=clock.timings,
            issues=stored_issues(ordered, max_issues),
            message=f"{len(errors)} error(s) in the input; nothing was applied",
        )
    raise InvalidInput(
        f"the export has {len(errors)} error(s); nothing was applied",
        issues=ordered,
        sync_run_id=run_id,
    )


def _apply(
    engine: Engine,
    run_id: int,
    parsed: Parsed,
    clock: Clock,
    progress: Progress,
    max_issues: int,
    texts: dict[str, str],
) -> SyncOutcome:
    present = [e for e in E.ENTITIES if e.name in parsed.records]
    warnings = len(parsed.issues)
    common: dict[str, Any] = {
        "mode": "full",
        "warning_count": warnings,
        "issues": stored_issues(parsed.issues, max_issues),
    }
    with engine.begin() as conn:
        progress.phase("Comparing with the current catalog", total=len(present))
        with clock.phase("diff"):
            changes: list[EntityChanges] = []
            for entity in present:
                current = catalog_store.current_rows(conn, entity)
                records, keys = parsed.records[entity.name], parsed.keys.get(entity.name)
                changes.append(diff(entity, current, records, keys))
                progress.advance()
        parsed.keys.clear()  # the changes hold what is left to write
        parsed.where.clear()
        if all(c.empty for c in changes):
            head = catalog_store.head_version(conn)
            summary = {c.entity.name: report(c, {}) for c in changes}
            if head is not None:
                keep_snapshots(conn, head, changes, texts, clean=warnings == 0)
            sync_runs.finish(
                conn,
                run_id,
                "unchanged",
                catalog_version_id=head,
                diff=summary,
                timings=clock.timings,
                **common,
            )
            return SyncOutcome(run_id, "unchanged", head, summary, parsed.issues, clock.timings)
        progress.phase(
            "Applying changes",
            total=sum(c.size for c in changes),
        )
        with clock.phase("apply"):
            version, summary = apply_changes(conn, run_id, changes, progress)
            keep_snapshots(conn, version, changes, texts, clean=warnings == 0)
        sync_runs.finish(
            conn,
            run_id,
            "succeeded",
            catalog_version_id=version,
            diff=summary,
            timings=clock.timings,
            **common,
        )
        announce_sync(conn, run_id, version, summary)
    return SyncOutcome(run_id, "succeeded", version, summary, parsed.issues, clock.timings)
