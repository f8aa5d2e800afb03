"""Mapping profiles: how a source's raw tables become the catalog's canonical tables.

``canonical`` reads the documented export format (docs/catalog-format.md) as is. ``erpnext`` and
``odoo`` read those ERPs' own exports (and ERPNext's REST API); a YAML mapping file describes any
other back office. See docs/mapping-profiles.md.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from cpq.catalog.entities import ENTITIES, PRODUCT_MODELS
from cpq.catalog.issues import Issue, warning
from cpq.catalog.tables import CanonicalRead, HttpResource, RawTable, SourceRead
from cpq.errors import InvalidInput
from cpq.sync.profile_file import PARAMETER, Draft, ProfileDocument, read_document
from cpq.sync.rules import FieldRule, TableRule, table_key
from cpq.sync.transforms import token

BUILT_IN = ("erpnext", "odoo")
PROFILE_NAMES: tuple[str, ...] = ("canonical", *BUILT_IN)
# A parameter the profile leaves empty is read from CPQ_PROFILE_<NAME>, e.g. the company currency.
ENV_PREFIX = "CPQ_PROFILE_"


@dataclass(frozen=True, slots=True)
class Profile:
    name: str
    rules: tuple[TableRule, ...]
    resources: tuple[HttpResource, ...] = ()
    # The canonical format names every table and column, so an unknown one is worth a warning
    # (a typo would otherwise drop data silently); ERP exports carry many columns nobody maps.
    strict: bool = False

    def apply(self, read: SourceRead) -> CanonicalRead:
        result = CanonicalRead(issues=list(read.issues))
        for table in read.tables:
            rules = [rule for rule in self.rules if rule.matches(table.name)]
            if not rules:
                result.issues.append(self._ignored_table(table))
                continue
            used: set[int] = set()
            for rule in rules:
                applied = rule.apply(table)
                result.issues.extend(applied.issues)
                used |= applied.used_columns
                if applied.table is not None:
                    result.tables.append(applied.table)
            if self.strict:
                result.issues.extend(_ignored_columns(table, used, rules[0].entity))
        return result

    def http_resources(self) -> list[HttpResource]:
        return list(self.resources)

    def _ignored_table(self, table: RawTable) -> Issue:
        if self.strict:
            names = ", ".join(e.name for e in ENTITIES if e is not PRODUCT_MODELS)
            reason = f"{table.name!r} is not a catalog entity ({names})"
        else:
            reason = f"profile {self.name} maps no table named {table.name!r}"
        return warning("ignored_table", f"ignored table: {reason}", file=table.origin)


def _ignored_columns(table: RawTable, used: set[int], entity: str) -> list[Issue]:
    ignored = [label for position, label in enumerate(table.header) if position not in used]
    if not ignored:
        return []
    listed = ", ".join(repr(label) for label in ignored)
    return [
        warning(
            "ignored_column",
            f"ignored column(s) {listed}: not fields of {entity}",
            file=table.origin,
            column=ignored[0] if len(ignored) == 1 else None,
        )
    ]


def _canonical() -> Profile:
    # Product models are authored in catalog/models, never exported, so no table feeds them.
    rules = tuple(
        TableRule(
            entity.name,
            (table_key(entity.name),),
            fields=tuple(FieldRule(name, (name,)) for name in entity.field_names),
        )
        for entity in ENTITIES
        if entity is not PRODUCT_MODELS
    )
    return Profile("canonical", rules, strict=True)


def _built_in_file(name: str) -> tuple[str, str]:
    file = resources.files("cpq.sync") / "profiles" / f"{name}.yaml"
    return file.read_text(encoding="utf-8"), f"{name}.yaml"


def load_profile(spec: str) -> Profile:
    """``canonical``, ``erpnext``, ``odoo``, or the path of a YAML mapping file."""
    name = spec.strip().lower()
    if name == "canonical":
        return _canonical()
    bases = {base: _built_in_file(base) for base in BUILT_IN}
    if name in BUILT_IN:
        text, source = bases[name]
        return _compile(read_document(text, source, {}), name)
    path = Path(spec)
    if not path.is_file():
        raise InvalidInput(
            f"unknown profile {spec!r}: expected {', '.join(PROFILE_NAMES)} "
            "or the path of a YAML mapping file"
        )
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"cannot read mapping file {path}: {exc}", file=str(path)) from exc
    return _compile(read_document(text, str(path), bases), path.stem)


def _compile(document: ProfileDocument, default_name: str) -> Profile:
    values = {
        name: value if value is not None else os.environ.get(ENV_PREFIX + name.upper()) or None
        for name, value in document.parameters.items()
    }
    rules = tuple(
        rule
        for drafts in document.entities.values()
        for draft in drafts
        if (rule := _resolve(draft, values)) is not None
    )
    return Profile(document.name or default_name, rules, document.resources or ())


def _substitute(template: str, values: Mapping[str, str | None]) -> tuple[str, list[str]]:
    """The template with its ${parameters} filled in, or as is with the unset ones named."""
    unset = [n for n in PARAMETER.findall(template) if values.get(n) is None]
    if unset:
        return template, unset
    return PARAMETER.sub(lambda m: str(values[m.group(1)]), template), []


def _resolve(draft: Draft, values: Mapping[str, str | None]) -> TableRule | None:
    if draft.requires is not None and values.get(draft.requires) is None:
        return None
    unset: list[str] = []
    fields = []
    for rule in draft.rule.fields:
        # An alternative naming an unset parameter stays as written and so matches no column.
        columns = tuple(_substitute(c, values)[0] for c in rule.columns)
        constant = rule.constant
        if isinstance(constant, str):
            constant, missing = _substitute(constant, values)
            unset.extend(missing)
        fields.append(dataclasses.replace(rule, columns=columns, constant=constant))
    filters = tuple(
        dataclasses.replace(f, values=frozenset(token(_substitute(v, values)[0]) for v in f.values))
        for f in draft.rule.filters
    )
    return dataclasses.replace(
        draft.rule,
        fields=tuple(fields),
        filters=filters,
        unset_parameters=tuple(dict.fromkeys(unset)),
    )
