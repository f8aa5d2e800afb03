"""Invariants of the pricing engine, checked with hypothesis on random quotes."""

from __future__ import annotations

from decimal import Decimal
from itertools import pairwise

from builders import D, catalog, entry, item, line, price, rules
from hypothesis import given, settings
from hypothesis import strategies as st

from cpq.money import quantize
from cpq.pricing.inputs import DiscountKind, LineInput, ManualDiscount
from cpq.pricing.rounding import to_digits, to_money
from cpq.pricing.snapshot import PriceList
from cpq.pricing.waterfall import PricedQuote

FEW = settings(max_examples=40, deadline=None)
CURRENCIES = ("EUR", "JPY", "KWD")
SKUS = ("A", "B", "C", "D", "E")

# A quote's worth of rules that touch every step: price rules, discounts combined three ways,
# rounding, a margin floor, recurring lines, a percent of total, free items and order discounts.
RULE_SETS = {
    "none": rules("rules: []\n"),
    "mixed": rules(
        """
        rules:
          - id: range
            description: Volume range on A
            applies_to: {skus: [A]}
            then:
              kind: volume_range
              tiers: [{up_to: 10, percent: 0}, {up_to: 100, percent: 7.5}, {percent: 15}]
          - id: slab
            description: Graduated B
            applies_to: {skus: [B]}
            then:
              kind: volume_slab
              tiers: [{up_to: 5, price: {EUR: 30, JPY: 4000, KWD: 9}}, {price: {EUR: 21.5, JPY: 3100, KWD: 6.125}}]
          - id: free
            description: Buy 3 get 1 on C
            applies_to: {skus: [C]}
            then: {kind: free_items, buy: 3, get: 1, recursive: true}
          - id: hw-add
            description: 3.3% off hardware
            applies_to: {groups: [HW]}
            combination: additive
            then: {kind: discount_percent, percent: 3.3}
          - id: sens-comp
            description: 1.7% off sensors
            applies_to: {groups: [HW-SENS]}
            combination: compounding
            then: {kind: discount_percent, percent: 1.7}
          - id: endings
            description: D ends in .95
            applies_to: {skus: [D]}
            then: {kind: price_rounding, ending: {multiple: 1, ending: 0.95}}
          - id: monthly
            description: E is a subscription
            applies_to: {skus: [E]}
            then: {kind: recurring, term_months: 7}
          - id: support
            description: S is 13% of the hardware
            applies_to: {skus: [S]}
            then: {kind: percent_of_total, percent: 13, of: {groups: [HW]}}
          - id: floor
            description: Margin floor
            applies_to: {groups: [HW]}
            then: {kind: margin_floor, percent: 5, action: flag}
          - id: volume
            description: Order volume
            then:
              kind: order_discount
              basis: amount
              tiers: [{threshold: 500, percent: 2.5}, {threshold: 5000, percent: 4}]
        """
    ),
    "deep": rules(
        """
        rules:
          - id: amount-off
            description: 40 off
            combination: additive
            applies_to: {groups: [HW]}
            then: {kind: discount_amount, amount: {EUR: 40, JPY: 6000, KWD: 12}}
          - id: percent-off
            description: 70% off
            combination: additive
            applies_to: {groups: [HW-SENS]}
            then: {kind: discount_percent, percent: 70}
          - id: free
            description: Buy 1 get 1
            combination: additive
            applies_to: {skus: [C]}
            then: {kind: free_items, buy: 1, get: 1, recursive: true}
          - id: bulk
            description: Bulk
            then:
              kind: order_discount
              basis: quantity
              tiers: [{threshold: 5, percent: 50}, {threshold: 50, percent: 100}]
        """
    ),
}


