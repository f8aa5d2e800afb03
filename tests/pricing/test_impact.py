"""Comparing two rule sets on the same baskets, and the baskets generated from a catalog."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date

import pytest
from builders import DAY, D, catalog, entry, item, line, rules
from hypothesis import given, settings
from hypothesis import strategies as st

from cpq.catalog.issues import error
from cpq.pricing.engine import PricingEngine
from cpq.pricing.errors import PricingError
from cpq.pricing.impact import BasketImpact, LineChange, compare, sample_baskets
from cpq.pricing.inputs import PricingContext, PricingRequest
from cpq.pricing.rules.model import RuleSet
from cpq.pricing.snapshot import Customer, PriceList, PricingCatalog
from cpq.pricing.waterfall import PricedQuote

CATALOG = catalog([item("A"), item("B", groups=("SW",))], [entry("A", "100"), entry("B", "40")])
NO_RULES = rules("")
A_TEN_OFF = rules(
    """
    rules:
      - id: a-ten
        description: Ten off A
        applies_to: {skus: [A]}
        then: {kind: discount_percent, percent: 10}
    """
)
B_SURCHARGE = rules(
    """
    rules:
      - id: b-up
        description: B costs more
        applies_to: {skus: [B]}
        then: {kind: surcharge, percent: 5}
    """
)


def basket(name: str, *lines: tuple[str, str, int]) -> tuple[str, PricingRequest]:
    context = PricingContext("EUR", DAY)
    return name, PricingRequest(context, tuple(line(i, sku, q) for i, sku, q in lines))


def pricer(
    rule_set: RuleSet, cat: PricingCatalog = CATALOG
) -> Callable[[PricingRequest], PricedQuote]:
    engine = PricingEngine(rule_set)
    return lambda request: engine.price(request, cat)


def test_totals_and_changed_lines_per_basket_and_the_summary() -> None:
    baskets = [
        basket("a and b", ("1", "A", 3), ("2", "B", 2)),
        basket("b only", ("1", "B", 1)),
        basket("unknown", ("1", "NOPE", 1)),
    ]

    report = compare(baskets, pricer(NO_RULES), pricer(A_TEN_OFF))

    a_and_b, b_only, unknown = report.baskets
    assert a_and_b == BasketImpact(
        name="a and b",
        currency="EUR",
        before=D("380.00"),
        after=D("350.00"),
        lines=(LineChange("1", "A", D("300.00"), D("270.00"), (), ("a-ten",)),),
    )
    assert (a_and_b.status, a_and_b.change, a_and_b.percent) == ("down", D("-30.00"), D("-7.89"))
    assert (b_only.status, b_only.change, b_only.lines) == ("unchanged", D(0), ())
    assert unknown.status == "failed"
    assert (
        unknown.error_before
        == unknown.error_after
        == ("column 'lines[0].sku': no item 'NOPE' in catalog version 1")
    )
    assert (report.unchanged, report.up, report.down) == (1, 0, 1)
    assert (report.failed_before, report.failed_after) == (1, 1)
    assert report.changed == (a_and_b,)


def test_a_price_going_up_counts_as_up() -> None:
    report = compare([basket("b", ("1", "B", 2))], pricer(NO_RULES), pricer(B_SURCHARGE))

    (only,) = report.baskets
    assert (only.status, only.before, only.after, only.percent) == (
        "up",
        D("80.00"),
        D("84.00"),
        D("5.00"),
    )
    assert only.lines == (LineChange("1", "B", D("80.00"), D("84.00"), (), ("b-up",)),)
    assert (report.up, report.down, report.unchanged) == (1, 0, 0)


def test_a_basket_only_the_candidate_fails_keeps_the_error_and_its_total_before() -> None:
    def refuses(request: PricingRequest) -> PricedQuote:
        raise PricingError([error("no_exchange_rate", "no rate EUR->CHF on 2026-03-02")])

    report = compare([basket("a", ("1", "A", 1))], pricer(NO_RULES), refuses)

    (only,) = report.baskets
    assert (only.before, only.after, only.change, only.percent) == (D("100.00"), None, None, None)
    assert (only.error_before, only.error_after) == (None, "no rate EUR->CHF on 2026-03-02")
    assert (report.failed_before, report.failed_after, report.unchanged) == (0, 1, 0)


def test_a_bug_in_pricing_is_not_reported_as_a_failed_basket() -> None:
    def broken(request: PricingRequest) -> PricedQuote:
        raise ZeroDivisionError

    with pytest.raises(ZeroDivisionError):
        compare([basket("a", ("1", "A", 1))], pricer(NO_RULES), broken)


def test_a_zero_total_has_no_percent_change() -> None:
    free = rules(
        """
        rules:
          - id: free-a
            description: A is free
            applies_to: {skus: [A]}
            then: {kind: fixed_price, price: {EUR: 0}}
        """
    )

    report = compare([basket("a", ("1", "A", 1))], pricer(free), pricer(NO_RULES))

    assert (report.baskets[0].change, report.baskets[0].percent) == (D("100.00"), None)


# --- sample baskets ------------------------------------------------------------------------

SHOP = catalog(
    [
        *(item(f"S-{n:02d}") for n in range(30)),
        replace(item("OLD"), active=False),
        item("UNPRICED"),
        item("CABLE", base_unit="m"),
    ],
    [
        *(entry(f"S-{n:02d}", str(10 + n)) for n in range(30)),
        *(entry(f"S-{n:02d}", str(9 + n), min_quantity=10) for n in range(0, 30, 3)),
        *(entry(f"S-{n:02d}", str(12 + n), price_list="STD-USD") for n in range(5)),
        entry("OLD", "5"),
        entry("CABLE", "300", unit="reel"),
    ],
    lists=[PriceList("STD-USD", "Standard USD", "USD", "standard")],
    units={("CABLE", "reel"): D(100)},
    customers=[
        Customer("C-1", "One", default_currency="USD"),
        Customer("C-2", "Two"),
        Customer("C-3", "Gone", default_currency="EUR", active=False),
        Customer("C-4", "Four", default_currency="EUR"),
    ],
)
EUR_SKUS = {f"S-{n:02d}" for n in range(30)} | {"CABLE"}
USD_SKUS = {f"S-{n:02d}" for n in range(5)}
BREAKS = {f"S-{n:02d}" for n in range(0, 30, 3)}


def test_baskets_take_each_active_customer_in_turn_in_its_currency() -> None:
    baskets = sample_baskets(SHOP, DAY, 7, seed=1)

    assert [(r.context.customer, r.context.currency) for _, r in baskets] == [
        ("C-1", "USD"),
        ("C-2", "EUR"),  # no default currency: the first standard list's (EUR before USD)
        ("C-4", "EUR"),
        ("C-1", "USD"),
        ("C-2", "EUR"),
        ("C-4", "EUR"),
        ("C-1", "USD"),
    ]
    assert [name for name, _ in baskets][:2] == ["basket 001 (C-1, USD)", "basket 002 (C-2, EUR)"]
    assert {r.context.pricing_date for _, r in baskets} == {DAY}


def test_the_same_seed_gives_the_same_baskets_and_another_seed_others() -> None:
    assert sample_baskets(SHOP, DAY, 20, seed=7) == sample_baskets(SHOP, DAY, 20, seed=7)
    assert sample_baskets(SHOP, DAY, 20, seed=7) != sample_baskets(SHOP, DAY, 20, seed=8)


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(min_value=0, max_value=2**32), count=st.integers(min_value=1, max_value=12))
def test_baskets_are_priced_active_skus_in_sane_quantities(seed: int, count: int) -> None:
    baskets = sample_baskets(SHOP, DAY, count, seed)

    assert len(baskets) == count
    for _, request in baskets:
        skus = [ln.sku for ln in request.lines]
        allowed = USD_SKUS if request.context.currency == "USD" else EUR_SKUS
        assert 1 <= len(skus) <= 15
        assert len(set(skus)) == len(skus)
        assert set(skus) <= allowed
        assert [ln.line_id for ln in request.lines] == [f"L{k + 1}" for k in range(len(skus))]
        for ln in request.lines:
            assert 1 <= ln.quantity <= 50
            assert ln.quantity == ln.quantity.to_integral_value()
            assert ln.unit == ("reel" if ln.sku == "CABLE" else None)
    # every generated basket can be priced
    report = compare(baskets, pricer(NO_RULES, SHOP), pricer(NO_RULES, SHOP))
    assert report.failed_before == 0
    assert report.unchanged == count


def test_some_lines_reach_a_price_break() -> None:
    baskets = sample_baskets(SHOP, DAY, 40, seed=3)

    at_break = [
        ln
        for _, request in baskets
        if request.context.currency == "EUR"
        for ln in request.lines
        if ln.sku in BREAKS and ln.quantity >= 10
    ]
    assert len(at_break) >= 10


def test_without_customers_baskets_go_round_the_currencies() -> None:
    anonymous = replace(SHOP, customers={})

    baskets = sample_baskets(anonymous, DAY, 3, seed=0)

    assert [(r.context.customer, r.context.currency) for _, r in baskets] == [
        (None, "EUR"),
        (None, "USD"),
        (None, "EUR"),
    ]


def test_no_list_valid_on_the_day_gives_no_baskets() -> None:
    assert sample_baskets(SHOP, DAY, 5, seed=0) != []
    expired = replace(
        SHOP,
        price_lists={
            code: replace(pl, valid_to=date(2020, 1, 1)) for code, pl in SHOP.price_lists.items()
        },
    )
    assert sample_baskets(expired, DAY, 5, seed=0) == []
