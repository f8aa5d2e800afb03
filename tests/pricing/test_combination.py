"""How rules combine: priority, specificity, combination modes, ambiguity, expressions."""

from __future__ import annotations

import textwrap
from datetime import date

import pytest
from builders import SETTINGS, D, catalog, entry, item, line, price, rules

from cpq.pricing.rules.files import rule_set_from_texts
from cpq.pricing.snapshot import Customer

# A sits in HW > HW-SENS, brand Veritrace, list price 100.
A_ONLY = catalog([item("A")], [entry("A", "100")])


def discount(rule_id: str, scope: str, percent: int, *, priority: int = 0, extra: str = "") -> str:
    return f"""
  - id: {rule_id}
    description: {rule_id}
    priority: {priority}
    applies_to: {scope}
    {extra}
    then: {{kind: discount_percent, percent: {percent}}}
"""


def applied(rule_text: str, *lines_: object, cat: object = A_ONLY, **context: object) -> list:
    quote = price(rules("rules:" + rule_text), cat, *(lines_ or (line("l1", "A", 1),)), **context)  # type: ignore[arg-type]
    return [(a.rule_id, a.after) for a in quote.lines[0].adjustments]


# --- which rule wins ---------------------------------------------------------------------------


def test_priority_beats_specificity() -> None:
    # given a group rule at priority 10 and a SKU rule at priority 0
    text = discount("sku", "{skus: [A]}", 20) + discount(
        "group", "{groups: [HW-SENS]}", 10, priority=10
    )
    # then the group rule applies, alone
    assert applied(text) == [("group", D("90"))]


@pytest.mark.parametrize(
    ("stronger", "weaker", "winner_after"),
    [
        # SKU over product group
        (("sku", "{skus: [A]}", 20), ("group", "{groups: [HW-SENS]}", 10), D("80")),
        # a deeper group over its parent
        (("deep", "{groups: [HW-SENS]}", 20), ("parent", "{groups: [HW]}", 10), D("80")),
        # a group over a brand
        (("group", "{groups: [HW]}", 20), ("brand", "{brands: [Veritrace]}", 10), D("80")),
        # a brand over everything
        (("brand", "{brands: [Veritrace]}", 20), ("all", "{}", 10), D("80")),
    ],
    ids=["sku>group", "deeper>parent", "group>brand", "brand>everything"],
)
def test_specificity_decides_at_the_same_priority(
    stronger: tuple[str, str, int], weaker: tuple[str, str, int], winner_after: D
) -> None:
    # written weaker first, so the file order cannot be what decides
    text = discount(*weaker) + discount(*stronger)
    assert applied(text) == [(stronger[0], winner_after)]


def test_the_weaker_rule_applies_where_the_stronger_does_not() -> None:
    text = discount("sku", "{skus: [A]}", 20) + discount("group", "{groups: [HW]}", 10)
    cat = catalog([item("A"), item("B")], [entry("A", "100"), entry("B", "100")])
    quote = price(rules("rules:" + text), cat, line("a", "A", 1), line("b", "B", 1))
    assert [ln.adjustments[0].rule_id for ln in quote.lines] == ["sku", "group"]
    assert [ln.net_unit_price for ln in quote.lines] == [D("80.00"), D("90.00")]


# --- combination modes -------------------------------------------------------------------------


def test_additive_percentages_are_taken_from_the_start_price() -> None:
    text = discount("ten", "{skus: [A]}", 10, extra="combination: additive") + discount(
        "five", "{groups: [HW]}", 5, extra="combination: additive"
    )
    # 100 - 10 - 5 = 85: 15% off
    assert applied(text) == [("ten", D("90")), ("five", D("85"))]


def test_compounding_percentages_are_taken_from_the_running_price() -> None:
    text = discount("ten", "{skus: [A]}", 10, extra="combination: compounding") + discount(
        "five", "{groups: [HW]}", 5, extra="combination: compounding"
    )
    # 100 x 0.9 x 0.95 = 85.5: 14.5% off
    assert applied(text) == [("ten", D("90")), ("five", D("85.5"))]


