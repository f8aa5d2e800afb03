"""What a snapshot changes against the current catalog version, entity by entity."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from cpq.catalog.entities import Entity
from cpq.catalog.parse import Record
from cpq.catalog.values import Key, hashes_of, keys_of, normal, shown_key

SAMPLES = 5


@dataclass(frozen=True, slots=True)
class CurrentRow:
    id: int
    hash: str
    active: bool  # always True for entities without an ``active`` flag


@dataclass(slots=True)
class EntityChanges:
    entity: Entity
    added: list[Record] = field(default_factory=list)
    changed: list[tuple[int, Record]] = field(
        default_factory=list
    )  # (id of the row it replaces, record)
    vanished: list[tuple[int, Key]] = field(default_factory=list)  # (id, key)
    unchanged: int = 0

    @property
    def size(self) -> int:
        """Rows this change writes or ends."""
        return len(self.added) + len(self.changed) + len(self.vanished)

    @property
    def empty(self) -> bool:
        return self.size == 0

    def sample_keys(self, records: list[Record]) -> list[str]:
        return [shown_key(r[i] for i in self.entity.key_indexes) for r in records[:SAMPLES]]


def diff(
    entity: Entity,
    current: Mapping[Key, CurrentRow],
    records: list[Record],
    keys: list[Key] | None = None,
) -> EntityChanges:
    """Compare ``records`` (with their ``keys``, if already known) to the current rows."""
    changes = EntityChanges(entity)
    if keys is None:
        keys = keys_of(entity, records)
    matched: list[tuple[CurrentRow, Record]] = []
    for key_value, record in zip(keys, records, strict=True):
        old = current.get(key_value)
        if old is None:
            changes.added.append(record)
        else:
            matched.append((old, record))
    for (old, record), digest in zip(
        matched, hashes_of(entity, [r for _, r in matched]), strict=True
    ):
        if old.hash != digest:
            changes.changed.append((old.id, record))
        else:
            changes.unchanged += 1
    if len(current) > len(matched):
        seen = set(keys)
        # by row id: the same order whichever way the current rows were read
        vanished = [(old.id, k) for k, old in current.items() if old.active and k not in seen]
        changes.vanished = sorted(vanished, key=lambda pair: pair[0])
    return changes


def deactivated(entity: Entity, record: Record) -> Record:
    """The record as it stays in the catalog once the back office no longer exports it."""
    i = entity.index("active")
    return (*record[:i], False, *record[i + 1 :])


def field_changes(entity: Entity, old: Record, new: Record) -> dict[str, list[str | None]]:
    """Fields whose values differ, as [before, after] text, for the diff report's samples."""
    return {
        f.name: [_shown(a), _shown(b)]
        for f, a, b in zip(entity.fields, old, new, strict=True)
        if normal(a) != normal(b)
    }


def _shown(value: object) -> str | None:
    return None if value is None else normal(value)


def report(changes: EntityChanges, changed_detail: Mapping[int, dict[str, Any]]) -> dict[str, Any]:
    """Counts and a few samples per kind of change; ``changed_detail`` maps old id -> fields."""
    return {
        "added": len(changes.added),
        "changed": len(changes.changed),
        "deactivated": len(changes.vanished),
        "unchanged": changes.unchanged,
        "samples": {
            "added": changes.sample_keys(changes.added),
            "changed": [
                {"key": key, "fields": changed_detail.get(old_id, {})}
                for key, (old_id, _) in zip(
                    changes.sample_keys([r for _, r in changes.changed]),
                    changes.changed,
                    strict=False,
                )
            ],
            "deactivated": [shown_key(key) for _, key in changes.vanished[:SAMPLES]],
        },
    }
