"""Every rule kind, one small catalog and rule set each, with exact figures."""

from __future__ import annotations

from datetime import date

import pytest
from builders import DAY, D, catalog, entry, item, line, price, rules

from cpq.pricing.inputs import DiscountKind, ManualDiscount
from cpq.pricing.snapshot import Customer, ExchangeRate, PriceList
from cpq.pricing.waterfall import Step

A_ONLY = catalog([item("A")], [entry("A", "100")])


def rule_ids(quote_line: object) -> list[str | None]:
    return [a.rule_id for a in quote_line.adjustments]  # type: ignore[attr-defined]


def test_a_rule_amount_in_another_currency_is_converted_from_the_first_one_written() -> None:
    # given a rule priced in EUR (and GBP), a quote in CHF, and no CHF list
    cat = catalog(
        [item("A")], [entry("A", "100")], rates=[ExchangeRate("EUR", "CHF", DAY, D("0.95"))]
    )
    rule_set = rules(
        """
        rules:
          - id: fixed
            description: Fixed price for A
            applies_to: {skus: [A]}
            then: {kind: fixed_price, price: {EUR: 80, GBP: 1}}
        """
    )
    # when
    (ln,) = price(rule_set, cat, line("l1", "A", 2), currency="CHF").lines
    # then 80 EUR at 0.95
    assert ln.list_price == D("95.00")
    assert ln.net_unit_price == D("76.00")
    assert ln.net_total == D("152.00")


# --- price rules -----------------------------------------------------------------------------


def test_fixed_price_replaces_the_list_price() -> None:
    # given
    rule_set = rules(
        """
        rules:
          - id: fixed
            description: Fixed price for A
            applies_to: {skus: [A]}
            then: {kind: fixed_price, price: {EUR: 80}}
        """
    )
    # when
    quote = price(rule_set, A_ONLY, line("l1", "A", 3))
    # then
    (ln,) = quote.lines
    assert ln.list_price == D("100.00")
    assert ln.net_unit_price == D("80.00")
    assert ln.net_total == D("240.00")
    assert [(a.step, a.rule_id, a.before, a.after) for a in ln.adjustments] == [
        (Step.PRICE, "fixed", D("100"), D("80"))
    ]
    assert quote.total == D("240.00")


def test_discount_percent() -> None:
    rule_set = rules(
        """
        rules:
          - id: ten-off
            description: 10% off
            applies_to: {skus: [A]}
            then: {kind: discount_percent, percent: 10}
        """
    )
    (ln,) = price(rule_set, A_ONLY, line("l1", "A", 3)).lines
    assert ln.net_unit_price == D("90.00")
    assert ln.net_total == D("270.00")
    assert [(a.step, a.kind, a.rule_id) for a in ln.adjustments] == [
        (Step.DISCOUNT, "discount_percent", "ten-off")
    ]


def test_discount_amount_is_per_unit() -> None:
    rule_set = rules(
        """
        rules:
          - id: fifteen-off
            description: 15 off per unit
            applies_to: {skus: [A]}
            then: {kind: discount_amount, amount: {EUR: 15}}
        """
    )
    (ln,) = price(rule_set, A_ONLY, line("l1", "A", 4)).lines
    assert ln.net_unit_price == D("85.00")
    assert ln.net_total == D("340.00")
    assert ln.adjustments[0].amount == D("-15")


@pytest.mark.parametrize(
    ("then", "unit_price", "total"),
    [
        ("{kind: surcharge, percent: 5}", "105.00", "210.00"),
        ("{kind: surcharge, amount: {EUR: 7.5}}", "107.50", "215.00"),
    ],
)
def test_surcharge_by_percent_and_by_amount(then: str, unit_price: str, total: str) -> None:
    rule_set = rules(
        f"""
        rules:
          - id: extra
            description: Surcharge
            applies_to: {{skus: [A]}}
            then: {then}
        """
    )
    (ln,) = price(rule_set, A_ONLY, line("l1", "A", 2)).lines
    assert ln.net_unit_price == D(unit_price)
    assert ln.net_total == D(total)
    assert ln.adjustments[0].step is Step.DISCOUNT


def test_markup_on_cost() -> None:
    # given A costs 60 and has no use for its list price
    rule_set = rules(
        """
        rules:
          - id: markup
            description: Cost plus 50%
            applies_to: {groups: [HW]}
            then: {kind: markup_on_cost, percent: 50}
        """
    )
    cat = catalog([item("A"), item("N", cost=None)], [entry("A", "100"), entry("N", "100")])
    # when
    a, n = price(rule_set, cat, line("l1", "A", 2), line("l2", "N", 1)).lines
    # then
    assert a.net_unit_price == D("90.00")
    assert a.net_total == D("180.00")
    assert rule_ids(a) == ["markup"]
    # an item without a cost keeps its list price, and says why
    assert n.net_unit_price == D("100.00")
    assert n.adjustments == ()
    assert n.flags == ("rule_skipped:markup",)


