"""Which list prices a line: contract, segment, standard, conversion; validity, breaks, errors."""

from __future__ import annotations

from datetime import date

import pytest
from builders import DAY, D, catalog, entry, item, line, price, rules

from cpq.pricing.errors import PricingError
from cpq.pricing.snapshot import Customer, ExchangeRate, PriceList
from cpq.pricing.waterfall import Conversion

NO_RULES = rules("rules: []\n")
PARTNER_SETTINGS = "settings: {name: test, segment_price_lists: {PARTNER: PRT-EUR}}\n"
C1 = Customer("C1", "Customer 1", segment="PARTNER", contract_price_list="CON-C1")


def contract_list(**kw: object) -> PriceList:
    return PriceList("CON-C1", "Contract C1", "EUR", "contract", **kw)  # type: ignore[arg-type]


PARTNER = PriceList("PRT-EUR", "Partner EUR", "EUR", "partner")


def three_lists(contract: PriceList | None = None) -> object:
    return catalog(
        [item("A"), item("B"), item("C")],
        [
            entry("A", "70", price_list="CON-C1"),
            entry("A", "80", price_list="PRT-EUR"),
            entry("B", "85", price_list="PRT-EUR"),
            entry("A", "100"),
            entry("B", "100"),
            entry("C", "100"),
        ],
        lists=[contract or contract_list(), PARTNER],
        customers=[C1],
    )


def test_contract_then_segment_then_standard() -> None:
    # given C1 has a contract list (A) and is a partner (A, B); the standard list has all three
    rule_set = rules("rules: []\n", settings=PARTNER_SETTINGS)
    # when
    quote = price(
        rule_set,
        three_lists(),  # type: ignore[arg-type]
        line("a", "A", 1),
        line("b", "B", 1),
        line("c", "C", 1),
        customer="C1",
    )
    # then
    got = [(ln.list_price, ln.source.price_list, ln.source.reason) for ln in quote.lines]  # type: ignore[union-attr]
    assert got == [
        (D("70.00"), "CON-C1", "contract"),
        (D("85.00"), "PRT-EUR", "segment"),
        (D("100.00"), "STD-EUR", "standard"),
    ]


@pytest.mark.parametrize(
    ("currency", "list_price", "code"), [("EUR", "80.00", "PRT-EUR"), ("USD", "90.00", "PRT-USD")]
)
def test_a_segment_names_one_list_per_currency(currency: str, list_price: str, code: str) -> None:
    # given the partner segment has a USD and a EUR list (and there is a standard USD list)
    rule_set = rules(
        "rules: []\n",
        settings="settings: {name: test, segment_price_lists: {PARTNER: [PRT-USD, PRT-EUR]}}\n",
    )
    cat = catalog(
        [item("A")],
        [
            entry("A", "80", price_list="PRT-EUR"),
            entry("A", "90", price_list="PRT-USD"),
            entry("A", "100"),
            entry("A", "110", price_list="STD-USD"),
        ],
        lists=[
            PARTNER,
            PriceList("PRT-USD", "Partner USD", "USD", "partner"),
            PriceList("STD-USD", "Standard USD", "USD", "standard"),
        ],
    )
    # when
    (ln,) = price(rule_set, cat, line("a", "A", 1), currency=currency, segment="PARTNER").lines
    # then
    assert ln.list_price == D(list_price)
    assert ln.source is not None
    assert (ln.source.price_list, ln.source.reason, ln.source.conversion) == (code, "segment", None)


def test_without_a_customer_the_standard_list_applies() -> None:
    rule_set = rules("rules: []\n", settings=PARTNER_SETTINGS)
    quote = price(rule_set, three_lists(), line("a", "A", 1), line("b", "B", 1))  # type: ignore[arg-type]
    assert [ln.list_price for ln in quote.lines] == [D("100.00"), D("100.00")]


def test_the_context_segment_overrides_the_customer_s() -> None:
    rule_set = rules("rules: []\n", settings=PARTNER_SETTINGS)
    quote = price(rule_set, three_lists(), line("b", "B", 1), customer="C1", segment="OEM")  # type: ignore[arg-type]
    assert quote.lines[0].list_price == D("100.00")


