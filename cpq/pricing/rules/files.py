"""Loading a rule set from a folder of YAML files: validate everything, report every problem with
its file and line, and build the frozen rule set only when there is none."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel

from cpq.catalog.issues import Issue, error
from cpq.pricing.rules import model as M
from cpq.pricing.rules import schema as S
from cpq.pricing.rules.ambiguity import ambiguities
from cpq.pricing.rules.conditions import ConditionError, compile_condition
from cpq.pricing.tiers import check_tiers
from cpq.yamlfile import KeyPath, YamlDocument, key_path, parse_yaml, validate


@dataclass(frozen=True, slots=True)
class Located:
    """An example (or anything else) with the file and line it was written on."""

    file: str
    line: int | None
    spec: S.ExampleSpec


@dataclass(frozen=True, slots=True)
class _File:
    """One file's sections, each item validated on its own, with its position in the list."""

    doc: YamlDocument
    settings: S.SettingsSpec | None
    price_lists: list[tuple[int, S.DerivedListSpec]]
    rules: list[tuple[int, S.RuleSpec]]
    examples: list[tuple[int, S.ExampleSpec]]


T = TypeVar("T", bound=BaseModel)


def _items(
    doc: YamlDocument, section: str, raw: list[Any], schema: type[T], issues: list[Issue]
) -> list[tuple[int, T]]:
    found = []
    for n, data in enumerate(raw):
        item, problems = validate(doc, schema, (section, n), data if data is not None else {})
        issues += problems
        if item is not None:
            found.append((n, item))
    return found


@dataclass(frozen=True, slots=True)
class LoadedRules:
    rule_set: M.RuleSet
    examples: tuple[Located, ...]


# The approval policy lives in the same reviewed folder but is not a pricing rule file.
APPROVAL_POLICY_FILE = "approvals.yaml"


def rule_files(folder: Path) -> list[Path]:
    """The pricing rule files of ``folder``: every ``*.yaml`` but the approval policy."""
    if not folder.is_dir():
        return []
    return sorted(
        p for p in folder.glob("*.yaml") if p.is_file() and p.name != APPROVAL_POLICY_FILE
    )


def load_rule_set(folder: Path) -> tuple[LoadedRules | None, list[Issue]]:
    files = rule_files(folder)
    if not files:
        return None, [error("no_rule_files", f"no *.yaml rule files in {folder}", file=str(folder))]
    texts: dict[str, bytes] = {p.name: p.read_bytes() for p in files}
    return rule_set_from_texts(texts)


def rule_set_from_texts(texts: Mapping[str, bytes]) -> tuple[LoadedRules | None, list[Issue]]:
    """Files by name -> the rule set, or None and every problem found."""
    issues: list[Issue] = []
    parsed: list[_File] = []
    settings_written = False  # in some file, even one that did not validate
    for name in sorted(texts):
        try:
            text = texts[name].decode("utf-8")
        except UnicodeDecodeError as exc:
            issues.append(error("yaml_encoding", f"not UTF-8 text: {exc.reason}", file=name))
            continue
        document, found = parse_yaml(text, name)
        issues += found
        if document is None:
            continue
        if document.data is None:
            continue  # an empty file
        settings_written |= isinstance(document.data, dict) and "settings" in document.data
        spec, found = validate(document, S.RuleFileSpec)
        issues += found
        if spec is not None:
            parsed.append(
                _File(
                    document,
                    spec.settings,
                    _items(document, "price_lists", spec.price_lists, S.DerivedListSpec, issues),
                    _items(document, "rules", spec.rules, S.RuleSpec, issues),
                    _items(document, "examples", spec.examples, S.ExampleSpec, issues),
                )
            )
    builder = _Builder(issues, settings_written)
    rule_set = builder.build(parsed, _digest(texts))
    if rule_set is None or any(i.is_error for i in issues):
        return None, issues
    examples = tuple(
        Located(f.doc.file, f.doc.line(("examples", n)), example)
        for f in parsed
        for n, example in f.examples
    )
    return LoadedRules(rule_set, examples), issues


def _digest(texts: Mapping[str, bytes]) -> str:
    h = hashlib.sha256()
    for name in sorted(texts):
        h.update(name.encode() + b"\0" + hashlib.sha256(texts[name]).digest())
    return h.hexdigest()


