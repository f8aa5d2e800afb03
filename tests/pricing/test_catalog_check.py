"""Rule names that match nothing in the catalog are warnings, with the rule's file and line."""

from __future__ import annotations

from builders import catalog, entry, item, rules

from cpq.pricing.rules.catalog_check import against_catalog
from cpq.pricing.snapshot import Customer


def test_names_missing_from_the_catalog_are_warned_with_file_and_line() -> None:
    # given a catalog of one sensor and rules that name things it does not have
    cat = catalog([item("A")], [entry("A", "100")], customers=[Customer("C-1", "One")])
    rule_set = rules(
        """
        price_lists:
          - {code: DIST, name: Distributor, base: STD-CHF, percent: -5}
        rules:
          - id: typo
            description: A SKU that is not there
            applies_to: {skus: [A, B]}
            then: {kind: discount_percent, percent: 5}
          - id: group
            description: A group that is not there
            applies_to: {groups: [HW-SENS, HW-NOPE]}
            when: {customers: [C-1, C-2]}
            then: {kind: discount_percent, percent: 5}
            priority: 1
          - id: warranty
            description: Percent of a brand that is not there
            applies_to: {skus: [A]}
            priority: 2
            then: {kind: percent_of_total, percent: 9, of: {brands: [Nobrand]}}
        """
    )
    # when
    issues = against_catalog(rule_set, cat)
    # then every name that matches nothing is a warning at its rule
    assert [(i.severity, i.code, i.row, i.column, i.value) for i in issues] == [
        ("warning", "unknown_sku", 5, "applies_to.skus", "B"),
        ("warning", "unknown_product_group", 9, "applies_to.groups", "HW-NOPE"),
        ("warning", "unknown_customer", 9, "when.customers", "C-2"),
        ("warning", "unknown_brand", 15, "then.of.brands", "Nobrand"),
        ("warning", "unknown_price_list", None, "price_lists.base", "STD-CHF"),
    ]
    assert all(i.file in (None, "rules.yaml") for i in issues)
    assert "never apply" in issues[0].message


def test_a_rule_set_that_matches_its_catalog_has_no_warnings() -> None:
    cat = catalog([item("A")], [entry("A", "100")])
    rule_set = rules(
        """
        rules:
          - id: sensors
            description: Sensors
            applies_to: {groups: [HW-SENS]}
            then: {kind: discount_percent, percent: 5}
        """
    )
    assert against_catalog(rule_set, cat) == []