@pytest.mark.parametrize(
    ("validity", "list_price", "code"),
    [
        ({"valid_from": DAY, "valid_to": DAY}, "70.00", "CON-C1"),  # both ends inclusive
        ({"valid_to": date(2026, 3, 1)}, "80.00", "PRT-EUR"),  # expired the day before
        ({"valid_from": date(2026, 3, 3)}, "80.00", "PRT-EUR"),  # starts the day after
        ({"active": False}, "80.00", "PRT-EUR"),
    ],
)
def test_a_list_counts_only_on_the_days_it_is_valid(
    validity: dict[str, object], list_price: str, code: str
) -> None:
    rule_set = rules("rules: []\n", settings=PARTNER_SETTINGS)
    cat = three_lists(contract_list(**validity))
    (ln,) = price(rule_set, cat, line("a", "A", 1), customer="C1").lines  # type: ignore[arg-type]
    assert ln.list_price == D(list_price)
    assert ln.source is not None
    assert ln.source.price_list == code


@pytest.mark.parametrize(
    ("day", "list_price"),
    [(date(2026, 3, 1), "95.00"), (DAY, "95.00"), (date(2026, 3, 3), "99.00")],
)
def test_an_entry_counts_only_on_the_days_it_is_valid(day: date, list_price: str) -> None:
    # given the price changes on the 3rd
    cat = catalog(
        [item("A")],
        [
            entry("A", "95", valid_from=date(2026, 3, 1), valid_to=DAY),
            entry("A", "99", valid_from=date(2026, 3, 3)),
        ],
    )
    (ln,) = price(NO_RULES, cat, line("a", "A", 1), day=day).lines
    assert ln.list_price == D(list_price)
    assert ln.source is not None
    assert ln.source.valid_from in (date(2026, 3, 1), date(2026, 3, 3))


@pytest.mark.parametrize(
    ("quantity", "list_price", "break_"),
    [("9", "100.00", "0"), ("10", "95.00", "10"), ("49", "95.00", "10"), ("50", "90.00", "50")],
)
def test_the_highest_price_break_reached_applies(
    quantity: str, list_price: str, break_: str
) -> None:
    cat = catalog(
        [item("A")],
        [
            entry("A", "90", min_quantity="50"),
            entry("A", "100"),
            entry("A", "95", min_quantity="10"),
        ],
    )
    (ln,) = price(NO_RULES, cat, line("a", "A", quantity)).lines
    assert ln.list_price == D(list_price)
    assert ln.source is not None
    assert ln.source.min_quantity == D(break_)


@pytest.mark.parametrize(
    ("customer", "list_price", "own"), [("C1", "97.00", True), ("C2", "90.00", False)]
)
def test_a_customer_s_own_entry_is_preferred(customer: str, list_price: str, own: bool) -> None:
    # given a general break at 10 pieces, and C1's own price from 1 piece
    cat = catalog(
        [item("A")],
        [
            entry("A", "100"),
            entry("A", "90", min_quantity="10"),
            entry("A", "97", customer="C1"),
            entry("A", "50", customer="C3"),
        ],
        customers=[Customer("C1", "C1"), Customer("C2", "C2"), Customer("C3", "C3")],
    )
    (ln,) = price(NO_RULES, cat, line("a", "A", 20), customer=customer).lines
    assert ln.list_price == D(list_price)
    assert ln.source is not None
    assert ln.source.customer_specific is own


# --- conversion ------------------------------------------------------------------------------


def rate(from_: str, to: str, day: date, value: str) -> ExchangeRate:
    return ExchangeRate(from_, to, day, D(value))