@pytest.mark.parametrize(
    "ten_priority",
    [
        pytest.param(0, id="free-first"),
        pytest.param(5, id="ten-first"),
    ],
)
def test_additive_free_items_are_taken_from_the_start_price(ten_priority: int) -> None:
    # given buy 2 get 1 (a third off for 3) and 10% off, both additive
    text = """
  - id: free
    description: Buy 2 get 1
    applies_to: {skus: [A]}
    combination: additive
    then: {kind: free_items, buy: 2, get: 1}
""" + discount("ten", "{groups: [HW]}", 10, priority=ten_priority, extra="combination: additive")
    # when 3 units
    quote = price(rules("rules:" + text), A_ONLY, line("l1", "A", 3))
    # then 100 - 33.33... - 10 = 56.67 a unit, 170.00 for 3, whichever rule comes first
    (ln,) = quote.lines
    assert ln.net_total == D("170.00")
    assert ln.net_unit_price == D("56.67")


def test_best_price_picks_the_lowest() -> None:
    text = discount("ten", "{skus: [A]}", 10, extra="combination: best_price") + discount(
        "fifteen", "{groups: [HW]}", 15, extra="combination: best_price"
    )
    assert applied(text) == [("fifteen", D("85"))]


@pytest.mark.parametrize("other", ["additive", "compounding"])
def test_a_best_price_discount_competes_with_the_other_discounts(other: str) -> None:
    # given 10% (additive or compounding) and 15% if that is the better price
    text = discount("ten", "{skus: [A]}", 10, extra=f"combination: {other}") + discount(
        "fifteen", "{groups: [HW]}", 15, extra="combination: best_price"
    )
    # then the lowest price wins: 85 with the best_price rule alone, not 90 less 15% = 76.50
    assert applied(text) == [("fifteen", D("85"))]


def test_stacked_discounts_that_give_more_beat_a_best_price_one() -> None:
    # 10% + 10% additive = 80, better than 15% alone = 85
    text = (
        discount("ten", "{skus: [A]}", 10, extra="combination: additive")
        + discount("ten-more", "{brands: [Veritrace]}", 10, extra="combination: additive")
        + discount("fifteen", "{groups: [HW]}", 15, extra="combination: best_price")
    )
    assert applied(text) == [("ten", D("90")), ("ten-more", D("80"))]


def test_best_price_price_rules_compete_with_the_primary_one() -> None:
    text = """
  - id: primary
    description: Fixed 90
    applies_to: {skus: [A]}
    then: {kind: fixed_price, price: {EUR: 90}}
  - id: cheaper
    description: Fixed 85 if cheaper
    applies_to: {groups: [HW]}
    combination: best_price
    then: {kind: fixed_price, price: {EUR: 85}}
  - id: dearer
    description: Fixed 95 if cheaper
    applies_to: {groups: [HW]}
    combination: best_price
    then: {kind: fixed_price, price: {EUR: 95}}
"""
    assert applied(text) == [("cheaper", D("85"))]


def test_an_exclusive_discount_applies_alone() -> None:
    text = discount("excl", "{skus: [A]}", 10) + discount(
        "add", "{groups: [HW]}", 5, extra="combination: additive"
    )
    assert applied(text) == [("excl", D("90"))]


def test_an_amount_discount_larger_than_the_price_holds_at_zero() -> None:
    text = """
  - id: big
    description: 150 off
    applies_to: {skus: [A]}
    then: {kind: discount_amount, amount: {EUR: 150}}
"""
    quote = price(rules("rules:" + text), A_ONLY, line("l1", "A", 2))
    (ln,) = quote.lines
    assert ln.net_unit_price == D("0.00")
    assert ln.net_total == D("0.00")
    assert ln.adjustments[0].after == D("0")
    assert "held at zero" in ln.adjustments[0].description
    assert quote.total == D("0.00")