MARGIN_RULES = """
rules:
  - id: half-off
    description: Half price
    applies_to: {skus: [A]}
    then: {kind: discount_percent, percent: 50}
  - id: floor
    description: Hardware margin floor
    applies_to: {groups: [HW]}
    then: {kind: margin_floor, percent: 20, action: %s}
"""


def test_margin_floor_raises_the_price_to_the_floor() -> None:
    # given cost 60 and a net price of 50: a negative margin
    rule_set = rules(MARGIN_RULES % "raise")
    # when
    quote = price(rule_set, A_ONLY, line("l1", "A", 2))
    # then 60 / (1 - 0.20) = 75
    (ln,) = quote.lines
    assert ln.net_unit_price == D("75.00")
    assert ln.net_total == D("150.00")
    assert [(a.step, a.rule_id, a.after) for a in ln.adjustments] == [
        (Step.DISCOUNT, "half-off", D("50")),
        (Step.MARGIN_FLOOR, "floor", D("75")),
    ]
    assert ln.margin == D("30.00")
    assert ln.flags == ()
    assert quote.flags == ()


def test_margin_floor_flag_keeps_the_price_and_flags_line_and_quote() -> None:
    rule_set = rules(MARGIN_RULES % "flag")
    quote = price(rule_set, A_ONLY, line("l1", "A", 2))
    (ln,) = quote.lines
    assert ln.net_unit_price == D("50.00")
    assert ln.margin == D("-20.00")
    assert ln.flags == ("below_margin_floor:floor",)
    assert quote.flags == ("below_margin_floor",)


def test_margin_floor_leaves_a_line_above_the_floor_alone() -> None:
    rule_set = rules(
        """
        rules:
          - id: floor
            description: Hardware margin floor
            applies_to: {groups: [HW]}
            then: {kind: margin_floor, percent: 40, action: flag}
        """
    )
    # (100 - 60) / 100 = 40%: exactly on the floor is not below it
    quote = price(rule_set, A_ONLY, line("l1", "A", 1))
    assert quote.lines[0].flags == ()
    assert quote.lines[0].adjustments == ()
    assert quote.flags == ()


# --- volume schedules and blocks ------------------------------------------------------------

RANGE_PRICES = """
rules:
  - id: range
    description: Volume range
    applies_to: {skus: [A]}
    then:
      kind: volume_range
      tiers:
        - {up_to: 10, price: {EUR: 100}}
        - {up_to: 50, price: {EUR: 90}}
        - {price: {EUR: 80}}
"""


@pytest.mark.parametrize(
    ("quantity", "unit_price", "total"),
    [
        ("1", "100.00", "100.00"),
        ("10", "100.00", "1000.00"),  # on the bound: still the lower tier (up_to is inclusive)
        ("11", "90.00", "990.00"),  # every unit at the tier reached
        ("50", "90.00", "4500.00"),
        ("51", "80.00", "4080.00"),
    ],
)
def test_volume_range_prices_all_units_at_the_tier_reached(
    quantity: str, unit_price: str, total: str
) -> None:
    (ln,) = price(rules(RANGE_PRICES), A_ONLY, line("l1", "A", quantity)).lines
    assert ln.net_unit_price == D(unit_price)
    assert ln.net_total == D(total)
    assert rule_ids(ln) == ["range"]


@pytest.mark.parametrize(
    ("quantity", "unit_price"),
    [("10", "100.00"), ("11", "90.00"), ("50", "90.00"), ("60", "80.00")],
)
def test_volume_range_with_percent_tiers_takes_off_the_list_price(
    quantity: str, unit_price: str
) -> None:
    rule_set = rules(
        """
        rules:
          - id: range
            description: Volume range in percent
            applies_to: {skus: [A]}
            then:
              kind: volume_range
              tiers:
                - {up_to: 10, percent: 0}
                - {up_to: 50, percent: 10}
                - {percent: 20}
        """
    )
    (ln,) = price(rule_set, A_ONLY, line("l1", "A", quantity)).lines
    assert ln.net_unit_price == D(unit_price)
    assert ln.net_total == D(unit_price) * D(quantity)


SLAB = """
rules:
  - id: slab
    description: Graduated
    applies_to: {skus: [A]}
    then:
      kind: volume_slab
      tiers:
        - {up_to: 10, price: {EUR: 100}}
        - {up_to: 50, price: {EUR: 90}}
        - {price: {EUR: 80}}
"""


