"""The waterfall of a line, step by step, and where the engine rounds (per_line vs on_total)."""

from __future__ import annotations

import pytest
from builders import D, catalog, entry, item, line, price, rules

from cpq.money import quantize
from cpq.pricing.inputs import DiscountKind, ManualDiscount
from cpq.pricing.waterfall import PricedLine, Step

# A: list 100, cost 60. The rules are written in the reverse of the order they apply.
STEP_RULES = """
rules:
  - id: floor
    description: Hardware margin floor
    applies_to: {groups: [HW]}
    then: {kind: margin_floor, percent: 20, action: raise}
  - id: endings
    description: Prices end in .99
    then: {kind: price_rounding, ending: {multiple: 1, ending: 0.99}}
  - id: ten-off
    description: 10% off hardware
    applies_to: {groups: [HW]}
    then: {kind: discount_percent, percent: 10}
  - id: fixed
    description: A at 120
    applies_to: {skus: [A]}
    then: {kind: fixed_price, price: {EUR: 120}}
"""
A_ONLY = catalog([item("A")], [entry("A", "100")])


def chain_holds(ln: PricedLine) -> bool:
    """Each step starts where the one before it ended; the last ends on the net price."""
    befores = [a.before for a in ln.adjustments]
    afters = [a.after for a in ln.adjustments]
    return befores == [ln.list_price, *afters[:-1]] and afters[-1] == ln.net_unit_price_exact


def steps(ln: PricedLine) -> list[tuple[Step, str | None, D]]:
    return [(a.step, a.rule_id, a.after) for a in ln.adjustments]


def test_every_step_in_order_with_a_manual_discount() -> None:
    # given 120 -> 108 -> 107.99 -> 40% off by the rep = 64.794 -> margin 7.4% < 20%
    manual = ManualDiscount(DiscountKind.PERCENT, D("40"))
    # when
    (ln,) = price(rules(STEP_RULES), A_ONLY, line("l1", "A", 2, manual_discount=manual)).lines
    # then 60 / 0.8 = 75
    assert steps(ln) == [
        (Step.PRICE, "fixed", D("120")),
        (Step.DISCOUNT, "ten-off", D("108")),
        (Step.ROUNDING, "endings", D("107.99")),
        (Step.MANUAL_DISCOUNT, None, D("64.794")),
        (Step.MARGIN_FLOOR, "floor", D("75")),
    ]
    assert chain_holds(ln)
    assert ln.net_unit_price == D("75.00")
    assert ln.net_total == D("150.00")


def test_every_step_in_order_with_a_manual_price() -> None:
    (ln,) = price(rules(STEP_RULES), A_ONLY, line("l1", "A", 2, manual_price=D("70"))).lines
    assert steps(ln) == [
        (Step.PRICE, "fixed", D("120")),
        (Step.DISCOUNT, "ten-off", D("108")),
        (Step.ROUNDING, "endings", D("107.99")),
        (Step.MANUAL_PRICE, None, D("70")),
        (Step.MARGIN_FLOOR, "floor", D("75")),
    ]
    assert chain_holds(ln)
    assert ln.net_total == D("150.00")


def test_a_manual_price_then_a_manual_discount() -> None:
    # 90 less 10% = 81: a 25.9% margin, above the floor
    (ln,) = price(
        rules(STEP_RULES),
        A_ONLY,
        line(
            "l1",
            "A",
            1,
            manual_price=D("90"),
            manual_discount=ManualDiscount(DiscountKind.PERCENT, D("10")),
        ),
    ).lines
    assert [a.step for a in ln.adjustments] == [
        Step.PRICE,
        Step.DISCOUNT,
        Step.ROUNDING,
        Step.MANUAL_PRICE,
        Step.MANUAL_DISCOUNT,
    ]
    assert chain_holds(ln)
    assert ln.net_unit_price == D("81.00")