def test_additive_discounts_over_the_whole_price_hold_at_zero() -> None:
    text = discount("sixty", "{skus: [A]}", 60, extra="combination: additive") + discount(
        "fifty", "{groups: [HW]}", 50, extra="combination: additive"
    )
    assert applied(text) == [("sixty", D("40")), ("fifty", D("0"))]


# --- ambiguity at load time ------------------------------------------------------------------


def load(**files: str):  # type: ignore[no-untyped-def]
    texts = {"settings.yaml": SETTINGS.encode()}
    texts.update({name: textwrap.dedent(text).encode() for name, text in files.items()})
    return rule_set_from_texts(texts)


def test_two_exclusive_rules_that_can_tie_are_an_error_naming_both() -> None:
    # given the same priority, the same SKU and overlapping segments, in two files
    first = """
    # first file
    rules:
      - id: r-one
        description: One
        applies_to: {skus: [A]}
        when: {segments: [OEM, SMB]}
        then: {kind: discount_percent, percent: 10}
    """
    second = """
    rules:
      - id: r-zero
        description: Zero
        applies_to: {skus: [B]}
        then: {kind: discount_percent, percent: 1}
      - id: r-two
        description: Two
        applies_to: {skus: [A, C]}
        when: {segments: [SMB, ENT]}
        then: {kind: discount_percent, percent: 12}
    """
    # when
    loaded, issues = load(**{"a.yaml": first, "b.yaml": second})
    # then
    assert loaded is None
    assert len(issues) == 1
    (issue,) = issues
    assert issue.code == "ambiguous_rules"
    assert (issue.file, issue.row) == ("b.yaml", 7)
    assert "'r-one' (a.yaml, row 4)" in issue.message
    assert "'r-two'" in issue.message
    assert "SKU A" in issue.message


@pytest.mark.parametrize(
    ("when_one", "when_two"),
    [
        ("when: {segments: [OEM]}", "when: {segments: [SMB]}"),
        ("when: {customers: [C1]}", "when: {customers: [C2]}"),
        ("when: {territories: [DE]}", "when: {territories: [FR]}"),
        ("when: {currencies: [EUR]}", "when: {currencies: [USD]}"),
        ("when: {quantity: {max: 9}}", "when: {quantity: {min: 10}}"),
        ("valid_to: 2026-03-31", "valid_from: 2026-04-01"),
    ],
    ids=["segments", "customers", "territories", "currencies", "quantity", "validity"],
)
def test_disjoint_typed_conditions_are_not_ambiguous(when_one: str, when_two: str) -> None:
    text = f"""
    rules:
      - id: one
        description: One
        applies_to: {{skus: [A]}}
        {when_one}
        then: {{kind: discount_percent, percent: 10}}
      - id: two
        description: Two
        applies_to: {{skus: [A]}}
        {when_two}
        then: {{kind: discount_percent, percent: 12}}
    """
    loaded, issues = load(**{"rules.yaml": text})
    assert issues == []
    assert loaded is not None
    assert [r.id for r in loaded.rule_set.rules] == ["one", "two"]


@pytest.mark.parametrize(
    ("when_one", "when_two"),
    [
        ("when: {quantity: {max: 10}}", "when: {quantity: {min: 10}}"),  # both hold 10
        ("valid_to: 2026-03-31", "valid_from: 2026-03-31"),  # both hold the 31st
        ("when: {segments: [OEM]}", "when: {customers: [C1]}"),  # C1 may be an OEM
        ("when: {expression: 'quantity < 5'}", "when: {expression: 'quantity > 5'}"),
    ],
    ids=["touching-quantity", "touching-validity", "different-kinds", "expressions"],
)
def test_conditions_that_can_hold_together_are_ambiguous(when_one: str, when_two: str) -> None:
    text = f"""
    rules:
      - id: one
        description: One
        applies_to: {{skus: [A]}}
        {when_one}
        then: {{kind: discount_percent, percent: 10}}
      - id: two
        description: Two
        applies_to: {{skus: [A]}}
        {when_two}
        then: {{kind: discount_percent, percent: 12}}
    """
    loaded, issues = load(**{"rules.yaml": text})
    assert loaded is None
    assert [i.code for i in issues] == ["ambiguous_rules"]