@pytest.mark.parametrize(
    ("quantity", "unit_price", "total"),
    [
        ("10", "100.00", "1000.00"),
        # 10 x 100 + 40 x 90 + 10 x 80 = 5400
        ("60", "90.00", "5400.00"),
        # 10 x 100 + 1 x 90 = 1090, 99.0909... a unit
        ("11", "99.09", "1090.00"),
    ],
)
def test_volume_slab_prices_each_tier_s_units_at_its_own_price(
    quantity: str, unit_price: str, total: str
) -> None:
    (ln,) = price(rules(SLAB), A_ONLY, line("l1", "A", quantity)).lines
    assert ln.net_unit_price == D(unit_price)
    assert ln.net_total == D(total)


def test_volume_slab_prices_a_fractional_quantity_continuously() -> None:
    # given a cable sold by the metre
    cat = catalog([item("A", base_unit="m")], [entry("A", "100", unit="m")])
    # when 10.5 m: 10 x 100 + 0.5 x 90 = 1045
    (ln,) = price(rules(SLAB), cat, line("l1", "A", "10.5")).lines
    # then
    assert ln.net_total == D("1045.00")
    assert ln.net_unit_price == D("99.52")  # 1045 / 10.5 = 99.5238...
    # and 12.5 m: 1000 + 2.5 x 90 = 1225, 98 a metre
    (ln,) = price(rules(SLAB), cat, line("l1", "A", "12.5")).lines
    assert ln.net_total == D("1225.00")
    assert ln.net_unit_price == D("98.00")


@pytest.mark.parametrize(
    ("quantity", "total"),
    [("1", "25.00"), ("100", "25.00"), ("250", "75.00"), ("300", "75.00"), ("301", "100.00")],
)
def test_block_charges_every_started_block(quantity: str, total: str) -> None:
    rule_set = rules(
        """
        rules:
          - id: blocks
            description: Sold in blocks of 100
            applies_to: {skus: [A]}
            then: {kind: block, size: 100, price: {EUR: 25}}
        """
    )
    (ln,) = price(rule_set, A_ONLY, line("l1", "A", quantity)).lines
    assert ln.net_total == D(total)
    assert rule_ids(ln) == ["blocks"]


# --- percent of total, bundles --------------------------------------------------------------


def test_percent_of_total_is_taken_from_the_net_totals_of_the_lines_in_scope() -> None:
    # given support at 18% of the hardware, and a 10% discount on hardware
    rule_set = rules(
        """
        rules:
          - id: support
            description: Support is 18% of the hardware
            applies_to: {groups: [SUP]}
            then: {kind: percent_of_total, percent: 18, of: {groups: [HW]}}
          - id: hw-ten
            description: 10% off hardware
            applies_to: {groups: [HW]}
            then: {kind: discount_percent, percent: 10}
        """
    )
    cat = catalog(
        [
            item("H1"),
            item("H2", groups=("HW", "HW-NET")),
            item("SW1", groups=("SW",)),
            item("SUP1", groups=("SUP",), cost=None),
        ],
        [entry("H1", "1000"), entry("H2", "500"), entry("SW1", "300")],
    )
    # when the support line comes first (it waits for the hardware)
    quote = price(
        rule_set,
        cat,
        line("s", "SUP1", 1),
        line("h1", "H1", 2),
        line("h2", "H2", 1),
        line("sw", "SW1", 1),
    )
    # then the basis is 900 x 2 + 450 = 2250 (after the discount; the software does not count)
    by_id = {ln.line_id: ln for ln in quote.lines}
    assert by_id["h1"].net_total == D("1800.00")
    assert by_id["h2"].net_total == D("450.00")
    support = by_id["s"]
    assert support.net_unit_price == D("405.00")
    assert support.net_total == D("405.00")
    assert support.source is None
    assert [(a.step, a.rule_id) for a in support.adjustments] == [(Step.PRICE, "support")]
    assert quote.total == D("2955.00")  # 1800 + 450 + 300 + 405


