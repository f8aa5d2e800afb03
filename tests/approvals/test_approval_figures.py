"""The figures an approval policy judges, from hand-built priced quotes and one priced for real."""

from __future__ import annotations

import json
from datetime import date

from approval_builders import D, adj, priced_line, priced_quote, quote_adj
from hypothesis import given
from hypothesis import strategies as st

from cpq.approvals.figures import QuoteFigures, figures_of
from cpq.pricing.engine import PricingEngine
from cpq.pricing.inputs import (
    DiscountKind,
    LineInput,
    ManualDiscount,
    PricingContext,
    PricingRequest,
)
from cpq.pricing.rules.files import rule_set_from_texts
from cpq.pricing.snapshot import Item, PriceEntry, PriceList, PricingCatalog
from cpq.pricing.waterfall import PricedQuote, Step

GROUPS = {
    "A": ("HW", "HW-SENS"),
    "B": ("HW", "HW-GW", "HW-GW-EDGE"),
    "S": ("SVC", "SVC-SW"),
}


def of(priced: PricedQuote, rate: str | None = "1", **terms: str | None) -> QuoteFigures:
    return figures_of(
        priced,
        payment_terms=terms.get("payment_terms"),
        customer=terms.get("customer"),
        segment=terms.get("segment"),
        groups_of=GROUPS,
        rate_to_policy=D(rate) if rate is not None else None,
    )


def three_lines() -> PricedQuote:
    """A: 2 x 100 list, 10% by a rule to 90, 15% off by the rep to 76.50; B: 200 list, the rep's
    price 150; S: 30 a month for 12 months untouched; then the rep's 5% off the quote (33.15)."""
    a = priced_line(
        "1",
        "A",
        "2",
        "100",
        adj(Step.DISCOUNT, "100", "90"),
        adj(Step.MANUAL_DISCOUNT, "90", "76.50", "manual_discount_percent"),
        cost="50",
        quote_discount="-7.65",
    )
    b = priced_line(
        "2",
        "B",
        "1",
        "200",
        adj(Step.MANUAL_PRICE, "200", "150"),
        cost="120",
        quote_discount="-7.50",
    )
    s = priced_line("3", "S", "1", "30", cost="10", term=12, quote_discount="-18.00")
    rep = quote_adj(
        "manual_quote_discount", "-33.15", [("1", "-7.65"), ("2", "-7.50"), ("3", "-18.00")]
    )
    return priced_quote([a, b, s], [rep])


def test_figures_of_manual_steps_a_quote_discount_and_a_recurring_line() -> None:
    priced = three_lines()
    assert priced.total == D("629.85") and priced.list_total == D("760")

    got = of(priced, "1.1", payment_terms="NET60", customer="C-1", segment="smb")

    assert got == QuoteFigures(
        currency="EUR",
        total=D("629.85"),
        total_amount=D("692.8350"),
        list_total=D("760"),
        # B: 150 against the rules' 200.
        max_line_discount_percent=D("25.0000"),
        # (13.50 x 2 + 50 + 33.15) / (629.85 + 110.15) = 14.885135..%, rounded up.
        total_discount_percent=D("14.8852"),
        # 130.15 / 760
        list_discount_percent=D("17.1250"),
        # (629.85 - 340) / 629.85 = 46.018893..%, rounded down.
        margin_percent=D("46.0188"),
        payment_terms="NET60",
        customer="C-1",
        segment="smb",
        skus=frozenset({"A", "B", "S"}),
        groups=frozenset({"HW", "HW-SENS", "HW-GW", "HW-GW-EDGE", "SVC", "SVC-SW"}),
        line_count=3,
    )


def test_order_discounts_of_the_rules_are_not_the_reps() -> None:
    line = priced_line("1", "A", "10", "100", cost="60", quote_discount="-50")
    priced = priced_quote([line], [quote_adj("order_discount", "-50", [("1", "-50")])])

    got = of(priced)

    assert got.total_discount_percent == 0
    assert got.max_line_discount_percent == 0
    assert got.list_discount_percent == D("5.0000")


def test_a_recurring_lines_manual_discount_counts_over_its_term() -> None:
    # 40 -> 30 a month for 24 months: 240 off a 960 subscription.
    line = priced_line("1", "S", "1", "40", adj(Step.MANUAL_DISCOUNT, "40", "30"), term=24)

    got = of(priced_quote([line]))

    assert got.total == D("720.00")
    assert got.total_discount_percent == D("25.0000")
    assert got.max_line_discount_percent == D("25.0000")


def test_a_manual_price_above_the_rules_nets_against_discounts_elsewhere() -> None:
    up = priced_line("1", "A", "1", "100", adj(Step.MANUAL_PRICE, "100", "120"))
    down = priced_line("2", "B", "1", "100", adj(Step.MANUAL_PRICE, "100", "70"))

    got = of(priced_quote([up, down]))

    assert got.max_line_discount_percent == D("30.0000")  # the raised line counts as no discount
    assert got.total_discount_percent == D("5.0000")  # 10 net off 200


def test_a_line_without_cost_makes_the_margin_unknown() -> None:
    costed = priced_line("1", "A", "1", "100", cost="50")
    uncosted = priced_line("2", "B", "1", "100", cost=None)

    assert of(priced_quote([costed])).margin_percent == D("50.0000")
    assert of(priced_quote([costed, uncosted])).margin_percent is None
    assert of(priced_quote([uncosted])).margin_percent is None


