"""Product models: bundles of option groups and options, authored as YAML (docs/product-models.md).

The schema below is the shape of one model file; ``check_models`` checks the models of all files
against each other and against the synced items; ``to_records`` turns them into ``product_models``
records. Pure: the files are read by ``cpq.sync.product_models``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Any, Literal, Self

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    StringConstraints,
    model_validator,
)
from pydantic_core import PydanticCustomError

from cpq.catalog.entities import PRODUCT_MODELS
from cpq.catalog.issues import Issue, error, warning

MAX_DEPTH = 3  # bundle levels, counting the bundle itself

Code = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
KeyPath = tuple[str | int, ...]
Children = Mapping[str, list[tuple[str, KeyPath]]]  # bundle -> (nested bundle, where it is named)


def _decimal_text(value: Decimal) -> str:
    return format(value.normalize(), "f")


# Exact decimals, written to the canonical JSON as normalised text ("2", "0.5").
Quantity = Annotated[
    Decimal, Field(gt=0, decimal_places=6), PlainSerializer(_decimal_text, return_type=str)
]


class _Schema(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, coerce_numbers_to_str=True)


class EditableQuantity(_Schema):
    min: Quantity
    max: Quantity
    default: Quantity


class QuantityRule(_Schema):
    """Exactly one of: a fixed quantity, a quantity per unit of the parent, an editable range."""

    fixed: Quantity | None = None
    per_parent_unit: Quantity | None = None
    editable: EditableQuantity | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> Self:
        given = [v for v in (self.fixed, self.per_parent_unit, self.editable) if v is not None]
        if len(given) != 1:
            raise PydanticCustomError(
                "quantity_rule", "give exactly one of fixed, per_parent_unit, editable"
            )
        return self


class Option(_Schema):
    sku: Code
    default: bool = False
    quantity: QuantityRule
    bundle: Code | None = None  # the code of a bundle model this option is configured as


class OptionGroup(_Schema):
    code: Code
    name: Text
    min: int = Field(ge=0)
    max: int = Field(ge=1)
    options: list[Option] = Field(min_length=1)


class Attribute(_Schema):
    """A characteristic chosen for the bundle from a finite list (voltage, region, colour...)."""

    code: Code
    name: Text
    values: list[Code] = Field(min_length=1)
    default: Code | None = None


# Constraint kinds (docs/configuration.md). An option is named by its SKU, or ``group/SKU`` when
# the SKU is in two groups of the bundle.
Ref = Code
Refs = Annotated[list[Code], Field(min_length=1)]


class Requires(_Schema):
    option: Ref
    any_of: Refs


class Excludes(_Schema):
    option: Ref
    options: Refs


class Implies(_Schema):
    option: Ref
    adds: Refs


class Compatible(_Schema):
    option: Ref
    when: dict[Code, Refs] = Field(min_length=1)  # attribute -> the values it allows


class Cardinality(_Schema):
    options: Annotated[list[Code], Field(min_length=2)]
    min: int = Field(0, ge=0)
    max: int | None = Field(None, ge=0)


class QuantityRelation(_Schema):
    """sum(left) OP factor * sum(right) + offset, in whole units; unselected options count 0."""

    left: Refs
    op: Literal[">=", "<=", "=="]
    right: Refs
    factor: int = Field(1, ge=1)
    offset: int = 0


CONSTRAINT_KINDS = ("requires", "excludes", "implies", "compatible", "cardinality", "quantity")


class Constraint(_Schema):
    code: Code
    message: Text | None = None  # shown to the rep instead of the generated wording
    requires: Requires | None = None
    excludes: Excludes | None = None
    implies: Implies | None = None
    compatible: Compatible | None = None
    cardinality: Cardinality | None = None
    quantity: QuantityRelation | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> Self:
        if sum(getattr(self, kind) is not None for kind in CONSTRAINT_KINDS) != 1:
            raise PydanticCustomError(
                "constraint_kind", "give exactly one of " + ", ".join(CONSTRAINT_KINDS)
            )
        return self

    @property
    def kind(self) -> str:
        return next(kind for kind in CONSTRAINT_KINDS if getattr(self, kind) is not None)


class Bundle(_Schema):
    code: Code
    name: Text
    sku: Code  # the parent item
    description: Text | None = None
    option_groups: list[OptionGroup] = Field(min_length=1)
    attributes: list[Attribute] = []
    constraints: list[Constraint] = []


class ModelFile(_Schema):
    """The schema of one ``catalog/models/*.yaml`` file."""

    bundles: list[Bundle]


@dataclass(frozen=True, slots=True)
class ProductModel:
    """One bundle with where it was written: its file and the line of each key in that file."""

    bundle: Bundle
    file: str  # relative to the models folder
    path: KeyPath  # the bundle's place in its file: ("bundles", n)
    lines: Mapping[KeyPath, int]  # key path in the file -> line

    def where(self, *path: str | int) -> dict[str, Any]:
        full = (*self.path, *path)
        column = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in full)
        return {"file": self.file, "row": self.lines.get(full), "column": column.lstrip(".")}

    def place(self, *path: str | int) -> str:
        row = self.lines.get((*self.path, *path))
        return f"{self.file} row {row}" if row is not None else self.file


def bundles_in(file: str, models: ModelFile, lines: Mapping[KeyPath, int]) -> list[ProductModel]:
    return [ProductModel(b, file, ("bundles", n), lines) for n, b in enumerate(models.bundles)]


# -- checks ------------------------------------------------------------------------------------
def check_models(models: Sequence[ProductModel], items: Mapping[str, bool]) -> list[Issue]:
    """Check ``models`` against each other and against ``items`` (SKU -> active)."""
    issues: list[Issue] = []
    by_code: dict[str, ProductModel] = {}
    for model in models:
        first = by_code.setdefault(model.bundle.code, model)
        if first is not model:
            issues.append(
                error(
                    "duplicate_bundle",
                    f"bundle code {model.bundle.code!r} is also defined at {first.place('code')}",
                    **model.where("code"),
                )
            )
    for model in models:
        issues.extend(_check_bundle(model, items, by_code))
    issues.extend(_check_nesting(by_code))
    return issues


def _check_sku(
    model: ProductModel, sku: str, items: Mapping[str, bool], *path: str | int
) -> list[Issue]:
    if sku not in items:
        return [error("unknown_sku", f"SKU {sku!r} is not an item", **model.where(*path))]
    if not items[sku]:
        return [warning("inactive_sku", f"item {sku} is inactive", **model.where(*path))]
    return []


def _check_bundle(
    model: ProductModel, items: Mapping[str, bool], by_code: Mapping[str, ProductModel]
) -> list[Issue]:
    issues = _check_sku(model, model.bundle.sku, items, "sku")
    group_codes: set[str] = set()
    for g, group in enumerate(model.bundle.option_groups):
        at = ("option_groups", g)
        if group.code in group_codes:
            issues.append(
                error(
                    "duplicate_group",
                    f"option group {group.code!r} appears twice in bundle {model.bundle.code}",
                    **model.where(*at, "code"),
                )
            )
        group_codes.add(group.code)
        issues.extend(_check_selection(model, group, at))
        skus: set[str] = set()
        for o, option in enumerate(group.options):
            here = (*at, "options", o)
            issues.extend(_check_sku(model, option.sku, items, *here, "sku"))
            if option.sku in skus:
                issues.append(
                    error(
                        "duplicate_option",
                        f"SKU {option.sku} appears twice in option group {group.code!r}",
                        **model.where(*here, "sku"),
                    )
                )
            skus.add(option.sku)
            issues.extend(_check_option(model, option, here, by_code))
    return issues


def _check_selection(model: ProductModel, group: OptionGroup, at: KeyPath) -> list[Issue]:
    issues = []
    if group.min > group.max:
        issues.append(
            error(
                "min_above_max",
                f"min {group.min} is greater than max {group.max}",
                **model.where(*at, "min"),
            )
        )
    if group.min > len(group.options):
        issues.append(
            error(
                "min_above_options",
                f"min {group.min} is more than the {len(group.options)} options of the group",
                **model.where(*at, "min"),
            )
        )
    defaults = [o for o, option in enumerate(group.options) if option.default]
    if len(defaults) > group.max:
        issues.append(
            error(
                "too_many_defaults",
                f"{len(defaults)} options are default but at most {group.max} can be selected",
                **model.where(*at, "options", defaults[group.max], "default"),
            )
        )
    return issues


def _check_option(
    model: ProductModel, option: Option, at: KeyPath, by_code: Mapping[str, ProductModel]
) -> list[Issue]:
    issues = []
    editable = option.quantity.editable
    if editable is not None and not editable.min <= editable.default <= editable.max:
        issues.append(
            error(
                "bad_quantity",
                f"default {editable.default} is not between min {editable.min} "
                f"and max {editable.max}",
                **model.where(*at, "quantity", "editable"),
            )
        )
    if option.bundle is None:
        return issues
    nested = by_code.get(option.bundle)
    if nested is None:
        issues.append(
            error(
                "unknown_bundle",
                f"bundle {option.bundle!r} is not defined",
                **model.where(*at, "bundle"),
            )
        )
    elif nested.bundle.sku != option.sku:
        issues.append(
            error(
                "bundle_sku_mismatch",
                f"option SKU {option.sku} is not {nested.bundle.sku}, the SKU of bundle "
                f"{option.bundle}",
                **model.where(*at, "sku"),
            )
        )
    return issues


def _check_nesting(by_code: Mapping[str, ProductModel]) -> list[Issue]:
    """Each bundle on a cycle of nested bundles, and each nesting more than MAX_DEPTH levels."""
    children = _children(by_code)
    issues = []
    for code, model in by_code.items():
        cycle = _cycle(code, children)
        if cycle is not None:
            chain, path = cycle
            issues.append(
                error(
                    "bundle_cycle",
                    f"bundle {code} contains itself: {' > '.join(chain)}",
                    **model.where(*path),
                )
            )
            continue
        deepest = _deepest(code, children)
        if deepest is not None and len(deepest) > MAX_DEPTH:
            path = next(p for child, p in children[code] if child == deepest[1])
            issues.append(
                error(
                    "nesting_too_deep",
                    f"bundle {code} nests {len(deepest)} levels deep ({' > '.join(deepest)}); "
                    f"at most {MAX_DEPTH} are allowed",
                    **model.where(*path),
                )
            )
    return issues


def _children(by_code: Mapping[str, ProductModel]) -> Children:
    children: dict[str, list[tuple[str, KeyPath]]] = {}
    for code, model in by_code.items():
        nested = children.setdefault(code, [])
        for g, group in enumerate(model.bundle.option_groups):
            for o, option in enumerate(group.options):
                if option.bundle is not None and option.bundle in by_code:
                    nested.append((option.bundle, ("option_groups", g, "options", o, "bundle")))
    return children


def _cycle(code: str, children: Children) -> tuple[list[str], KeyPath] | None:
    """The chain from ``code`` back to itself, and where ``code`` names its first link."""
    for child, path in children[code]:
        route = _route(child, code, children, set())
        if route is not None:
            return [code, *route], path
    return None


def _route(start: str, target: str, children: Children, seen: set[str]) -> list[str] | None:
    if start == target:
        return [start]
    if start in seen:
        return None
    seen.add(start)
    for child, _ in children[start]:
        route = _route(child, target, children, seen)
        if route is not None:
            return [start, *route]
    return None


def _deepest(code: str, children: Children, above: tuple[str, ...] = ()) -> list[str] | None:
    """The longest chain of nested bundles from ``code``; None when it runs into a cycle."""
    if code in above:
        return None
    best = [code]
    for child, _ in children[code]:
        below = _deepest(child, children, (*above, code))
        if below is None:
            return None
        if len(below) + 1 > len(best):
            best = [code, *below]
    return best


# -- records -----------------------------------------------------------------------------------
def _definition(bundle: Bundle) -> str:
    """The canonical JSON of a bundle: equal models give equal text."""
    model = bundle.model_dump(mode="json", exclude_none=True)
    for key in ("attributes", "constraints"):  # left out when empty, as before they existed
        if not model[key]:
            del model[key]
    return json.dumps(model, sort_keys=True, separators=(",", ":"))


def to_records(models: Sequence[ProductModel]) -> list[tuple[object, ...]]:
    """One ``product_models`` record per bundle, its fields in ``PRODUCT_MODELS`` order."""
    records: list[tuple[object, ...]] = []
    for model in models:
        values = {
            "code": model.bundle.code,
            "name": model.bundle.name,
            "sku": model.bundle.sku,
            "definition": _definition(model.bundle),
            "file": model.file,
        }
        records.append(tuple(values[name] for name in PRODUCT_MODELS.field_names))
    return records