def test_bundle_components_included_at_zero_and_at_a_percent_of_the_parent() -> None:
    # given a cabinet with wiring included and a service at 10% of the cabinet
    rule_set = rules(
        """
        rules:
          - id: wiring-included
            description: Wiring is in the cabinet price
            applies_to: {skus: [WIRE]}
            then: {kind: bundle_component, parents: [CAB]}
          - id: service-10
            description: Service at 10% of the cabinet
            applies_to: {skus: [SVC]}
            then: {kind: bundle_component, parents: [CAB], percent_of_parent: 10}
        """
    )
    cat = catalog(
        [item("CAB"), item("WIRE", cost="1"), item("SVC", cost=None)],
        [entry("CAB", "1000"), entry("WIRE", "50"), entry("SVC", "400")],
    )
    # when 3 cabinets, each with 2 wiring sets and 1 service
    cabinet = line("cab", "CAB", 3, options=(line("w", "WIRE", 2), line("s", "SVC", 1)))
    quote = price(rule_set, cat, cabinet)
    # then the option quantities are per cabinet
    cab, wire, svc = quote.lines
    assert (wire.quantity, wire.parent_line_id) == (D("6"), "cab")
    assert (svc.quantity, svc.parent_line_id) == (D("3"), "cab")
    assert cab.net_total == D("3000.00")
    assert wire.list_price == D("50.00")
    assert wire.net_unit_price == D("0.00")
    assert wire.net_total == D("0.00")
    assert rule_ids(wire) == ["wiring-included"]
    assert svc.net_unit_price == D("100.00")
    assert svc.net_total == D("300.00")
    assert quote.total == D("3300.00")


def test_a_bundle_component_rule_does_not_apply_outside_its_bundle() -> None:
    rule_set = rules(
        """
        rules:
          - id: wiring-included
            description: Wiring is in the cabinet price
            applies_to: {skus: [WIRE]}
            then: {kind: bundle_component, parents: [CAB]}
        """
    )
    cat = catalog([item("CAB"), item("WIRE")], [entry("CAB", "1000"), entry("WIRE", "50")])
    quote = price(rule_set, cat, line("w", "WIRE", 2))
    assert quote.lines[0].net_total == D("100.00")
    assert quote.lines[0].adjustments == ()


# --- order discounts and free items ---------------------------------------------------------


def test_order_discount_on_an_amount_threshold_is_spread_exactly() -> None:
    # given 5% off from 1000, 10% from 5000
    rule_set = rules(
        """
        rules:
          - id: volume
            description: Order volume
            then:
              kind: order_discount
              basis: amount
              tiers:
                - {threshold: 1000, percent: 5}
                - {threshold: 5000, percent: 10}
        """
    )
    cat = catalog(
        [item("A"), item("B"), item("C")],
        [entry("A", "100"), entry("B", "33.33"), entry("C", "250.01")],
    )
    # when 700 + 99.99 + 250.01 = 1050.00
    quote = price(rule_set, cat, line("a", "A", 7), line("b", "B", 3), line("c", "C", 1))
    # then 5% = 52.50, spread 35.00 / 5.00 / 12.50 (4.9995 and 12.5005 by largest remainder)
    (adj,) = quote.quote_adjustments
    assert (adj.step, adj.rule_id, adj.basis, adj.amount) == (
        Step.QUOTE,
        "volume",
        D("1050.00"),
        D("-52.50"),
    )
    assert adj.shares == (("a", D("-35.00")), ("b", D("-5.00")), ("c", D("-12.50")))
    assert sum(s for _, s in adj.shares) == adj.amount
    assert [ln.final_amount for ln in quote.lines] == [D("665.00"), D("94.99"), D("237.51")]
    assert quote.total == D("997.50")


def test_order_discount_counts_and_discounts_only_the_lines_in_its_scope() -> None:
    rule_set = rules(
        """
        rules:
          - id: hw-volume
            description: Hardware order volume
            applies_to: {groups: [HW]}
            then:
              kind: order_discount
              basis: amount
              tiers: [{threshold: 600, percent: 5}]
        """
    )
    cat = catalog(
        [item("A"), item("SW1", groups=("SW",))], [entry("A", "100"), entry("SW1", "500")]
    )
    # 600 of hardware reaches the threshold; the 500 of software neither counts nor gets a share
    quote = price(rule_set, cat, line("a", "A", 6), line("s", "SW1", 1))
    (adj,) = quote.quote_adjustments
    assert (adj.basis, adj.amount, adj.shares) == (D("600.00"), D("-30.00"), (("a", D("-30.00")),))
    assert [ln.final_amount for ln in quote.lines] == [D("570.00"), D("500.00")]
    assert quote.total == D("1070.00")


def test_order_discount_below_the_first_amount_threshold_does_nothing() -> None:
    rule_set = rules(
        """
        rules:
          - id: volume
            description: Order volume
            then:
              kind: order_discount
              basis: amount
              tiers: [{threshold: 1000, percent: 5}]
        """
    )
    quote = price(rule_set, A_ONLY, line("a", "A", "9.99"))
    assert quote.quote_adjustments == ()
    assert quote.total == D("999.00")
    # exactly on the threshold counts
    quote = price(rule_set, A_ONLY, line("a", "A", 10))
    assert quote.quote_adjustments[0].amount == D("-50.00")