def test_nothing_charged_means_no_margin_and_no_division_by_zero() -> None:
    free = priced_line("1", "A", "1", "0", adj(Step.MANUAL_PRICE, "0", "0"), cost="5")

    got = of(priced_quote([free]))

    assert got.margin_percent is None
    assert got.max_line_discount_percent == 0
    assert got.total_discount_percent == 0
    assert got.list_discount_percent == 0


def test_a_line_given_away_is_all_discount() -> None:
    line = priced_line("1", "A", "3", "80", adj(Step.MANUAL_DISCOUNT, "80", "0"), cost="5")

    got = of(priced_quote([line]))

    assert got.max_line_discount_percent == D("100.0000")
    assert got.total_discount_percent == D("100.0000")


def test_rounding_never_lets_a_discount_slip_under_a_threshold() -> None:
    # 15.00004% off: must compare above 15.
    line = priced_line(
        "1", "A", "1", "100000", adj(Step.MANUAL_DISCOUNT, "100000", "84999.96"), cost="84999.97"
    )

    got = of(priced_quote([line]))

    assert got.max_line_discount_percent == D("15.0001")
    assert got.total_discount_percent == D("15.0001")
    assert got.list_discount_percent == D("15.0001")
    # The margin is negative by a hair: rounded down, it stays below zero.
    assert got.margin_percent == D("-0.0001")


def test_no_exchange_rate_leaves_the_policy_amount_unknown() -> None:
    priced = priced_quote([priced_line("1", "A", "1", "100")], currency="USD")

    assert of(priced, None).total_amount is None
    assert of(priced, "0.923456789").total_amount == D("92.3457")  # rounded up


def test_figures_survive_json() -> None:
    figures = of(three_lines(), None, payment_terms="NET30")

    assert QuoteFigures.from_json(json.loads(json.dumps(figures.to_json()))) == figures
    assert figures.to_json()["margin_percent"] == "46.0188"
    assert figures.to_json()["skus"] == ["A", "B", "S"]


@given(
    st.decimals(min_value=0, max_value=10**6, places=2),
    st.decimals(min_value=0, max_value=100, places=4),
    st.one_of(st.none(), st.decimals(min_value=-100, max_value=100, places=4)),
    st.frozensets(st.text(min_size=1, max_size=8)),
)
def test_any_figures_survive_json(
    total: D, percent: D, margin: D | None, groups: frozenset[str]
) -> None:
    figures = QuoteFigures(
        "EUR", total, None, total, percent, percent, percent, margin, None, None, "smb",
        groups, groups, 2,
    )  # fmt: skip

    assert QuoteFigures.from_json(json.loads(json.dumps(figures.to_json()))) == figures


def test_figures_of_a_quote_the_pricing_engine_priced() -> None:
    """The adjustments the engine writes are the ones the figures read."""
    catalog = PricingCatalog(
        version=1,
        items={
            "A": Item("A", "Probe", "each", ("HW", "HW-SENS"), None, D("60"), "EUR"),
            "B": Item("B", "Gateway", "each", ("HW", "HW-GW"), None, D("300"), "EUR"),
        },
        price_lists={"STD-EUR": PriceList("STD-EUR", "Standard EUR", "EUR", "standard")},
        entries={
            ("STD-EUR", "A"): (PriceEntry("STD-EUR", "A", "each", D(0), D("100")),),
            ("STD-EUR", "B"): (PriceEntry("STD-EUR", "B", "each", D(0), D("500")),),
        },
        units={("A", "each"): D(1), ("B", "each"): D(1)},
    )
    loaded, issues = rule_set_from_texts(
        {
            "rules.yaml": b"""
settings: {name: t, rounding: per_line}
rules:
  - {id: probes, description: Probes, applies_to: {groups: [HW-SENS]},
     then: {kind: discount_percent, percent: 10}}
"""
        }
    )
    assert loaded is not None, issues
    request = PricingRequest(
        PricingContext(
            "EUR",
            date(2026, 3, 2),
            quote_discount=ManualDiscount(DiscountKind.PERCENT, D(3)),
        ),
        (
            LineInput("1", "A", D(4), manual_discount=ManualDiscount(DiscountKind.PERCENT, D(12))),
            LineInput("2", "B", D(1)),
        ),
    )
    priced = PricingEngine(loaded.rule_set).price(request, catalog)
    # A: 100 -> 90 (rule) -> 79.20 (the rep's 12%) x 4 = 316.80; B 500; 3% off 816.80 = 24.50.
    assert priced.total == D("792.30")

    got = figures_of(
        priced,
        payment_terms=None,
        customer=None,
        segment=None,
        groups_of={sku: item.groups for sku, item in catalog.items.items()},
        rate_to_policy=D(1),
    )

    assert got.max_line_discount_percent == D("12.0000")
    # (43.20 + 24.50) / (792.30 + 67.70) = 7.872093..%
    assert got.total_discount_percent == D("7.8721")
    assert got.list_discount_percent == D("11.9667")  # 107.70 / 900 = 11.96666..%
    assert got.margin_percent == D("31.8439")  # (792.30 - 540) / 792.30 = 31.843998..%, down
    assert got.groups == {"HW", "HW-SENS", "HW-GW"}