def test_the_quote_step_comes_last_and_is_not_in_the_line_waterfall() -> None:
    quote = price(
        rules(STEP_RULES),
        A_ONLY,
        line("l1", "A", 2),
        quote_discount=ManualDiscount(DiscountKind.PERCENT, D("5")),
    )
    (ln,) = quote.lines
    assert [a.step for a in ln.adjustments] == [Step.PRICE, Step.DISCOUNT, Step.ROUNDING]
    assert ln.net_total == D("215.98")  # 2 x 107.99
    (adj,) = quote.quote_adjustments
    assert (adj.step, adj.amount) == (Step.QUOTE, D("-10.80"))  # 5% of 215.98 = 10.799
    assert ln.final_amount == D("205.18")
    assert quote.total == D("205.18")


# --- per_line vs on_total ------------------------------------------------------------------

ON_TOTAL = "settings: {name: test, rounding: on_total}\n"
PER_LINE = "settings: {name: test, rounding: per_line}\n"
# 11.66 less 25% = 8.745: half a cent
QUARTER_OFF = """
rules:
  - id: quarter
    description: 25% off
    then: {kind: discount_percent, percent: 25}
  - id: monthly
    description: Subscriptions
    applies_to: {groups: [SW]}
    then: {kind: recurring, term_months: 1}
"""
THREE = catalog(
    [item("A"), item("B"), item("C"), item("SUB", groups=("SW",), cost=None)],
    [entry(s, "11.66") for s in ("A", "B", "C", "SUB")],
)


def test_per_line_rounds_each_line_total() -> None:
    quote = price(
        rules(QUARTER_OFF, settings=PER_LINE),
        THREE,
        line("a", "A", 1),
        line("b", "B", 1),
        line("c", "C", 1),
    )
    assert quote.rounding == "per_line"
    assert [ln.net_unit_price_exact for ln in quote.lines] == [D("8.745")] * 3
    assert [ln.net_unit_price for ln in quote.lines] == [D("8.75")] * 3
    assert [ln.net_total for ln in quote.lines] == [D("8.75")] * 3
    assert quote.total == D("26.25")
    assert quote.total == sum(ln.final_amount for ln in quote.lines)


def test_on_total_keeps_line_totals_exact_and_rounds_the_quote_total_once() -> None:
    quote = price(
        rules(QUARTER_OFF, settings=ON_TOTAL),
        THREE,
        line("a", "A", 1),
        line("b", "B", 1),
        line("c", "C", 1),
    )
    assert quote.rounding == "on_total"
    assert [ln.net_unit_price for ln in quote.lines] == [D("8.75")] * 3  # shown rounded
    assert [ln.net_total for ln in quote.lines] == [D("8.745")] * 3  # kept exact
    assert quote.total == D("26.24")  # 26.235 rounded once
    assert quote.one_time_total == D("26.24")


@pytest.mark.parametrize(("settings", "total"), [(PER_LINE, "26.24"), (ON_TOTAL, "26.235")])
def test_per_line_rounds_the_line_total_not_the_unit_price(settings: str, total: str) -> None:
    # 3 x 8.745 = 26.235: per line 26.24, not 3 x 8.75 = 26.25
    (ln,) = price(rules(QUARTER_OFF, settings=settings), THREE, line("a", "A", 3)).lines
    assert ln.net_unit_price == D("8.75")
    assert ln.net_total == D(total)


def test_on_total_with_a_quote_discount_spreads_exact_cents() -> None:
    quote = price(
        rules(QUARTER_OFF, settings=ON_TOTAL),
        THREE,
        line("a", "A", 1),
        line("b", "B", 1),
        line("c", "C", 1),
        quote_discount=ManualDiscount(DiscountKind.PERCENT, D("10")),
    )
    (adj,) = quote.quote_adjustments
    assert adj.amount == D("-2.62")  # 10% of 26.235 = 2.6235
    assert sum(s for _, s in adj.shares) == adj.amount
    assert quote.total == D("23.62")  # 26.235 - 2.62 = 23.615, rounded once


def test_on_total_rounds_the_quote_total_once_with_recurring_lines() -> None:
    # given a one-time line and a one-month subscription, each 8.745
    quote = price(
        rules(QUARTER_OFF, settings=ON_TOTAL), THREE, line("a", "A", 1), line("s", "SUB", 1)
    )
    exact = sum(ln.final_amount for ln in quote.lines)
    assert exact == D("17.490")
    assert quote.total == quantize(exact, "EUR") == D("17.49")