def test_conversion_at_the_latest_rate_on_or_before_the_pricing_date() -> None:
    # given no CHF list; EUR->CHF rates before, on and after the pricing date
    cat = catalog(
        [item("A")],
        [entry("A", "100")],
        rates=[
            rate("EUR", "CHF", date(2026, 2, 1), "0.97"),
            rate("EUR", "CHF", date(2026, 3, 1), "0.95"),
            rate("EUR", "CHF", date(2026, 3, 10), "0.99"),
            rate("CHF", "EUR", DAY, "2"),  # the direct rate wins over a newer inverted one
        ],
    )
    # when
    (ln,) = price(NO_RULES, cat, line("a", "A", 3), currency="CHF").lines
    # then
    assert ln.list_price == D("95.00")
    assert ln.net_total == D("285.00")
    assert ln.unit_cost == D("57.00")  # 60 EUR at the same rate
    assert ln.source is not None
    assert (ln.source.price_list, ln.source.reason, ln.source.currency) == (
        "STD-EUR",
        "conversion",
        "EUR",
    )
    assert ln.source.entry_price == D("100")
    assert ln.source.conversion == Conversion("EUR", D("0.95"), date(2026, 3, 1), False)


def test_conversion_by_the_inverted_rate_when_no_direct_one_exists() -> None:
    cat = catalog(
        [item("A")],
        [entry("A", "100")],
        rates=[rate("CHF", "EUR", date(2026, 3, 1), "1.25")],
    )
    (ln,) = price(NO_RULES, cat, line("a", "A", 1), currency="CHF").lines
    assert ln.list_price == D("80.00")
    assert ln.source is not None
    assert ln.source.conversion == Conversion("EUR", D("0.8"), date(2026, 3, 1), True)


def test_a_list_in_the_quote_currency_without_the_sku_leads_to_conversion() -> None:
    usd = PriceList("STD-USD", "Standard USD", "USD", "standard")
    cat = catalog(
        [item("A"), item("B")],
        [entry("A", "100"), entry("B", "100"), entry("B", "120", price_list="STD-USD")],
        lists=[usd],
        rates=[rate("EUR", "USD", date(2026, 1, 1), "1.1")],
    )
    a, b = price(NO_RULES, cat, line("a", "A", 1), line("b", "B", 1), currency="USD").lines
    assert (a.list_price, a.source.reason) == (D("110.00"), "conversion")  # type: ignore[union-attr]
    assert (b.list_price, b.source.reason, b.source.conversion) == (D("120.00"), "standard", None)  # type: ignore[union-attr]


# --- errors ----------------------------------------------------------------------------------


def test_no_price_anywhere_is_an_error_naming_the_line() -> None:
    # given B has no entry, and there is no rate to convert from EUR to CHF
    cat = catalog([item("A"), item("B")], [entry("A", "100")])
    # when / then
    with pytest.raises(PricingError) as caught:
        price(NO_RULES, cat, line("a", "A", 1), line("b", "B", 1, options=(line("o", "B", 1),)))
    assert [(i.code, i.column) for i in caught.value.issues] == [
        ("no_price", "lines[1].sku"),
        ("no_price", "lines[1].options[0].sku"),
    ]
    with pytest.raises(PricingError) as caught:
        price(NO_RULES, cat, line("a", "A", 1), currency="CHF")
    assert [(i.code, i.column) for i in caught.value.issues] == [("no_price", "lines[0].sku")]
    # and the message says why: A has a price in EUR, but there is no EUR -> CHF rate
    assert caught.value.issues[0].message == (
        "no price for A in CHF on 2026-03-02 in any list that applies "
        "(prices in EUR have no exchange rate to CHF on or before that day)"
    )


def test_unknown_sku_unit_and_customer_are_reported_together() -> None:
    cat = catalog([item("A")], [entry("A", "100")])
    with pytest.raises(PricingError) as caught:
        price(
            NO_RULES,
            cat,
            line("a", "A", 1),
            line("x", "NOPE", 1),
            line("y", "A", 1, unit="pallet"),
            customer="C404",
        )
    assert [(i.code, i.column) for i in caught.value.issues] == [
        ("unknown_customer", "context.customer"),
        ("unknown_sku", "lines[1].sku"),
        ("unknown_unit", "lines[2].unit"),
    ]