@pytest.mark.parametrize(
    ("qa", "qb", "discount", "shares"),
    [
        ("5", "4", None, None),  # 9 units: below 10
        ("6", "4", "-16.00", ("-12.00", "-4.00")),  # 10 units: 2% of 800
        ("12", "8", "-64.00", ("-48.00", "-16.00")),  # 20 units: 4% of 1600
    ],
)
def test_order_discount_on_quantity_thresholds(
    qa: str, qb: str, discount: str | None, shares: tuple[str, str] | None
) -> None:
    rule_set = rules(
        """
        rules:
          - id: bulk
            description: Bulk order
            then:
              kind: order_discount
              basis: quantity
              tiers:
                - {threshold: 10, percent: 2}
                - {threshold: 20, percent: 4}
        """
    )
    cat = catalog([item("A"), item("B")], [entry("A", "100"), entry("B", "50")])
    quote = price(rule_set, cat, line("a", "A", qa), line("b", "B", qb))
    if discount is None:
        assert quote.quote_adjustments == ()
        return
    (adj,) = quote.quote_adjustments
    assert adj.amount == D(discount)
    assert adj.shares == (("a", D(shares[0])), ("b", D(shares[1])))  # type: ignore[index]
    assert sum(s for _, s in adj.shares) == adj.amount
    assert quote.total == sum(ln.amount for ln in quote.lines) + D(discount)


@pytest.mark.parametrize(
    ("recursive", "quantity", "unit_price", "total"),
    [
        ("false", "2", "100.00", "200.00"),  # no group of 3 yet: nothing free
        ("false", "3", "66.67", "200.00"),
        ("false", "7", "85.71", "600.00"),  # once only: 1 of 7 free
        ("true", "7", "71.43", "500.00"),  # every third: 2 of 7 free
        ("true", "9", "66.67", "600.00"),
    ],
)
def test_free_items_buy_two_get_one(
    recursive: str, quantity: str, unit_price: str, total: str
) -> None:
    rule_set = rules(
        f"""
        rules:
          - id: b2g1
            description: Buy 2 get 1
            applies_to: {{skus: [A]}}
            then: {{kind: free_items, buy: 2, get: 1, recursive: {recursive}}}
        """
    )
    (ln,) = price(rule_set, A_ONLY, line("l1", "A", quantity)).lines
    assert ln.net_unit_price == D(unit_price)
    assert ln.net_total == D(total)
    assert rule_ids(ln) == ([] if quantity == "2" else ["b2g1"])


# --- promotions -------------------------------------------------------------------------------

PROMO = """
rules:
  - id: spring
    description: Spring promotion
    applies_to: {skus: [A]}
    when: {codes: [SPRING]}
    valid_from: 2026-03-01
    valid_to: 2026-03-31
    then: {kind: discount_percent, percent: 20}
"""


@pytest.mark.parametrize(
    ("codes", "day", "unit_price"),
    [
        ({"SPRING"}, DAY, "80.00"),
        (set(), DAY, "100.00"),  # no code
        ({"OTHER"}, DAY, "100.00"),
        ({"SPRING", "OTHER"}, DAY, "80.00"),
        ({"SPRING"}, date(2026, 3, 1), "80.00"),  # valid_from is inclusive
        ({"SPRING"}, date(2026, 3, 31), "80.00"),  # valid_to is inclusive
        ({"SPRING"}, date(2026, 4, 1), "100.00"),  # the day after
        ({"SPRING"}, date(2026, 2, 28), "100.00"),  # the day before
    ],
)
def test_a_promotion_needs_its_code_and_its_period(
    codes: set[str], day: date, unit_price: str
) -> None:
    (ln,) = price(rules(PROMO), A_ONLY, line("l1", "A", 1), day=day, codes=frozenset(codes)).lines
    assert ln.net_unit_price == D(unit_price)


# --- recurring ---------------------------------------------------------------------------------

RECURRING = """
rules:
  - id: monthly
    description: Subscriptions are monthly, 12 months by default
    applies_to: {groups: [SW]}
    then: {kind: recurring, term_months: 12}
"""
SUB_CATALOG = catalog(
    [item("A"), item("SUB", groups=("SW",), cost=None)], [entry("A", "100"), entry("SUB", "20")]
)