class _Builder:
    def __init__(self, issues: list[Issue], settings_written: bool) -> None:
        self.issues = issues
        self.settings_written = settings_written

    def problem(self, doc: YamlDocument, path: KeyPath, code: str, message: str) -> None:
        self.issues.append(
            error(code, message, file=doc.file, row=doc.line(path), column=key_path(path) or None)
        )

    def build(self, parsed: Sequence[_File], digest: str) -> M.RuleSet | None:
        settings = self._settings(parsed)
        derived = self._derived_lists(parsed)
        rules: list[M.Rule] = []
        seen: dict[str, str] = {}
        for f in parsed:
            doc = f.doc
            for n, rule_spec in f.rules:
                path: KeyPath = ("rules", n)
                if rule_spec.id in seen:
                    self.problem(
                        doc,
                        (*path, "id"),
                        "duplicate_rule",
                        f"rule id {rule_spec.id!r} is already used in {seen[rule_spec.id]}",
                    )
                    continue
                seen[rule_spec.id] = f"{doc.file}, row {doc.line(path)}"
                rule = self._rule(doc, path, rule_spec)
                if rule is not None:
                    rules.append(rule)
        for first, second, why in ambiguities(rules):
            self.issues.append(
                error(
                    "ambiguous_rules",
                    f"rules {first.id!r} ({first.file}, row {first.line}) and {second.id!r} can "
                    f"both apply to the same line with the same priority and specificity: {why}; "
                    "give one a higher priority, or tell them apart with conditions",
                    file=second.file,
                    row=second.line,
                    column="priority",
                )
            )
        if settings is None:
            return None
        return M.RuleSet(
            name=settings.name,
            digest=digest,
            rounding=settings.rounding,
            segment_lists={
                segment: (codes,) if isinstance(codes, str) else tuple(codes)
                for segment, codes in settings.segment_price_lists.items()
            },
            derived_lists=derived,
            conversion_currencies=tuple(settings.conversion_currencies),
            rules=tuple(rules),
        )

    def _settings(self, parsed: Sequence[_File]) -> S.SettingsSpec | None:
        found = [(f.doc, f.settings) for f in parsed if f.settings is not None]
        for doc, _ in found[1:]:
            self.problem(
                doc,
                ("settings",),
                "duplicate_settings",
                f"settings are already given in {found[0][0].file}; a rule set has one settings block",
            )
        if not found and not self.settings_written:  # else its file's errors say why
            self.issues.append(
                error("no_settings", "no file has a settings block (name, rounding, ...)")
            )
            return None
        return found[0][1]

    def _derived_lists(self, parsed: Sequence[_File]) -> dict[str, M.DerivedList]:
        derived: dict[str, M.DerivedList] = {}
        where: dict[str, tuple[YamlDocument, KeyPath]] = {}
        for f in parsed:
            doc = f.doc
            for n, item in f.price_lists:
                path: KeyPath = ("price_lists", n)
                if item.code in derived:
                    self.problem(
                        doc,
                        (*path, "code"),
                        "duplicate_price_list",
                        f"derived price list {item.code!r} is defined twice",
                    )
                    continue
                derived[item.code] = M.DerivedList(item.code, item.name, item.base, item.percent)
                where[item.code] = (doc, path)
        for code in derived:  # report each list that is itself in a circle
            chain = [code]
            while chain[-1] in derived:
                base = derived[chain[-1]].base
                if base == code:
                    doc, path = where[code]
                    self.problem(
                        doc,
                        (*path, "base"),
                        "price_list_cycle",
                        "derived price lists refer to each other in a circle: "
                        + " -> ".join([*chain, base]),
                    )
                    break
                if base in chain:
                    break  # a circle further on: its own lists report it
                chain.append(base)
        return derived

    def _rule(self, doc: YamlDocument, path: KeyPath, spec: S.RuleSpec) -> M.Rule | None:
        before = len(self.issues)
        action = self._action(doc, (*path, "then"), spec.then)
        quote_level = spec.then.kind == "order_discount"
        expression = None
        if spec.when.expression is not None:
            try:
                expression = compile_condition(spec.when.expression, quote_level=quote_level)
            except ConditionError as exc:
                self.problem(doc, (*path, "when", "expression"), "bad_expression", str(exc))
        if quote_level and (spec.applies_to.skus or spec.when.quantity):
            self.problem(
                doc,
                (*path, "when"),
                "quote_rule_line_condition",
                "an order-level rule is judged on the whole quote: use applies_to groups/brands "
                "to pick the lines it counts, and quote_total / quote_quantity in an expression",
            )
        if action is None or len(self.issues) > before:
            return None
        q = spec.when.quantity
        return M.Rule(
            id=spec.id,
            description=spec.description,
            action=action,
            scope=_scope(spec.applies_to),
            when=M.Conditions(
                customers=frozenset(spec.when.customers),
                segments=frozenset(spec.when.segments),
                territories=frozenset(spec.when.territories),
                currencies=frozenset(spec.when.currencies),
                codes=frozenset(spec.when.codes),
                quantity=M.Range(q.min, q.max) if q is not None else None,
                expression=expression,
            ),
            priority=spec.priority,
            combination=M.Combination(spec.combination),
            valid_from=spec.valid_from,
            valid_to=spec.valid_to,
            file=doc.file,
            line=doc.line(path),
        )

    def _action(self, doc: YamlDocument, path: KeyPath, spec: S.ActionSpec) -> M.Action | None:
        match spec:
            case S.FixedPriceSpec(price=price):
                return M.FixedPrice(price)
            case S.DiscountPercentSpec(percent=percent):
                return M.DiscountPercent(percent)
            case S.DiscountAmountSpec(amount=amount):
                return M.DiscountAmount(amount)
            case S.SurchargeSpec(percent=percent, amount=amount):
                return M.Surcharge(percent, amount)
            case S.MarkupSpec(percent=percent):
                return M.MarkupOnCost(percent)
            case S.MarginFloorSpec(percent=percent, action=act):
                return M.MarginFloor(percent, act)
            case S.VolumeSpec(kind=kind, tiers=tier_specs):
                tiers = self._tiers(doc, path, kind, tier_specs)
                if tiers is None:
                    return None
                return M.VolumeRange(tiers) if kind == "volume_range" else M.VolumeSlab(tiers)
            case S.BlockSpec(size=size, price=price):
                return M.BlockPrice(size, price)
            case S.PercentOfTotalSpec(percent=percent, of=of):
                if not (of.skus or of.groups or of.brands):
                    self.problem(
                        doc, (*path, "of"), "empty_scope", "name the lines the percent is of"
                    )
                    return None
                return M.PercentOfTotal(percent, _scope(of))
            case S.BundleComponentSpec(parents=parents, percent_of_parent=percent):
                return M.BundleComponent(frozenset(parents), percent)
            case S.FreeItemsSpec(buy=buy, get=get, recursive=recursive):
                return M.FreeItems(buy, get, recursive)
            case S.RecurringSpec(term_months=term):
                return M.Recurring(term)
            case S.PriceRoundingSpec(ending=ending, surcharge=surcharge):
                return M.PriceRounding(_ending(ending), surcharge)
            case S.FormulaSpec() as f:
                return M.Formula(
                    base=f.base,
                    price_list=f.price_list,
                    discount_percent=f.discount_percent,
                    rounding=_ending(f.rounding) if f.rounding else None,
                    surcharge=f.surcharge,
                    min_margin=f.min_margin,
                    max_margin=f.max_margin,
                )
            case S.OrderDiscountSpec(basis=basis, tiers=tiers):
                return M.OrderDiscount(
                    basis, tuple(M.OrderTier(t.threshold, t.percent) for t in tiers)
                )
        raise AssertionError(f"unhandled rule kind {spec.kind}")  # pragma: no cover

    def _tiers(
        self, doc: YamlDocument, path: KeyPath, kind: str, specs: Sequence[S.TierSpec]
    ) -> tuple[M.Tier, ...] | None:
        at = (*path, "tiers")
        messages = check_tiers([t.up_to for t in specs])
        for message in messages:
            self.problem(doc, at, "bad_tiers", message)
        if len({t.percent is None for t in specs}) > 1:
            messages.append("mixed")
            self.problem(
                doc, at, "mixed_tiers", "a schedule's tiers all give prices or all give percents"
            )
        elif kind == "volume_range":
            # On a range schedule a bigger quantity must never raise the unit price.
            for n in range(1, len(specs)):
                messages += self._rising(doc, (*at, n), n, specs[n - 1], specs[n])
        if messages:
            return None
        return tuple(M.Tier(t.up_to, t.price, t.percent) for t in specs)

    def _rising(
        self, doc: YamlDocument, at: KeyPath, n: int, prev: S.TierSpec, cur: S.TierSpec
    ) -> list[str]:
        found: list[str] = []
        if prev.percent is not None and cur.percent is not None and cur.percent < prev.percent:
            found.append(
                f"tier {n + 1} gives less discount ({cur.percent}%) than tier {n} "
                f"({prev.percent}%): the unit price would rise with quantity"
            )
        if prev.price is not None and cur.price is not None:
            found += [
                f"tier {n + 1} price {price} {currency} is above tier {n}'s "
                f"{prev.price[currency]}: the unit price would rise with quantity"
                for currency, price in cur.price.items()
                if currency in prev.price and price > prev.price[currency]
            ]
        for message in found:
            self.problem(doc, at, "rising_schedule", message)
        return found


def _scope(spec: S.ScopeSpec) -> M.Scope:
    return M.Scope(frozenset(spec.skus), frozenset(spec.groups), frozenset(spec.brands))


def _ending(spec: S.EndingSpec) -> M.Ending:
    return M.Ending(spec.multiple, spec.ending, spec.direction)