def _catalog(prices: dict[str, Decimal]) -> object:
    lists = [PriceList(f"STD-{c}", c, c, "standard") for c in ("JPY", "KWD")]
    entries = []
    for sku, p in prices.items():
        entries += [
            entry(sku, str(p)),
            entry(sku, str(quantize(p * 160, "JPY")), price_list="STD-JPY"),
            entry(sku, str(quantize(p / 3, "KWD")), price_list="STD-KWD"),
        ]
    return catalog(
        [
            *(item(s, groups=("HW", "HW-SENS") if s != "D" else ("HW",)) for s in prices),
            item("S", groups=("SUP",)),
        ],
        entries,
        lists=lists,
    )


money = st.decimals(min_value="0.10", max_value="2000", places=2)
quantities = st.decimals(min_value="0.5", max_value="300", places=1)
manual = st.one_of(
    st.none(),
    st.builds(
        ManualDiscount,
        st.just(DiscountKind.PERCENT),
        st.decimals(min_value=0, max_value=100, places=2),
    ),
    st.builds(
        ManualDiscount,
        st.just(DiscountKind.AMOUNT),
        st.decimals(min_value=0, max_value=500, places=2),
    ),
)


@st.composite
def quotes(draw: st.DrawFn) -> dict[str, object]:
    """A random quote: a rule set, a catalog of list prices, lines, a currency, a quote discount."""
    name = draw(st.sampled_from(sorted(RULE_SETS)))
    skus = draw(st.lists(st.sampled_from(SKUS), min_size=1, max_size=6))
    prices = {s: draw(money) for s in sorted(set(skus))}
    lines: list[LineInput] = [
        line(f"l{n}", s, draw(quantities), manual_discount=draw(manual)) for n, s in enumerate(skus)
    ]
    if name == "mixed" and draw(st.booleans()):  # only "mixed" prices the support line
        lines.insert(draw(st.integers(0, len(lines))), line("support", "S", 1))
    quote_discount = draw(
        st.one_of(
            st.none(),
            st.builds(
                ManualDiscount,
                st.just(DiscountKind.PERCENT),
                st.decimals(min_value=0, max_value=100, places=2),
            ),
        )
    )
    return {
        "rule_set": RULE_SETS[name],
        "catalog": _catalog(prices),
        "lines": lines,
        "currency": draw(st.sampled_from(CURRENCIES)),
        "quote_discount": quote_discount,
    }


def run(q: dict[str, object], lines: list[LineInput] | None = None) -> PricedQuote:
    return price(
        q["rule_set"],  # type: ignore[arg-type]
        q["catalog"],  # type: ignore[arg-type]
        *(lines if lines is not None else q["lines"]),  # type: ignore[misc]
        currency=q["currency"],  # type: ignore[arg-type]
        quote_discount=q["quote_discount"],  # type: ignore[arg-type]
    )


@FEW
@given(quotes())
def test_totals_equal_the_sum_of_the_lines(q: dict[str, object]) -> None:
    quote = run(q)
    assert quote.rounding == "per_line"
    assert quote.total == sum((ln.final_amount for ln in quote.lines), Decimal(0))
    assert quote.one_time_total == sum(
        (ln.final_amount for ln in quote.lines if not ln.recurring), Decimal(0)
    )
    assert quote.recurring_total == sum(
        (ln.final_amount for ln in quote.lines if ln.recurring), Decimal(0)
    )
    for ln in quote.lines:
        assert ln.amount == ln.net_total * (ln.term_months or 1)
        assert ln.final_amount == ln.amount + ln.quote_discount
        assert quantize(ln.net_total, quote.currency) == ln.net_total


@FEW
@given(quotes())
def test_quantizing_the_net_unit_price_twice_changes_nothing(q: dict[str, object]) -> None:
    quote = run(q)
    for ln in quote.lines:
        once = to_money(ln.net_unit_price_exact, quote.currency)
        assert to_money(once, quote.currency) == once
        assert quantize(once, quote.currency) == once
        digits = -int(ln.net_unit_price.as_tuple().exponent)
        assert to_digits(ln.net_unit_price, digits) == ln.net_unit_price


