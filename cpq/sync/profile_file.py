"""Check a mapping profile file (YAML) and read its rules; mistakes are reported with file and line.

See docs/mapping-profiles.md for the language. A file is checked completely when it is loaded, so
a typo in a profile fails the sync before any data is read, naming the line to fix.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from cpq.catalog.entities import BY_NAME, PRODUCT_GROUPS, PRODUCT_MODELS
from cpq.catalog.tables import HttpResource
from cpq.sync.rules import FieldRule, PathRule, RowFilter, TableRule, table_key
from cpq.sync.transforms import TRANSFORMS, token
from cpq.sync.yaml_checks import YamlChecker

_TOP_KEYS = ("name", "description", "extends", "parameters", "http", "entities")
_RULE_KEYS = (
    "tables",
    "fields",
    "category_paths",
    "fill_down",
    "skip_blank",
    "keep_rows",
    "if_column",
    "requires_parameter",
)
_FIELD_KEYS = ("column", "value", "transform", "map")
_FILTER_KEYS = ("column", "in", "not_in", "reason")
_PATH_KEYS = ("column", "separator")
PARAMETER = re.compile(r"\$\{([^}]*)\}")
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True, slots=True)
class Draft:
    """A rule whose ${parameters} are not filled in yet; ``requires`` switches it on."""

    rule: TableRule
    requires: str | None


@dataclass(slots=True)
class ProfileDocument:
    name: str | None
    parameters: dict[str, str | None]
    resources: tuple[HttpResource, ...] | None
    entities: dict[str, list[Draft]]


def read_document(text: str, source: str, bases: Mapping[str, tuple[str, str]]) -> ProfileDocument:
    """Check a profile; ``bases`` maps the names it may extend to their (text, source)."""
    return _File(source, bases).document(text)


def _merge(parent: ProfileDocument, child: ProfileDocument) -> ProfileDocument:
    """The child's parameters override the parent's; its entities and http replace theirs."""
    return ProfileDocument(
        name=child.name,
        parameters={**parent.parameters, **child.parameters},
        resources=child.resources if child.resources is not None else parent.resources,
        entities={**parent.entities, **child.entities},
    )


class _File(YamlChecker):
    """Checks one profile document against the mapping language."""

    def __init__(self, source: str, bases: Mapping[str, tuple[str, str]]) -> None:
        super().__init__(source)
        self.bases = bases
        self.parameters: set[str] = set()

    def document(self, text: str) -> ProfileDocument:
        root = self.load(text)
        if not isinstance(root, dict):
            self.fail(root, None, "a profile is a YAML mapping with 'entities' (and 'name', ...)")
        self.keys(root, _TOP_KEYS)
        parent = self.base(root) if "extends" in root else None
        if parent is None and "entities" not in root:
            self.fail(root, None, "the profile maps no entities: add 'entities'")
        own = self.parameter_block(root)
        self.parameters = set(parent.parameters if parent else ()) | set(own)
        entities = root.get("entities", {})
        if not isinstance(entities, dict):
            self.fail(root, "entities", "'entities' maps entity names to lists of tables")
        document = ProfileDocument(
            name=self.text(root, "name") if "name" in root else None,
            parameters=own,
            resources=self.http(root) if "http" in root else None,
            entities={
                self.entity_name(entities, name): self.rules(entities, name) for name in entities
            },
        )
        return document if parent is None else _merge(parent, document)

    def base(self, root: dict[object, object]) -> ProfileDocument:
        name = self.text(root, "extends")
        if name not in self.bases:
            known = ", ".join(self.bases)
            self.fail(root, "extends", f"'extends' names a built-in profile ({known})")
        text, source = self.bases[name]
        return _File(source, {}).document(text)

    def templates(self, node: dict[object, object], key: object) -> tuple[str, ...]:
        """Texts that may name ${parameters} (column alternatives)."""
        items = self.texts(node, key)
        for item in items:
            self.check_references(node, key, item)
        return items

    def scalar(self, node: object, key: object, value: object) -> object:
        if isinstance(value, bool) or value is None:
            return value
        if isinstance(value, str | int | float):
            text = str(value)
            self.check_references(node, key, text)
            return text
        self.fail(node, key, f"expected a single value, not {type(value).__name__}")

    def check_references(self, node: object, key: object, text: str) -> None:
        for name in PARAMETER.findall(text):
            if name not in self.parameters:
                known = ", ".join(sorted(self.parameters)) or "none declared"
                self.fail(node, key, f"unknown parameter ${{{name}}} (parameters: {known})")

    # -- blocks ------------------------------------------------------------------------------
    def parameter_block(self, root: dict[object, object]) -> dict[str, str | None]:
        block = root.get("parameters", {})
        if not isinstance(block, dict):
            self.fail(root, "parameters", "'parameters' maps names to values (or null)")
        values: dict[str, str | None] = {}
        for name, value in block.items():
            if not isinstance(name, str) or not _NAME.match(name):
                self.fail(block, name, f"parameter name {name!r} must be lower_snake_case")
            if isinstance(value, dict | list):
                self.fail(block, name, f"parameter {name!r} must be a single value or null")
            values[name] = None if value is None else str(value)
        return values

    def http(self, root: dict[object, object]) -> tuple[HttpResource, ...]:
        block = root["http"]
        if not isinstance(block, list):
            self.fail(root, "http", "'http' is a list of {resource: ..., fields: [...]}")
        resources = []
        for index, item in enumerate(block):
            if not isinstance(item, dict) or "resource" not in item or "fields" not in item:
                self.fail(block, index, "an http entry needs 'resource' and 'fields'")
            self.keys(item, ("resource", "fields"))
            resources.append(HttpResource(self.text(item, "resource"), self.texts(item, "fields")))
        return tuple(resources)

    def entity_name(self, entities: dict[object, object], name: object) -> str:
        if name not in BY_NAME or name == PRODUCT_MODELS.name:
            known = ", ".join(e for e in BY_NAME if e != PRODUCT_MODELS.name)
            self.fail(entities, name, f"unknown entity {name!r}; expected one of {known}")
        return str(name)

    def rules(self, entities: dict[object, object], name: object) -> list[Draft]:
        items = entities[name]
        if not isinstance(items, list) or not items:
            self.fail(entities, name, f"{name} must be a list of table mappings")
        return [self.rule(str(name), items, index) for index in range(len(items))]

    def rule(self, entity: str, items: list[object], index: int) -> Draft:
        node = items[index]
        if not isinstance(node, dict):
            self.fail(items, index, "a table mapping is a mapping with 'tables' and 'fields'")
        self.keys(node, _RULE_KEYS)
        if "tables" not in node:
            self.fail(items, index, "a table mapping needs 'tables' (table name patterns)")
        patterns = tuple(table_key(p) for p in self.texts(node, "tables"))
        filters = self.filters(node) if "keep_rows" in node else ()
        requires = self.text(node, "requires_parameter") if "requires_parameter" in node else None
        if requires is not None and requires not in self.parameters:
            self.fail(node, "requires_parameter", f"unknown parameter {requires!r}")
        if ("fields" in node) == ("category_paths" in node):
            self.fail(items, index, "a table mapping has either 'fields' or 'category_paths'")
        if "category_paths" in node:
            if entity != PRODUCT_GROUPS.name:
                self.fail(node, "category_paths", "'category_paths' derives product_groups only")
            for key in ("fill_down", "skip_blank", "if_column"):
                if key in node:
                    self.fail(node, key, f"{key!r} does not apply to 'category_paths'")
            paths = self.paths(node)
            return Draft(TableRule(entity, patterns, paths=paths, filters=filters), requires)
        fields = self.fields(entity, node)
        names = {f.name for f in fields}
        fill_down = self.field_names(node, "fill_down", names)
        skip_blank = self.field_names(node, "skip_blank", names)
        if_column = self.text(node, "if_column") if "if_column" in node else None
        if if_column is not None and if_column not in {f.name for f in fields if f.columns}:
            self.fail(node, "if_column", "'if_column' must name a field read from a column")
        rule = TableRule(
            entity,
            patterns,
            fields=fields,
            fill_down=fill_down,
            skip_blank=skip_blank,
            filters=filters,
            if_column=if_column,
        )
        return Draft(rule, requires)

    def field_names(self, node: dict[object, object], key: str, names: set[str]) -> tuple[str, ...]:
        if key not in node:
            return ()
        listed = self.texts(node, key)
        for name in listed:
            if name not in names:
                self.fail(node, key, f"{key!r} names {name!r}, which 'fields' does not map")
        return listed

    def fields(self, entity: str, node: dict[object, object]) -> tuple[FieldRule, ...]:
        block = node["fields"]
        if not isinstance(block, dict) or not block:
            self.fail(node, "fields", "'fields' maps canonical field names to source columns")
        spec = BY_NAME[entity]
        rules = []
        for name in block:
            if name not in spec.field_names:
                known = ", ".join(spec.field_names)
                self.fail(block, name, f"{entity} has no field {name!r}; its fields: {known}")
            rules.append(self.field(block, str(name)))
        missing = [f.name for f in spec.fields if f.required and f.name not in block]
        if missing:
            self.fail(node, "fields", f"{entity} needs a mapping for {', '.join(missing)}")
        return tuple(rules)

    def field(self, block: dict[object, object], name: str) -> FieldRule:
        value = block[name]
        if not isinstance(value, dict):
            return FieldRule(name, self.templates(block, name))
        self.keys(value, _FIELD_KEYS)
        if ("column" in value) == ("value" in value):
            self.fail(block, name, f"{name}: give either 'column' or 'value'")
        transform = self.text(value, "transform") if "transform" in value else None
        if transform is not None and transform not in TRANSFORMS:
            known = ", ".join(TRANSFORMS)
            self.fail(value, "transform", f"unknown transform {transform!r}; known: {known}")
        value_map = self.value_map(value) if "map" in value else {}
        if "column" in value:
            columns = self.templates(value, "column")
            return FieldRule(name, columns, transform=transform, value_map=value_map)
        constant = self.scalar(value, "value", value["value"])
        if constant is None:
            self.fail(value, "value", f"{name}: a constant 'value' cannot be null")
        parameters = PARAMETER.findall(constant) if isinstance(constant, str) else []
        whole = isinstance(constant, str) and PARAMETER.fullmatch(constant)
        label = f"{name} (profile parameter {parameters[0]})" if whole else f"{name} (constant)"
        return FieldRule(
            name,
            constant=constant,
            constant_label=label,
            transform=transform,
            value_map=value_map,
        )

    def value_map(self, node: dict[object, object]) -> dict[str, object]:
        block = node["map"]
        if not isinstance(block, dict) or not block:
            self.fail(node, "map", "'map' maps source values to catalog values")
        return {token(self.scalar(block, k, k)): self.scalar(block, k, v) for k, v in block.items()}

    def filters(self, node: dict[object, object]) -> tuple[RowFilter, ...]:
        block = node["keep_rows"]
        if not isinstance(block, list) or not block:
            self.fail(node, "keep_rows", "'keep_rows' is a list of {column, in | not_in, reason}")
        filters = []
        for index, item in enumerate(block):
            if not isinstance(item, dict):
                self.fail(block, index, "a row filter is {column: ..., in: [...], reason: ...}")
            self.keys(item, _FILTER_KEYS)
            if "column" not in item or ("in" in item) == ("not_in" in item):
                self.fail(block, index, "a row filter needs 'column' and one of 'in', 'not_in'")
            key = "in" if "in" in item else "not_in"
            listed = item[key]
            if not isinstance(listed, list) or not listed:
                self.fail(item, key, f"{key!r} must be a non-empty list of values")
            columns = self.texts(item, "column")
            values = frozenset(token(self.scalar(item, key, v)) for v in listed)
            shown = ", ".join(str(v) for v in listed)
            default = f"{columns[0]} is {'not ' if key == 'in' else ''}one of {shown}"
            reason = self.text(item, "reason") if "reason" in item else default
            filters.append(RowFilter(columns, values, keep=key == "in", reason=reason))
        return tuple(filters)

    def paths(self, node: dict[object, object]) -> PathRule:
        block = node["category_paths"]
        if not isinstance(block, dict) or "column" not in block:
            self.fail(node, "category_paths", "'category_paths' needs 'column' (and 'separator')")
        self.keys(block, _PATH_KEYS)
        separator = block.get("separator", " / ")
        if not isinstance(separator, str) or not separator.strip():
            self.fail(block, "separator", "'separator' must be a visible text such as ' / '")
        return PathRule(self.texts(block, "column"), separator)