def test_recurring_line_is_a_monthly_price_times_the_term() -> None:
    # when 5 seats at 20 a month, and a one-time line of 100
    quote = price(rules(RECURRING), SUB_CATALOG, line("a", "A", 1), line("s", "SUB", 5))
    # then
    a, sub = quote.lines
    assert (a.recurring, a.term_months, a.amount) == (False, None, D("100.00"))
    assert (sub.recurring, sub.term_months) == (True, 12)
    assert sub.net_total == D("100.00")  # a month
    assert sub.amount == D("1200.00")  # over the term
    assert quote.one_time_total == D("100.00")
    assert quote.recurring_monthly_total == D("100.00")
    assert quote.recurring_total == D("1200.00")
    assert quote.total == D("1300.00")
    assert quote.list_total == D("1300.00")


@pytest.mark.parametrize(
    ("line_term", "context_term", "term", "total"),
    [
        (None, None, 12, "1200.00"),  # the rule's
        (None, 36, 36, "3600.00"),  # the context's
        (24, 36, 24, "2400.00"),  # the line's
        (24, None, 24, "2400.00"),
    ],
)
def test_recurring_term_comes_from_the_line_else_the_context_else_the_rule(
    line_term: int | None, context_term: int | None, term: int, total: str
) -> None:
    quote = price(
        rules(RECURRING),
        SUB_CATALOG,
        line("s", "SUB", 5, term_months=line_term),
        term_months=context_term,
    )
    assert quote.lines[0].term_months == term
    assert quote.recurring_total == D(total)
    assert quote.recurring_monthly_total == D("100.00")
    assert quote.one_time_total == D("0.00")
    assert quote.total == D(total)


# --- rounding and formulas -----------------------------------------------------------------


def test_price_rounding_to_99() -> None:
    # given 123.45 less 10% = 111.105
    rule_set = rules(
        """
        rules:
          - id: ten-off
            description: 10% off
            applies_to: {skus: [A]}
            then: {kind: discount_percent, percent: 10}
          - id: endings
            description: Prices end in .99
            then: {kind: price_rounding, ending: {multiple: 1, ending: 0.99}}
        """
    )
    cat = catalog([item("A")], [entry("A", "123.45")])
    # when
    (ln,) = price(rule_set, cat, line("l1", "A", 2)).lines
    # then the nearest price ending in .99
    assert ln.net_unit_price == D("110.99")
    assert ln.net_total == D("221.98")
    assert [(a.step, a.rule_id) for a in ln.adjustments] == [
        (Step.DISCOUNT, "ten-off"),
        (Step.ROUNDING, "endings"),
    ]


@pytest.mark.parametrize(("list_price", "unit_price"), [("123.40", "126.00"), ("122.40", "121.00")])
def test_price_rounding_to_the_nearest_five_plus_a_surcharge(
    list_price: str, unit_price: str
) -> None:
    rule_set = rules(
        """
        rules:
          - id: fives
            description: Whole fives plus one
            then: {kind: price_rounding, ending: {multiple: 5}, surcharge: {EUR: 1}}
        """
    )
    cat = catalog([item("A")], [entry("A", list_price)])
    (ln,) = price(rule_set, cat, line("l1", "A", 1)).lines
    assert ln.net_unit_price == D(unit_price)


def formula_rules(body: str) -> str:
    return f"""
        rules:
          - id: formula
            description: Formula
            applies_to: {{skus: [A]}}
            then: {{kind: formula, {body}}}
        """


def test_formula_on_the_list_price_less_a_percent_rounded_plus_a_surcharge() -> None:
    # 100 - 15% = 85 -> down to a multiple of 10 ending in 9 = 79 -> + 3 = 82
    rule_set = rules(
        formula_rules(
            "discount_percent: 15, rounding: {multiple: 10, ending: 9, direction: down}, "
            "surcharge: {EUR: 3}"
        )
    )
    (ln,) = price(rule_set, A_ONLY, line("l1", "A", 2)).lines
    assert ln.net_unit_price == D("82.00")
    assert ln.net_total == D("164.00")
    assert [(a.step, a.kind) for a in ln.adjustments] == [(Step.PRICE, "formula")]


def test_formula_on_the_cost() -> None:
    # cost 60 + 50% = 90 -> nearest multiple of 10 ending in 9 = 89 -> + 2 = 91
    rule_set = rules(
        formula_rules(
            "base: cost, discount_percent: -50, rounding: {multiple: 10, ending: 9}, "
            "surcharge: {EUR: 2}"
        )
    )
    (ln,) = price(rule_set, A_ONLY, line("l1", "A", 1)).lines
    assert ln.net_unit_price == D("91.00")