@settings(max_examples=200, deadline=None)
@given(
    st.decimals(min_value="-1e6", max_value="1e6", allow_nan=False, allow_infinity=False),
    st.sampled_from(CURRENCIES),
)
def test_quantize_is_idempotent(value: Decimal, currency: str) -> None:
    once = to_money(value, currency)
    assert to_money(once, currency) == once
    assert quantize(quantize(value, currency), currency) == quantize(value, currency)


@st.composite
def range_schedules(draw: st.DrawFn) -> str:
    """Tiers with rising bounds and falling (or equal) prices, or rising (or equal) percents."""
    bounds = sorted(set(draw(st.lists(st.integers(1, 400), min_size=1, max_size=4))))
    if draw(st.booleans()):
        figures = sorted(
            draw(st.lists(money, min_size=len(bounds) + 1, max_size=len(bounds) + 1)),
            reverse=True,
        )
        tiers = [
            f"{{up_to: {b}, price: {{EUR: {p}}}}}" for b, p in zip(bounds, figures, strict=False)
        ]
        tiers.append(f"{{price: {{EUR: {figures[-1]}}}}}")
    else:
        percents = sorted(
            draw(
                st.lists(
                    st.decimals(min_value=0, max_value=100, places=1),
                    min_size=len(bounds) + 1,
                    max_size=len(bounds) + 1,
                )
            )
        )
        tiers = [f"{{up_to: {b}, percent: {p}}}" for b, p in zip(bounds, percents, strict=False)]
        tiers.append(f"{{percent: {percents[-1]}}}")
    return "[" + ", ".join(tiers) + "]"


@FEW
@given(range_schedules(), st.lists(quantities, min_size=2, max_size=8), money)
def test_on_a_range_schedule_the_unit_price_never_rises_with_quantity(
    tiers: str, amounts: list[Decimal], list_price: Decimal
) -> None:
    rule_set = rules(
        f"""
        rules:
          - id: range
            description: Range
            applies_to: {{skus: [A]}}
            then: {{kind: volume_range, tiers: {tiers}}}
        """
    )
    cat = catalog([item("A")], [entry("A", str(list_price))])
    ordered = sorted(amounts)
    quote = price(rule_set, cat, *(line(f"l{n}", "A", q) for n, q in enumerate(ordered)))
    unit_prices = [ln.net_unit_price_exact for ln in quote.lines]
    assert unit_prices == sorted(unit_prices, reverse=True)


@FEW
@given(
    st.lists(st.integers(1, 400), min_size=1, max_size=4, unique=True),
    st.lists(money, min_size=5, max_size=5),
    st.lists(quantities, min_size=2, max_size=8),
)
def test_a_slab_line_total_never_falls_as_quantity_rises(
    bounds: list[int], prices: list[Decimal], amounts: list[Decimal]
) -> None:
    # any prices, even rising ones: more units never cost less in total
    ups = sorted(bounds)
    tiers = [f"{{up_to: {b}, price: {{EUR: {p}}}}}" for b, p in zip(ups, prices, strict=False)]
    tiers.append(f"{{price: {{EUR: {prices[len(ups)]}}}}}")
    rule_set = rules(
        f"""
        rules:
          - id: slab
            description: Slab
            applies_to: {{skus: [A]}}
            then: {{kind: volume_slab, tiers: [{", ".join(tiers)}]}}
        """
    )
    cat = catalog([item("A")], [entry("A", "1")])
    ordered = sorted(amounts)
    quote = price(rule_set, cat, *(line(f"l{n}", "A", q) for n, q in enumerate(ordered)))
    totals = [ln.net_total for ln in quote.lines]
    assert totals == sorted(totals)
    exact = [ln.net_unit_price_exact * ln.quantity for ln in quote.lines]
    assert all(b - a >= D("-1e-30") for a, b in pairwise(exact))


