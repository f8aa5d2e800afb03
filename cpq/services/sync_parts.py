"""What the full sync and the line-level re-sync share: outcome, progress, clock, product models."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import Connection

from cpq.catalog import entities as E
from cpq.catalog.checks import CurrentCatalog, check
from cpq.catalog.diff import EntityChanges, report
from cpq.catalog.issues import Issue, has_errors
from cpq.catalog.parse import Parsed, parse
from cpq.catalog.product_models import check_models, to_records
from cpq.catalog.tables import SourceRead
from cpq.configuration.validation import check_configurations
from cpq.repositories import catalog_store, raw_snapshots
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
    mode: str = "full"  # full | lines (only the changed lines of the export were read)


@dataclass(slots=True)
class Clock:
    timings: dict[str, float] = field(default_factory=dict)

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            self.timings[name] = round(time.perf_counter() - start, 4)


class NoCatalog:
    """No stored catalog: an export checked against it must be complete and consistent alone."""

    def group_parents(self) -> Mapping[str, str | None]:
        return {}

    def items(self) -> Mapping[str, tuple[str, bool]]:
        return {}

    def units(self) -> Mapping[tuple[str, str], Decimal]:
        return {}

    def price_lists(self) -> Mapping[str, str]:
        return {}

    def customers(self) -> frozenset[str]:
        return frozenset()

    def priced_skus(self) -> frozenset[str]:
        return frozenset()


def read_export(source: Source, profile: Profile, current: CurrentCatalog) -> Parsed:
    """Read, map, parse and check an export as a sync validates it (product models aside);
    every problem is in the result's ``issues``."""
    parsed = parse(profile.apply(source.read()))
    parsed.issues.extend(check(parsed, current))
    return parsed


def stored_issues(issues: list[Issue], limit: int) -> list[dict[str, Any]]:
    return [i.to_dict() for i in issues[:limit]]


def add_product_models(
    parsed: Parsed, models_dir: Path | None, items: Callable[[], Mapping[str, bool]]
) -> None:
    """Load and check the authored product models into ``parsed`` (absent folder: left as is)."""
    if models_dir is None or not models_dir.is_dir():
        return
    models, issues = load_product_models(models_dir)
    parsed.issues.extend(issues)
    if has_errors(issues):
        return
    found = check_models(models, items())
    if not has_errors(found):
        found.extend(check_configurations(models))
    parsed.issues.extend(found)
    records = to_records(models)
    parsed.records[E.PRODUCT_MODELS.name] = records
    file_index = E.PRODUCT_MODELS.index("file")
    parsed.where[E.PRODUCT_MODELS.name] = [(str(r[file_index]), 0) for r in records]


def keep_snapshots(
    conn: Connection, version: int, changes: list[EntityChanges], texts: dict[str, str], clean: bool
) -> None:
    """Store the export text of each entity synced from canonical CSV, in the transaction that
    wrote its rows; forget the others, and those of records referring to a changed entity."""
    present = {c.entity.name for c in changes}
    for name in present:
        if name in texts:
            raw_snapshots.save(conn, name, version, clean, texts[name])
    stale = present - set(texts)
    for c in changes:
        if not c.empty:
            stale.update(set(E.REFERRED_BY[c.entity.name]) - present)
    raw_snapshots.drop(conn, stale)


def apply_changes(
    conn: Connection, run_id: int, changes: list[EntityChanges], progress: Progress
) -> tuple[int, dict[str, Any]]:
    """Write the changes as one new catalog version; the diff report per entity."""
    version = catalog_store.create_version(conn, run_id)
    summary: dict[str, Any] = {}
    for c in changes:
        summary[c.entity.name] = report(c, catalog_store.changed_fields(conn, c, SAMPLES))
        catalog_store.apply(conn, version, c)
        progress.advance(c.size)
    return version, summary