def test_formula_on_another_price_list() -> None:
    # given a partner list (not a standard one) with A at 80
    cat = catalog(
        [item("A")],
        [entry("A", "100"), entry("A", "80", price_list="PRT-EUR")],
        lists=[PriceList("PRT-EUR", "Partner EUR", "EUR", "partner")],
    )
    rule_set = rules(
        formula_rules(
            "base: price_list, price_list: PRT-EUR, discount_percent: 10, "
            "rounding: {multiple: 1, ending: 0.9}, surcharge: {EUR: 0.5}"
        )
    )
    # when 80 - 10% = 72 -> nearest x.90 = 71.90 -> + 0.50 = 72.40
    (ln,) = price(rule_set, cat, line("l1", "A", 1)).lines
    # then
    assert ln.list_price == D("100.00")
    assert ln.net_unit_price == D("72.40")


@pytest.mark.parametrize(
    ("body", "unit_price"),
    [
        # 60 + 2 = 62, below the minimum margin: 60 + 15 = 75
        ("base: cost, surcharge: {EUR: 2}, min_margin: {EUR: 15}, max_margin: {EUR: 40}", "75.00"),
        # 60 x 2 = 120, above the maximum margin: 60 + 40 = 100
        (
            "base: cost, discount_percent: -100, min_margin: {EUR: 15}, max_margin: {EUR: 40}",
            "100.00",
        ),
        # 60 x 1.5 = 90, between the two: kept
        (
            "base: cost, discount_percent: -50, min_margin: {EUR: 15}, max_margin: {EUR: 40}",
            "90.00",
        ),
    ],
    ids=["min-margin", "max-margin", "between"],
)
def test_formula_holds_the_price_between_min_and_max_margin(body: str, unit_price: str) -> None:
    (ln,) = price(rules(formula_rules(body)), A_ONLY, line("l1", "A", 1)).lines
    assert ln.net_unit_price == D(unit_price)


# --- derived price lists ----------------------------------------------------------------------

DERIVED_SETTINGS = """
settings:
  name: test
  segment_price_lists: {RESELLER: DIST2}
price_lists:
  - {code: DIST, name: Distributor, base: STD-EUR, percent: -10}
  - {code: DIST2, name: Reseller, base: DIST, percent: -5}
"""


def test_derived_list_chosen_by_segment_compounds_along_the_chain() -> None:
    # given a reseller: DIST2 = DIST - 5% = STD-EUR - 10% - 5%
    rule_set = rules("rules: []\n", settings=DERIVED_SETTINGS)
    cat = catalog([item("A")], [entry("A", "100")], customers=[Customer("C1", "C1", "RESELLER")])
    # when
    (ln,) = price(rule_set, cat, line("l1", "A", 2), customer="C1").lines
    # then 100 x 0.9 x 0.95 = 85.50
    assert ln.list_price == D("85.50")
    assert ln.net_total == D("171.00")
    assert ln.source is not None
    assert (ln.source.price_list, ln.source.reason) == ("DIST2", "segment")
    assert ln.source.derived_from == (("DIST", D("-5")), ("STD-EUR", D("-10")))
    assert ln.source.entry_price == D("100")


def test_derived_list_chosen_by_the_context_override() -> None:
    rule_set = rules("rules: []\n", settings=DERIVED_SETTINGS)
    (ln,) = price(rule_set, A_ONLY, line("l1", "A", 1), price_list="DIST").lines
    assert ln.list_price == D("90.00")
    assert ln.source is not None
    assert (ln.source.price_list, ln.source.reason) == ("DIST", "override")


def test_without_segment_or_override_the_standard_list_applies() -> None:
    rule_set = rules("rules: []\n", settings=DERIVED_SETTINGS)
    (ln,) = price(rule_set, A_ONLY, line("l1", "A", 1), segment="OEM").lines
    assert ln.list_price == D("100.00")
    assert ln.source is not None
    assert (ln.source.price_list, ln.source.reason) == ("STD-EUR", "standard")


# --- units of measure -----------------------------------------------------------------------

BOX = {("A", "box"): D(10)}


def test_a_box_priced_from_the_base_unit_price() -> None:
    cat = catalog([item("A")], [entry("A", "12")], units=BOX)
    (ln,) = price(rules("rules: []\n"), cat, line("l1", "A", 2, unit="box")).lines
    assert (ln.unit, ln.quantity, ln.base_quantity) == ("box", D("2"), D("20"))
    assert ln.list_price == D("120.00")
    assert ln.net_total == D("240.00")
    assert ln.unit_cost == D("600")  # 60 a piece
    assert ln.source is not None
    assert (ln.source.unit, ln.source.entry_price) == ("each", D("12"))


def test_an_entry_in_the_sold_unit_wins() -> None:
    cat = catalog([item("A")], [entry("A", "12"), entry("A", "110", unit="box")], units=BOX)
    (ln,) = price(rules("rules: []\n"), cat, line("l1", "A", 2, unit="box")).lines
    assert ln.list_price == D("110.00")
    assert ln.net_total == D("220.00")
    assert ln.source is not None
    assert ln.source.unit == "box"


