"""Sync the catalog replica: read, validate everything, diff, apply as one catalog version.

A sync is a job with its own transactions: the run is recorded first (so a failed or killed sync
is in the history), then the whole change and the run's success commit together, or nothing does.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import Engine

from cpq.catalog import entities as E
from cpq.catalog.checks import check
from cpq.catalog.diff import EntityChanges, diff, report
from cpq.catalog.issues import Issue, has_errors
from cpq.catalog.parse import Parsed, parse
from cpq.catalog.product_models import check_models, to_records
from cpq.catalog.tables import SourceRead
from cpq.errors import InvalidInput
from cpq.repositories import catalog_store, sync_runs
from cpq.sync.lock import sync_lock
from cpq.sync.mapping import Profile
from cpq.sync.product_models import load_product_models

SAMPLES = 5


class Source(Protocol):
    description: str

    def read(self) -> SourceRead: ...


class Progress(Protocol):
    def phase(self, name: str, total: int | None = None) -> None: ...
    def advance(self, amount: int = 1) -> None: ...


class NoProgress:
    def phase(self, name: str, total: int | None = None) -> None:
        pass

    def advance(self, amount: int = 1) -> None:
        pass


@dataclass(slots=True)
class SyncOutcome:
    run_id: int
    status: str  # succeeded | unchanged
    version: int | None
    diff: dict[str, Any]
    issues: list[Issue]
    timings: dict[str, float]
    interrupted_runs: int = 0


@dataclass(slots=True)
class _Clock:
    timings: dict[str, float] = field(default_factory=dict)

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            self.timings[name] = round(time.perf_counter() - start, 4)


def _stored(issues: list[Issue], limit: int) -> list[dict[str, Any]]:
    return [i.to_dict() for i in issues[:limit]]


def _add_product_models(
    parsed: Parsed, models_dir: Path | None, items: Callable[[], dict[str, bool]]
) -> None:
    if models_dir is None or not models_dir.is_dir():
        return  # no models folder: the stored product models stay as they are
    models, issues = load_product_models(models_dir)
    parsed.issues.extend(issues)
    if has_errors(issues):
        return
    parsed.issues.extend(check_models(models, items()))
    records = to_records(models)
    parsed.records[E.PRODUCT_MODELS.name] = records
    file_index = E.PRODUCT_MODELS.index("file")
    parsed.where[E.PRODUCT_MODELS.name] = [(str(r[file_index]), 0) for r in records]


def _validate(
    engine: Engine,
    source: Source,
    profile: Profile,
    models_dir: Path | None,
    clock: _Clock,
    progress: Progress,
) -> Parsed:
    progress.phase("Reading " + source.description)
    with clock.phase("read"):
        canonical = profile.apply(source.read())
    progress.phase("Validating")
    with clock.phase("validate"):
        parsed = parse(canonical)
        with engine.connect() as conn:
            stored = catalog_store.StoredCatalog(conn)
            parsed.issues.extend(check(parsed, stored))

            def items() -> dict[str, bool]:
                if E.ITEMS.name in parsed.records:
                    i_active = E.ITEMS.index("active")
                    return {str(r[0]): bool(r[i_active]) for r in parsed.records[E.ITEMS.name]}
                return {sku: active for sku, (_, active) in stored.items().items()}

            _add_product_models(parsed, models_dir, items)
    return parsed


def run_sync(
    engine: Engine,
    source: Source,
    profile: Profile,
    *,
    models_dir: Path | None,
    progress: Progress | None = None,
    max_issues: int = 1000,
) -> SyncOutcome:
    """Run one sync; raise ``InvalidInput`` listing every problem when the input has errors."""
    progress = progress or NoProgress()
    clock = _Clock()
    with sync_lock(engine):
        with engine.begin() as conn:
            interrupted = sync_runs.mark_interrupted(conn)
            run_id = sync_runs.start(conn, source.description, profile.name)
        try:
            parsed = _validate(engine, source, profile, models_dir, clock, progress)
            issues = parsed.issues
            errors = [i for i in issues if i.is_error]
            warnings = len(issues) - len(errors)
            if errors:
                with engine.begin() as conn:
                    sync_runs.finish(
                        conn,
                        run_id,
                        "failed",
                        error_count=len(errors),
                        warning_count=warnings,
                        timings=clock.timings,
                        issues=_stored(errors + [i for i in issues if not i.is_error], max_issues),
                        message=f"{len(errors)} error(s) in the input; nothing was applied",
                    )
                raise InvalidInput(
                    f"the export has {len(errors)} error(s); nothing was applied",
                    issues=errors + [i for i in issues if not i.is_error],
                    sync_run_id=run_id,
                )
            return _apply(
                engine, run_id, parsed, clock, progress, warnings, max_issues, interrupted
            )
        except InvalidInput:
            raise
        except BaseException as exc:
            with engine.begin() as conn:
                sync_runs.finish(
                    conn,
                    run_id,
                    "failed",
                    timings=clock.timings,
                    message=f"{type(exc).__name__}: {exc}",
                )
            raise


def _apply(
    engine: Engine,
    run_id: int,
    parsed: Parsed,
    clock: _Clock,
    progress: Progress,
    warnings: int,
    max_issues: int,
    interrupted: int,
) -> SyncOutcome:
    present = [e for e in E.ENTITIES if e.name in parsed.records]
    with engine.begin() as conn:
        progress.phase("Comparing with the current catalog", total=len(present))
        with clock.phase("diff"):
            changes: list[EntityChanges] = []
            for entity in present:
                current = catalog_store.current_rows(conn, entity)
                records, keys = parsed.records[entity.name], parsed.keys.get(entity.name)
                changes.append(diff(entity, current, records, keys))
                progress.advance()
        head = catalog_store.head_version(conn)
        common = {"warning_count": warnings, "issues": _stored(parsed.issues, max_issues)}
        if all(c.empty for c in changes):
            summary = {c.entity.name: report(c, {}) for c in changes}
            sync_runs.finish(
                conn,
                run_id,
                "unchanged",
                catalog_version_id=head,
                diff=summary,
                timings=clock.timings,
                **common,
            )
            return SyncOutcome(
                run_id, "unchanged", head, summary, parsed.issues, clock.timings, interrupted
            )
        progress.phase(
            "Applying changes",
            total=sum(len(c.added) + len(c.changed) + len(c.vanished) for c in changes),
        )
        with clock.phase("apply"):
            version = catalog_store.create_version(conn, run_id)
            summary = {}
            for c in changes:
                summary[c.entity.name] = report(c, catalog_store.changed_fields(conn, c, SAMPLES))
                catalog_store.apply(conn, version, c)
                progress.advance(len(c.added) + len(c.changed) + len(c.vanished))
        sync_runs.finish(
            conn,
            run_id,
            "succeeded",
            catalog_version_id=version,
            diff=summary,
            timings=clock.timings,
            **common,
        )
    return SyncOutcome(
        run_id, "succeeded", version, summary, parsed.issues, clock.timings, interrupted
    )
