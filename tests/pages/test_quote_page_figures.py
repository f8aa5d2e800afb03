"""What the quote page shows of the quote-level adjustments (an order discount, the rep's quote
discount), from the pricing engine's own output as the API stores it: the totals list each with
why, from the lines' net sum down to the total; each line's waterfall goes on from its amount
through its shares down to its final amount. And the one primary action of each status."""

from __future__ import annotations

from typing import Any

import pytest
from pricing.builders import D, catalog, entry, item, line, price, rules

from cpq.api.pricing import quote_out
from cpq.pricing.inputs import DiscountKind, ManualDiscount
from cpq.quotes.snapshot import to_json
from cpq.web.quote_page import (
    QuoteAdjustmentView,
    Step,
    before_quote_adjustments,
    line_views,
    primary_action,
    quote_adjustments,
)

VOLUME = """
rules:
  - id: volume
    description: Order volume
    then:
      kind: order_discount
      basis: amount
      tiers: [{threshold: 1000, percent: 5}]
"""
ASKED = [{"id": "a"}, {"id": "b"}, {"id": "c"}]


def _priced(quote_discount: str | None) -> dict[str, Any]:
    """700.00 + 99.99 + 250.01 = 1050.00: 5% order volume off, then the rep's discount."""
    cat = catalog(
        [item("A"), item("B"), item("C")],
        [entry("A", "100"), entry("B", "33.33"), entry("C", "250.01")],
    )
    given = ManualDiscount(DiscountKind.PERCENT, D(quote_discount)) if quote_discount else None
    quote = price(
        rules(VOLUME),
        cat,
        line("a", "A", 7),
        line("b", "B", 3),
        line("c", "C", 1),
        quote_discount=given,
    )
    stored: dict[str, Any] = to_json(quote_out(quote))
    return stored


def test_the_totals_list_each_quote_adjustment_with_why() -> None:
    priced = _priced("10")

    adjustments = quote_adjustments(priced)

    assert adjustments == (
        QuoteAdjustmentView(
            "Order discount",
            "Order volume: 5% off, amount 1050 reached 1000",
            "-52.50",
        ),
        QuoteAdjustmentView("Quote discount", "10% off the quote by the rep", "-99.75"),
    )
    assert priced["totals"]["total"] == "897.75"
    # 1050.00 - 52.50 - 99.75 = 897.75: the lines' net sum, before any quote adjustment
    assert before_quote_adjustments(priced["totals"]["total"], adjustments) == D("1050.00")


def test_each_line_waterfall_goes_on_through_its_shares_to_its_final_amount() -> None:
    a, b, c = line_views(_priced("10"), ASKED)

    assert a.quote_shares == (
        Step("Order discount, this line's share", None, D("700.00"), D("665.00"), D("-35.00")),
        Step("Quote discount, this line's share", None, D("665.00"), D("598.50"), D("-66.50")),
    )
    # 99.75 split 66.50 / 9.50 / 23.75 (9.499 takes the left-over cent: largest remainder)
    assert [s.amount for s in b.quote_shares] == [D("-5.00"), D("-9.50")]
    assert [s.amount for s in c.quote_shares] == [D("-12.50"), D("-23.75")]
    for view in (a, b, c):
        assert view.quote_shares[0].before == D(view.amount)
        assert view.quote_shares[-1].after == D(view.final_amount)


def test_without_quote_adjustments_the_lines_end_at_their_amount() -> None:
    cat = catalog([item("A")], [entry("A", "100")])
    priced: dict[str, Any] = to_json(quote_out(price(rules("rules: []\n"), cat, line("a", "A", 2))))

    (a,) = line_views(priced, [{"id": "a"}])

    assert quote_adjustments(priced) == ()
    assert a.quote_shares == ()
    assert before_quote_adjustments(priced["totals"]["total"], ()) == D("200.00")


@pytest.mark.parametrize(
    ("status", "actions", "has_lines", "primary"),
    [
        ("draft", ["edit", "submit", "cancel"], True, "submit"),
        ("draft", ["edit", "submit", "cancel"], False, None),
        ("pending_approval", ["edit", "recall", "cancel"], True, None),
        ("approved", ["send", "cancel", "revise"], True, "pdf"),
        ("sent", ["accept", "decline", "cancel", "revise"], True, "pdf"),
        ("rejected", ["edit", "cancel", "revise"], True, "revise"),
        ("expired", ["revise"], True, "revise"),
        ("accepted", [], True, None),
        ("approved", [], True, "pdf"),  # an older version, or someone else's: read only
    ],
)
def test_one_primary_action_per_status(
    status: str, actions: list[str], has_lines: bool, primary: str | None
) -> None:
    assert primary_action(status, actions, has_lines) == primary