def test_rule_amounts_are_per_base_unit() -> None:
    cat = catalog([item("A")], [entry("A", "12")], units=BOX)
    rule_set = rules(
        """
        rules:
          - id: fixed
            description: 11 a piece
            applies_to: {skus: [A]}
            then: {kind: fixed_price, price: {EUR: 11}}
        """
    )
    (ln,) = price(rule_set, cat, line("l1", "A", 2, unit="box")).lines
    assert ln.net_unit_price == D("110.00")
    assert ln.net_total == D("220.00")


@pytest.mark.parametrize(("boxes", "unit_price"), [("1", "120.00"), ("2", "114.00")])
def test_a_quantity_condition_is_judged_in_base_units(boxes: str, unit_price: str) -> None:
    # given 5% off from 15 pieces: 1 box is 10, 2 boxes are 20
    cat = catalog([item("A")], [entry("A", "12")], units=BOX)
    rule_set = rules(
        """
        rules:
          - id: fifteen-plus
            description: 5% from 15 pieces
            applies_to: {skus: [A]}
            when: {quantity: {min: 15}}
            then: {kind: discount_percent, percent: 5}
        """
    )
    (ln,) = price(rule_set, cat, line("l1", "A", boxes, unit="box")).lines
    assert ln.net_unit_price == D(unit_price)


# --- what the rep does by hand ------------------------------------------------------------

TEN_OFF = """
rules:
  - id: ten-off
    description: 10% off
    applies_to: {skus: [A]}
    then: {kind: discount_percent, percent: 10}
"""


def test_manual_price_is_kept_after_the_rule_discounts() -> None:
    (ln,) = price(rules(TEN_OFF), A_ONLY, line("l1", "A", 3, manual_price=D("70"))).lines
    assert ln.net_unit_price == D("70.00")
    assert ln.net_total == D("210.00")
    assert [(a.step, a.kind, a.rule_id, a.before, a.after) for a in ln.adjustments] == [
        (Step.DISCOUNT, "discount_percent", "ten-off", D("100"), D("90")),
        (Step.MANUAL_PRICE, "manual_price", None, D("90"), D("70")),
    ]
    assert ln.margin == D("30.00")  # 210 - 3 x 60


@pytest.mark.parametrize(
    ("discount", "unit_price", "kind"),
    [
        (ManualDiscount(DiscountKind.PERCENT, D("10")), "81.00", "manual_discount_percent"),
        (ManualDiscount(DiscountKind.AMOUNT, D("5")), "85.00", "manual_discount_amount"),
        (ManualDiscount(DiscountKind.AMOUNT, D("500")), "0.00", "manual_discount_amount"),
    ],
)
def test_manual_line_discount_applies_after_the_rules(
    discount: ManualDiscount, unit_price: str, kind: str
) -> None:
    (ln,) = price(rules(TEN_OFF), A_ONLY, line("l1", "A", 2, manual_discount=discount)).lines
    assert ln.net_unit_price == D(unit_price)
    assert ln.net_total == D(unit_price) * 2
    assert [(a.step, a.kind) for a in ln.adjustments] == [
        (Step.DISCOUNT, "discount_percent"),
        (Step.MANUAL_DISCOUNT, kind),
    ]


def test_manual_quote_discount_is_spread_over_the_lines() -> None:
    # given 100 + 33.33 + 66.67 = 200.00
    cat = catalog(
        [item("A"), item("B"), item("C")],
        [entry("A", "100"), entry("B", "33.33"), entry("C", "66.67")],
    )
    # when 10% off the quote
    quote = price(
        rules("rules: []\n"),
        cat,
        line("a", "A", 1),
        line("b", "B", 1),
        line("c", "C", 1),
        quote_discount=ManualDiscount(DiscountKind.PERCENT, D("10"), "year end"),
    )
    # then 20.00 off: 10.00 / 3.333 / 6.667 -> the left-over cent goes to the largest remainder
    (adj,) = quote.quote_adjustments
    assert (adj.kind, adj.rule_id, adj.basis, adj.amount) == (
        "manual_quote_discount",
        None,
        D("200.00"),
        D("-20.00"),
    )
    assert adj.shares == (("a", D("-10.00")), ("b", D("-3.33")), ("c", D("-6.67")))
    assert [ln.quote_discount for ln in quote.lines] == [D("-10.00"), D("-3.33"), D("-6.67")]
    assert [ln.final_amount for ln in quote.lines] == [D("90.00"), D("30.00"), D("60.00")]
    assert quote.total == D("180.00")
    assert "year end" in adj.description
