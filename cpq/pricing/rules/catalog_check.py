"""A rule set read against a catalog: names that match nothing there are warnings.

A typo in a SKU, a group renamed in the ERP, a list that was never synced: the rule loads, and
then silently applies to nothing. These checks say so, with the rule's file and line.
"""

from __future__ import annotations

from collections.abc import Iterator

from cpq.catalog.issues import Issue, warning
from cpq.pricing.rules import model as M
from cpq.pricing.snapshot import PricingCatalog


def against_catalog(rule_set: M.RuleSet, catalog: PricingCatalog) -> list[Issue]:
    skus = set(catalog.items)
    groups = {g for item in catalog.items.values() for g in item.groups}
    brands = {item.brand for item in catalog.items.values() if item.brand}
    lists = set(catalog.price_lists) | set(rule_set.derived_lists)
    issues: list[Issue] = []
    there = f"catalog version {catalog.version}" if catalog.version is not None else "the catalog"

    def unknown(
        rule: M.Rule, column: str, what: str, names: frozenset[str], known: set[str]
    ) -> None:
        for name in sorted(names - known):
            issues.append(
                warning(
                    f"unknown_{what.lower().replace(' ', '_')}",
                    f"rule {rule.id!r} names {what} {name!r}, which is not in {there}: "
                    "it will never apply there",
                    file=rule.file,
                    row=rule.line,
                    column=column,
                    value=name,
                )
            )

    for rule in rule_set.rules:
        for column, scope in _scopes(rule):
            unknown(rule, f"{column}.skus", "SKU", scope.skus, skus)
            unknown(rule, f"{column}.groups", "product group", scope.groups, groups)
            unknown(rule, f"{column}.brands", "brand", scope.brands, brands)
        action = rule.action
        if isinstance(action, M.BundleComponent):
            unknown(rule, "then.parents", "SKU", action.parents, skus)
        if isinstance(action, M.Formula) and action.price_list:
            unknown(rule, "then.price_list", "price list", frozenset({action.price_list}), lists)
        if catalog.customers:
            unknown(rule, "when.customers", "customer", rule.when.customers, set(catalog.customers))
    for derived in rule_set.derived_lists.values():
        if derived.base not in lists:
            issues.append(
                warning(
                    "unknown_price_list",
                    f"derived price list {derived.code!r} is based on {derived.base!r}, which is "
                    f"not in {there}",
                    column="price_lists.base",
                    value=derived.base,
                )
            )
    for segment, codes in rule_set.segment_lists.items():
        for code in codes:
            if code not in lists:
                issues.append(
                    warning(
                        "unknown_price_list",
                        f"segment {segment!r} names price list {code!r}, which is not in {there}",
                        column="settings.segment_price_lists",
                        value=code,
                    )
                )
    return issues


def _scopes(rule: M.Rule) -> Iterator[tuple[str, M.Scope]]:
    yield "applies_to", rule.scope
    if isinstance(rule.action, M.PercentOfTotal):
        yield "then.of", rule.action.of
