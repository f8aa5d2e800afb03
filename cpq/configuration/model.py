"""A bundle and the bundles nested in it, flattened into one configuration model.

Options, groups, attributes and rules are numbered; each keeps the option it hangs under (the
nested bundle's option, None at the top) and where it was written (bundle code + key path), so a
load error can name its file and line. Pure: bundles come in as parsed ``Bundle`` objects.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from cpq.catalog.product_models import Bundle, Constraint, KeyPath, QuantityRelation, QuantityRule

Source = tuple[str, KeyPath]  # (bundle code, key path in that bundle's definition)


@dataclass(frozen=True, slots=True)
class OptionNode:
    index: int
    id: str  # "group/SKU", nested: "group/SKU/group/SKU"
    sku: str
    group: int  # index of its group
    parent: int | None  # the option of the nested bundle it belongs to; None at the top
    default: bool
    quantity: QuantityRule
    bundle: str | None  # the nested bundle this option is configured as
    source: Source

    @property
    def editable(self) -> bool:
        return self.quantity.editable is not None

    def fixed_quantity(self) -> Decimal | None:
        """The quantity of a fixed or per-parent-unit option; None when editable."""
        return self.quantity.fixed or self.quantity.per_parent_unit

    def default_quantity(self) -> Decimal:
        editable = self.quantity.editable
        if editable is not None:
            return editable.default
        fixed = self.fixed_quantity()
        assert fixed is not None
        return fixed


@dataclass(frozen=True, slots=True)
class GroupNode:
    index: int
    id: str  # "group", nested: "group/SKU/group"
    name: str
    parent: int | None
    min: int
    max: int
    options: tuple[int, ...]
    source: Source


@dataclass(frozen=True, slots=True)
class AttributeNode:
    index: int
    id: str  # "voltage", nested: "group/SKU/voltage"
    name: str
    parent: int | None
    values: tuple[str, ...]
    default: str | None
    source: Source


@dataclass(frozen=True, slots=True)
class Term:
    """A side of a quantity relation: options whose quantities add up."""

    options: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Rule:
    """One constraint over the model: a group's min/max, an attribute's single value, or an
    authored constraint. ``options``/``others`` and ``values`` mean what the kind says."""

    index: int
    id: str  # group id, attribute id, or "code" (nested: "group/SKU/code")
    kind: str  # group, attribute, requires, excludes, implies, compatible, cardinality, quantity
    parent: int | None
    source: Source
    message: str | None = None
    subject: int | None = None  # the option a requires/excludes/implies/compatible is about
    options: tuple[int, ...] = ()  # any_of, options, adds, cardinality's options, left
    others: tuple[int, ...] = ()  # the right side of a quantity relation
    min: int = 0
    max: int | None = None
    allowed: tuple[tuple[int, tuple[str, ...]], ...] = ()  # compatible: (attribute, values)
    op: str = ">="
    factor: int = 1
    offset: int = 0
    group: int | None = None  # kind group
    attribute: int | None = None  # kind attribute


@dataclass(slots=True)
class ConfigModel:
    """The flattened model of one top-level bundle."""

    code: str
    name: str
    sku: str
    options: list[OptionNode] = field(default_factory=list)
    groups: list[GroupNode] = field(default_factory=list)
    attributes: list[AttributeNode] = field(default_factory=list)
    rules: list[Rule] = field(default_factory=list)
    option_ids: dict[str, int] = field(default_factory=dict)
    attribute_ids: dict[str, int] = field(default_factory=dict)
    counted: frozenset[int] = frozenset()  # options whose quantity a quantity relation counts


@dataclass(frozen=True, slots=True)
class ModelProblem:
    """A mistake in a bundle's constraints, at a key path of that bundle's definition."""

    code: str
    message: str
    source: Source


def flatten(root: str, bundles: Mapping[str, Bundle]) -> tuple[ConfigModel, list[ModelProblem]]:
    """The configuration model of bundle ``root``, nested bundles included (``bundles`` holds
    every bundle by code; nesting was checked for cycles and depth before)."""
    top = bundles[root]
    model = ConfigModel(top.code, top.name, top.sku)
    problems: list[ModelProblem] = []
    _add_bundle(model, top, bundles, None, "", problems)
    model.counted = frozenset(
        o for r in model.rules if r.kind == "quantity" for o in (*r.options, *r.others)
    )
    return model, problems


def _add_bundle(
    model: ConfigModel,
    bundle: Bundle,
    bundles: Mapping[str, Bundle],
    parent: int | None,
    prefix: str,
    problems: list[ModelProblem],
) -> None:
    by_ref: dict[str, list[int]] = {}
    nested: list[tuple[int, Bundle]] = []
    for g, group in enumerate(bundle.option_groups):
        group_index = len(model.groups)
        members = []
        for o, option in enumerate(group.options):
            index = len(model.options)
            node = OptionNode(
                index=index,
                id=f"{prefix}{group.code}/{option.sku}",
                sku=option.sku,
                group=group_index,
                parent=parent,
                default=option.default,
                quantity=option.quantity,
                bundle=option.bundle,
                source=(bundle.code, ("option_groups", g, "options", o)),
            )
            model.options.append(node)
            model.option_ids[node.id] = index
            members.append(index)
            by_ref.setdefault(option.sku, []).append(index)
            by_ref.setdefault(f"{group.code}/{option.sku}", []).append(index)
            if option.bundle is not None and option.bundle in bundles:
                nested.append((index, bundles[option.bundle]))
        model.groups.append(
            GroupNode(
                index=group_index,
                id=f"{prefix}{group.code}",
                name=group.name,
                parent=parent,
                min=group.min,
                max=group.max,
                options=tuple(members),
                source=(bundle.code, ("option_groups", g)),
            )
        )
        _add_rule(
            model,
            id=f"{prefix}{group.code}",
            kind="group",
            parent=parent,
            source=(bundle.code, ("option_groups", g)),
            options=tuple(members),
            min=group.min,
            max=group.max,
            group=group_index,
        )
    attributes: dict[str, int] = {}
    for a, attribute in enumerate(bundle.attributes):
        index = len(model.attributes)
        source = (bundle.code, ("attributes", a))
        value_node = AttributeNode(
            index=index,
            id=f"{prefix}{attribute.code}",
            name=attribute.name,
            parent=parent,
            values=tuple(attribute.values),
            default=attribute.default,
            source=source,
        )
        problems.extend(_check_attribute(value_node, attributes, source))
        attributes[attribute.code] = index
        model.attributes.append(value_node)
        model.attribute_ids[value_node.id] = index
        _add_rule(
            model, id=value_node.id, kind="attribute", parent=parent, source=source, attribute=index
        )
    resolve = _Resolver(model, bundle.code, by_ref, attributes, problems)
    for c, constraint in enumerate(bundle.constraints):
        resolve.constraint(constraint, c, parent, prefix)
    for index, inner in nested:
        _add_bundle(model, inner, bundles, index, f"{model.options[index].id}/", problems)


def _add_rule(model: ConfigModel, **values: object) -> None:
    model.rules.append(Rule(index=len(model.rules), **values))  # type: ignore[arg-type]


def _check_attribute(
    node: AttributeNode, seen: Mapping[str, int], source: Source
) -> list[ModelProblem]:
    code = node.id.rsplit("/", 1)[-1]
    problems = []
    if code in seen:
        problems.append(
            ModelProblem("duplicate_attribute", f"attribute {code!r} is defined twice", source)
        )
    if len(set(node.values)) != len(node.values):
        problems.append(
            ModelProblem(
                "duplicate_value",
                f"attribute {code!r} lists a value twice",
                (source[0], (*source[1], "values")),
            )
        )
    if node.default is not None and node.default not in node.values:
        problems.append(
            ModelProblem(
                "unknown_value",
                f"default {node.default!r} is not one of the values of attribute {code!r}",
                (source[0], (*source[1], "default")),
            )
        )
    return problems


@dataclass(slots=True)
class _Resolver:
    """Turns a constraint's SKUs and attribute values into model indices, reporting bad ones."""

    model: ConfigModel
    bundle: str
    by_ref: Mapping[str, list[int]]
    attributes: Mapping[str, int]
    problems: list[ModelProblem]
    codes: set[str] = field(default_factory=set)  # constraint codes seen in the bundle

    def _problem(self, code: str, message: str, path: KeyPath) -> None:
        self.problems.append(ModelProblem(code, message, (self.bundle, path)))

    def option(self, ref: str, path: KeyPath) -> int | None:
        found = self.by_ref.get(ref)
        if not found:
            self._problem(
                "unknown_option", f"{ref!r} is not an option of bundle {self.bundle}", path
            )
            return None
        if len(found) > 1:
            ids = ", ".join(self.model.options[o].id for o in found)
            self._problem(
                "ambiguous_option",
                f"{ref!r} is an option of more than one group ({ids}); write group/SKU",
                path,
            )
            return None
        return found[0]

    def options(self, refs: list[str], path: KeyPath) -> tuple[int, ...] | None:
        found = [self.option(ref, (*path, n)) for n, ref in enumerate(refs)]
        if any(o is None for o in found):
            return None
        unique = tuple(dict.fromkeys(o for o in found if o is not None))
        if len(unique) != len(found):
            self._problem("duplicate_option", "an option is named twice", path)
            return None
        return unique

    def constraint(self, constraint: Constraint, c: int, parent: int | None, prefix: str) -> None:
        at: KeyPath = ("constraints", c)
        kind = constraint.kind
        base = {
            "id": f"{prefix}{constraint.code}",
            "kind": kind,
            "parent": parent,
            "source": (self.bundle, at),
            "message": constraint.message,
        }
        if constraint.code in self.codes:
            self._problem(
                "duplicate_constraint", f"constraint {constraint.code!r} is defined twice", at
            )
            return
        self.codes.add(constraint.code)
        values = self._kind_values(constraint, kind, (*at, kind))
        if values is not None:
            _add_rule(self.model, **base, **values)

    def _kind_values(
        self, constraint: Constraint, kind: str, at: KeyPath
    ) -> dict[str, object] | None:
        body = getattr(constraint, kind)
        if kind in ("requires", "excludes", "implies"):
            subject = self.option(body.option, (*at, "option"))
            key = {"requires": "any_of", "excludes": "options", "implies": "adds"}[kind]
            options = self.options(getattr(body, key), (*at, key))
            if subject is None or options is None:
                return None
            if subject in options:
                self._problem("self_reference", f"{body.option!r} names itself", (*at, key))
                return None
            return {"subject": subject, "options": options}
        if kind == "compatible":
            subject = self.option(body.option, (*at, "option"))
            allowed = self._allowed(body.when, (*at, "when"))
            if subject is None or allowed is None:
                return None
            return {"subject": subject, "allowed": allowed}
        if kind == "cardinality":
            options = self.options(body.options, (*at, "options"))
            if options is None:
                return None
            if body.max is not None and body.min > body.max:
                self._problem("min_above_max", f"min {body.min} is above max {body.max}", at)
                return None
            return {"options": options, "min": body.min, "max": body.max}
        return self._relation(body, at)

    def _allowed(
        self, when: Mapping[str, list[str]], at: KeyPath
    ) -> tuple[tuple[int, tuple[str, ...]], ...] | None:
        allowed = []
        for code, values in when.items():
            attribute = self.attributes.get(code)
            if attribute is None:
                self._problem(
                    "unknown_attribute",
                    f"{code!r} is not an attribute of bundle {self.bundle}",
                    (*at, code),
                )
                return None
            known = self.model.attributes[attribute].values
            unknown = [v for v in values if v not in known]
            if unknown:
                self._problem(
                    "unknown_value",
                    f"{', '.join(map(repr, unknown))} is not a value of attribute {code!r} "
                    f"({', '.join(known)})",
                    (*at, code),
                )
                return None
            allowed.append((attribute, tuple(dict.fromkeys(values))))
        return tuple(allowed)

    def _relation(self, body: QuantityRelation, at: KeyPath) -> dict[str, object] | None:
        left = self.options(body.left, (*at, "left"))
        right = self.options(body.right, (*at, "right"))
        if left is None or right is None:
            return None
        if set(left) & set(right):
            self._problem("self_reference", "an option is on both sides", at)
            return None
        for side, options in (("left", left), ("right", right)):
            for n, o in enumerate(options):
                problem = _whole_quantities(self.model.options[o])
                if problem:
                    self._problem("quantity_not_whole", problem, (*at, side, n))
                    return None
        return {
            "options": left,
            "others": right,
            "op": body.op,
            "factor": body.factor,
            "offset": body.offset,
        }


MAX_RELATION_QUANTITY = 10_000


def _whole_quantities(option: OptionNode) -> str | None:
    rule = option.quantity
    bounds = (
        [rule.editable.min, rule.editable.max] if rule.editable else [option.default_quantity()]
    )
    if any(b != b.to_integral_value() for b in bounds):
        return (
            f"a quantity relation counts whole units; {option.sku} can have a quantity "
            f"of {', '.join(map(str, bounds))}"
        )
    if max(bounds) > MAX_RELATION_QUANTITY:
        return f"a quantity relation counts at most {MAX_RELATION_QUANTITY} units of an option"
    return None
