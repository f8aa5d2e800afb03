"""Pinned rule sets: every rule set a quote was priced with is stored (its files, by digest), so
the quote prices the same way after the files change, until the rep reprices it."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Connection, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from cpq.db.quote_tables import RuleSetRow
from cpq.errors import RuleSetInvalid
from cpq.pricing.engine import PricingEngine
from cpq.services import pricing

RULE_SETS = RuleSetRow.__table__  # type: ignore[attr-defined]


# (database, digest) of rule sets seen committed: no statement needed for them again.
_stored: set[tuple[str, str]] = set()


def current(conn: Connection, rules_dir: Path) -> tuple[PricingEngine, str]:
    """The rule set in the folder now, stored if no quote used it before."""
    engine = pricing.engine_for(rules_dir)
    rule_set = engine.rule_set
    seen = (conn.engine.url.render_as_string(hide_password=True), rule_set.digest)
    if seen in _stored:
        return engine, rule_set.digest
    found = conn.execute(select(RULE_SETS.c.digest).where(RULE_SETS.c.digest == rule_set.digest))
    if found.first() is not None:
        _stored.add(seen)  # committed (this transaction did not write it): it stays
        return engine, rule_set.digest
    files = pricing.rule_set_files(rule_set.digest)
    if files is not None:
        _store(conn, rule_set.digest, rule_set.name, files)
    return engine, rule_set.digest


def pinned(conn: Connection, digest: str) -> PricingEngine:
    def stored() -> Mapping[str, bytes]:
        row = conn.execute(select(RULE_SETS.c.files).where(RULE_SETS.c.digest == digest)).first()
        if row is None:
            raise RuleSetInvalid(f"the rule set {digest[:12]} a quote was priced with is unknown")
        return {name: text.encode("utf-8") for name, text in row[0].items()}

    return pricing.pinned_engine(digest, stored)


def _store(conn: Connection, digest: str, name: str, files: Mapping[str, bytes]) -> None:
    values = {
        "digest": digest,
        "name": name,
        "files": {n: text.decode("utf-8") for n, text in files.items()},
        "created_at": datetime.now(UTC),
    }
    dialect_insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    conn.execute(dialect_insert(RULE_SETS).values(**values).on_conflict_do_nothing())