def test_non_exclusive_discounts_or_different_priorities_are_not_ambiguous() -> None:
    text = """
    rules:
      - id: one
        description: One
        applies_to: {skus: [A]}
        combination: additive
        then: {kind: discount_percent, percent: 10}
      - id: two
        description: Two
        applies_to: {skus: [A]}
        combination: additive
        then: {kind: discount_percent, percent: 12}
      - id: three
        description: Three
        applies_to: {skus: [A]}
        priority: 1
        then: {kind: discount_percent, percent: 12}
      - id: four
        description: Four
        applies_to: {skus: [A]}
        then: {kind: fixed_price, price: {EUR: 5}}
    """
    loaded, issues = load(**{"rules.yaml": text})
    assert issues == []
    assert loaded is not None


# --- expression conditions -------------------------------------------------------------------

CUSTOMERS = [Customer("C1", "Customer 1", segment="OEM", territory="DE")]
TWO_ITEMS = catalog(
    [item("A"), item("B", groups=("HW", "HW-NET"), brand="Other")],
    [entry("A", "100"), entry("B", "300")],
    customers=CUSTOMERS,
)


@pytest.mark.parametrize(
    ("expression", "quantity", "context", "applies"),
    [
        ('sku == "A" and quantity >= 5', 5, {}, True),
        ('sku == "A" and quantity >= 5', 4, {}, False),
        ('sku == "B" or quantity > 4', 5, {}, True),
        ('sku == "B" or quantity > 5', 5, {}, False),
        ('not (sku == "B")', 1, {}, True),
        ('product_group == "HW-SENS"', 1, {}, True),
        ('product_group == "HW"', 1, {}, False),  # the item's own group, not an ancestor
        ('"HW" in groups and not ("HW-NET" in groups)', 1, {}, True),
        ('brand == "Veritrace"', 1, {}, True),
        ('brand != "Veritrace"', 1, {}, False),
        ('customer == "C1"', 1, {"customer": "C1"}, True),
        ('customer == "C1"', 1, {}, False),
        ('segment == "OEM" and territory == "DE"', 1, {"customer": "C1"}, True),  # the customer's
        ('segment == "OEM" and territory == "DE"', 1, {"customer": "C1", "territory": "FR"}, False),
        ('segment == "SMB"', 1, {"segment": "SMB"}, True),
        ('currency == "EUR"', 1, {}, True),
        ('date >= d"2026-03-01" and date <= d"2026-03-31"', 1, {}, True),
        ('date >= d"2026-03-01" and date <= d"2026-03-31"', 1, {"day": date(2026, 4, 1)}, False),
        ("line_amount >= 500", 5, {}, True),  # 100 x 5, list price times quantity
        ("line_amount >= 500", 4, {}, False),
        ("quote_total >= 1000", 7, {}, True),  # 700 + 300 for the B line
        ("quote_total >= 1000", 6, {}, False),
        ('quantity > 2 and (customer == "C9" or not (currency == "USD"))', 3, {}, True),
    ],
)
def test_expression_conditions(
    expression: str, quantity: int, context: dict[str, object], applies: bool
) -> None:
    # given a rule on every line with only an expression
    text = f"""
  - id: expr
    description: Expression
    applies_to: {{skus: [A]}}
    when: {{expression: '{expression.replace("'", "''")}'}}
    then: {{kind: discount_percent, percent: 10}}
"""
    # when A is priced next to a line of B
    quote = price(
        rules("rules:" + text),
        TWO_ITEMS,
        line("a", "A", quantity),
        line("b", "B", 1),
        **context,  # type: ignore[arg-type]
    )
    # then
    assert quote.lines[0].net_unit_price == (D("90.00") if applies else D("100.00"))
    assert [a.rule_id for a in quote.lines[0].adjustments] == (["expr"] if applies else [])