@FEW
@given(quotes())
def test_a_quote_level_discount_s_shares_sum_exactly_to_it(q: dict[str, object]) -> None:
    quote = run(q)
    for adj in quote.quote_adjustments:
        assert adj.amount <= 0
        assert quantize(adj.amount, quote.currency) == adj.amount
        assert sum((s for _, s in adj.shares), Decimal(0)) == adj.amount
        assert all(s <= 0 for _, s in adj.shares)
    shares = {ln.line_id: ln.quote_discount for ln in quote.lines}
    for line_id, total_share in shares.items():
        assert total_share == sum(
            (s for adj in quote.quote_adjustments for lid, s in adj.shares if lid == line_id),
            Decimal(0),
        )
    assert quote.total == sum((ln.amount for ln in quote.lines), Decimal(0)) + sum(
        (adj.amount for adj in quote.quote_adjustments), Decimal(0)
    )


@FEW
@given(quotes())
def test_no_price_ever_goes_below_zero(q: dict[str, object]) -> None:
    quote = run(q)
    for ln in quote.lines:
        assert ln.net_unit_price_exact >= 0
        assert all(a.after >= 0 for a in ln.adjustments)
        assert ln.net_total >= 0
        assert ln.final_amount >= 0
    assert quote.total >= 0


@FEW
@given(quotes(), st.randoms(use_true_random=False))
def test_the_order_of_the_lines_does_not_change_any_line(q: dict[str, object], rnd: object) -> None:
    # given the same lines, shuffled
    lines = list(q["lines"])  # type: ignore[call-overload]
    shuffled = lines[:]
    rnd.shuffle(shuffled)  # type: ignore[attr-defined]
    # when
    first, second = run(q, lines), run(q, shuffled)
    # then every line's waterfall is the same, and so are the quote's figures
    by_id = {ln.line_id: ln for ln in second.lines}
    for ln in first.lines:
        other = by_id[ln.line_id]
        assert ln.adjustments == other.adjustments
        assert ln.flags == other.flags
        assert (ln.net_unit_price_exact, ln.net_total, ln.amount) == (
            other.net_unit_price_exact,
            other.net_total,
            other.amount,
        )
    assert [(a.rule_id, a.basis, a.amount) for a in first.quote_adjustments] == [
        (a.rule_id, a.basis, a.amount) for a in second.quote_adjustments
    ]
    for ln in first.lines:
        assert (ln.quote_discount, ln.final_amount) == (
            by_id[ln.line_id].quote_discount,
            by_id[ln.line_id].final_amount,
        )
    figures = ("total", "one_time_total", "recurring_total", "list_total", "flags")
    assert [getattr(first, f) for f in figures] == [getattr(second, f) for f in figures]


def test_a_tied_quote_discount_share_does_not_depend_on_the_order_of_the_lines() -> None:
    # given a one-time line and a monthly line of 1.00 each, and 0.5% off the quote: 0.01
    rule_set = rules(
        """
        rules:
          - id: monthly
            description: Subscriptions
            applies_to: {groups: [SW]}
            then: {kind: recurring, term_months: 1}
        """
    )
    cat = catalog([item("A"), item("SUB", groups=("SW",))], [entry("A", "1"), entry("SUB", "1")])
    half_percent = ManualDiscount(DiscountKind.PERCENT, D("0.5"))
    a, sub = line("a", "A", 1), line("s", "SUB", 1)
    # when priced in both orders
    first = price(rule_set, cat, a, sub, quote_discount=half_percent)
    second = price(rule_set, cat, sub, a, quote_discount=half_percent)
    # then the cent goes to the same line either way
    assert first.total == second.total == D("1.99")
    assert {ln.line_id: ln.final_amount for ln in first.lines} == {
        ln.line_id: ln.final_amount for ln in second.lines
    }
    assert (first.one_time_total, first.recurring_total) == (
        second.one_time_total,
        second.recurring_total,
    )
