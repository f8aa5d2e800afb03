"""Smart re-approval: a level approved earlier stands unless what its rules read got worse."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest
from approval_builders import D, figures, policy
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from cpq.approvals.figures import QuoteFigures
from cpq.approvals.policy import LevelRequirement, required_levels
from cpq.approvals.reapproval import got_worse, still_approved

POLICY = policy(
    """
    rules:
      - {id: line-10, description: Line over 10%, when: max_line_discount_percent > 10, level: manager}
      - {id: quote-5, description: Quote over 5%, when: total_discount_percent > 5, level: manager}
      - id: edge
        description: Edge gateways discounted
        when: '"HW-GW-EDGE" in groups and total_discount_percent > 0'
        level: manager
      - {id: big, description: Over 100k, when: total_amount > 100000, level: director}
      - id: big-local
        description: Over 150k in the quote's currency
        when: currency in ["EUR", "USD"] and total > 150000
        level: director
      - {id: many, description: Many lines, when: line_count > 50, level: director}
      - {id: margin, description: Margin below 25%, when: margin_percent < 25, level: finance}
      - id: terms
        description: Long terms
        when: payment_terms != null and payment_terms not in ["NET30"]
        level: finance
      - {id: public, description: Public sector, when: segment == "public-sector", level: finance}
      - {id: sku, description: A special SKU, when: '"SPECIAL" in skus', level: finance}
    """
)


def level(found: QuoteFigures, code: str) -> LevelRequirement:
    (requirement,) = [r for r in required_levels(POLICY, found) if r.level.code == code]
    return requirement


def stands(then: QuoteFigures, now: QuoteFigures, code: str) -> bool:
    return still_approved(level(then, code), then, level(now, code), now)


THEN = figures(max_line_discount_percent=15, total_discount_percent=8)


def test_lowering_a_discount_keeps_the_approval() -> None:
    assert stands(THEN, replace(THEN, max_line_discount_percent=D(12)), "manager")
    assert stands(THEN, THEN, "manager")


def test_raising_a_discount_the_rules_read_loses_it() -> None:
    assert not stands(THEN, replace(THEN, max_line_discount_percent=D("15.0001")), "manager")
    assert not stands(THEN, replace(THEN, total_discount_percent=D(9)), "manager")


def test_a_rule_that_triggers_now_but_did_not_then_loses_it() -> None:
    then = figures(max_line_discount_percent=15)
    now = figures(max_line_discount_percent=12, total_discount_percent=6)

    assert not stands(then, now, "manager")


def test_a_rule_no_longer_triggering_does_not_matter() -> None:
    # Then both manager rules; now only the line rule, with a lower line discount.
    now = replace(THEN, max_line_discount_percent=D(11), total_discount_percent=D(2))

    assert stands(THEN, now, "manager")


def test_facts_the_rules_do_not_read_do_not_matter() -> None:
    now = replace(
        THEN, total=D(99_000), total_amount=D(99_000), margin_percent=D(26), segment="smb"
    )

    assert stands(THEN, now, "manager")


def test_a_new_product_group_a_rule_looks_for_loses_it() -> None:
    then = figures(groups=frozenset({"HW", "HW-GW", "HW-GW-EDGE"}), total_discount_percent=2)

    assert stands(then, replace(then, groups=frozenset({"HW", "HW-GW-EDGE"})), "manager")
    assert not stands(then, replace(then, groups=then.groups | {"SVC"}), "manager")


def test_a_changed_text_fact_loses_it() -> None:
    then = figures(payment_terms="NET60")

    assert stands(then, then, "finance")
    assert not stands(then, replace(then, payment_terms="NET45"), "finance")


def test_a_quote_currency_amount_in_another_currency_is_not_comparable() -> None:
    then = figures(currency="EUR", total=200_000, total_amount=200_000)
    now = figures(currency="USD", total=190_000, total_amount=100_000)

    # big-local reads total (and so the currency): changed; big alone would have stood.
    assert not stands(then, now, "director")
    lower = figures(currency="EUR", total=190_000, total_amount=190_000)
    assert stands(then, lower, "director")


def test_an_unjudged_trigger_never_stands() -> None:
    unknown = figures(margin_percent=None)
    known = figures(margin_percent=20)

    assert not stands(unknown, unknown, "finance")
    assert not stands(unknown, known, "finance")
    assert not stands(known, unknown, "finance")
    assert stands(known, figures(margin_percent=21), "finance")


def test_an_approval_for_another_level_never_stands() -> None:
    manager = level(THEN, "manager")
    finance = level(figures(margin_percent=10), "finance")

    assert not still_approved(manager, THEN, finance, THEN)


@pytest.mark.parametrize(
    ("fact", "then", "now", "worse"),
    [
        ("total", D(10), D(11), True),
        ("total", D(10), D(9), False),
        ("line_count", 3, 4, True),
        ("margin_percent", D(30), D(29), True),
        ("margin_percent", D(30), D(31), False),
        ("margin_percent", D(30), None, True),
        ("skus", frozenset({"A"}), frozenset(), False),
        ("skus", frozenset({"A"}), frozenset({"A", "B"}), True),
        ("customer", None, "C-1", True),
        ("customer", "C-1", "C-1", False),
    ],
)
def test_which_way_is_worse(fact: str, then: object, now: object, worse: bool) -> None:
    assert got_worse(fact, figures(**{fact: then}), figures(**{fact: now})) is worse


# Hypothesis: random figures, and changes that make each fact no worse (or one fact worse).
percents = st.decimals(min_value=0, max_value=60, places=4)
amounts = st.decimals(min_value=0, max_value=400_000, places=2)
GROUPS = ["HW", "HW-GW", "HW-GW-EDGE", "SVC", "SOL-KIT"]


@st.composite
def quote_figures(draw: st.DrawFn) -> QuoteFigures:
    total = draw(amounts)
    return figures(
        currency=draw(st.sampled_from(["EUR", "USD"])),
        total=total,
        total_amount=draw(amounts),
        list_total=total + draw(amounts),
        max_line_discount_percent=draw(percents),
        total_discount_percent=draw(percents),
        list_discount_percent=draw(percents),
        margin_percent=draw(st.decimals(min_value=-20, max_value=80, places=4)),
        payment_terms=draw(st.sampled_from([None, "NET30", "NET60"])),
        segment=draw(st.sampled_from([None, "smb", "public-sector"])),
        skus=frozenset(draw(st.lists(st.sampled_from(["A", "B", "SPECIAL"])))),
        groups=frozenset(draw(st.lists(st.sampled_from(GROUPS)))),
        line_count=draw(st.integers(1, 80)),
    )


def _less(draw: st.DrawFn, value: Decimal) -> Decimal:
    return value - draw(st.decimals(min_value=0, max_value=value, places=2)) if value > 0 else value


@st.composite
def no_worse(draw: st.DrawFn, then: QuoteFigures) -> QuoteFigures:
    """``then`` changed so that no fact gets worse."""
    assert then.total_amount is not None and then.margin_percent is not None
    return replace(
        then,
        total=_less(draw, then.total),
        total_amount=_less(draw, then.total_amount),
        list_total=_less(draw, then.list_total),
        max_line_discount_percent=_less(draw, then.max_line_discount_percent),
        total_discount_percent=_less(draw, then.total_discount_percent),
        list_discount_percent=_less(draw, then.list_discount_percent),
        margin_percent=then.margin_percent + draw(st.decimals(min_value=0, max_value=30, places=2)),
        skus=frozenset(s for s in then.skus if draw(st.booleans())),
        groups=frozenset(g for g in then.groups if draw(st.booleans())),
        line_count=draw(st.integers(0, then.line_count)),
    )


@settings(max_examples=200, deadline=None)
@given(st.data(), quote_figures())
def test_a_change_that_makes_nothing_worse_keeps_every_level(
    data: st.DataObject, then: QuoteFigures
) -> None:
    now = data.draw(no_worse(then))
    before = {r.level.code: r for r in required_levels(POLICY, then)}

    for requirement in required_levels(POLICY, now):
        assert requirement.level.code in before  # monotone rules: nothing new is needed
        assert still_approved(before[requirement.level.code], then, requirement, now)


WORSENINGS = {
    "max_line_discount_percent": lambda f, step: replace(
        f, max_line_discount_percent=f.max_line_discount_percent + step
    ),
    "total_discount_percent": lambda f, step: replace(
        f, total_discount_percent=f.total_discount_percent + step
    ),
    "total_amount": lambda f, step: replace(f, total_amount=f.total_amount + step),
    "total": lambda f, step: replace(f, total=f.total + step),
    "line_count": lambda f, step: replace(f, line_count=f.line_count + 1),
    "margin_percent": lambda f, step: replace(f, margin_percent=f.margin_percent - step),
    "payment_terms": lambda f, step: replace(f, payment_terms="NET90"),
    "segment": lambda f, step: replace(f, segment="other"),
    "skus": lambda f, step: replace(f, skus=f.skus | {"NEW"}),
    "groups": lambda f, step: replace(f, groups=f.groups | {"NEW-GROUP"}),
    "currency": lambda f, step: replace(f, currency="GBP" if f.currency != "GBP" else "EUR"),
}


TEXT_FACTS = frozenset({"payment_terms", "segment", "currency"})


@settings(max_examples=200, deadline=None)
@given(
    quote_figures(),
    st.decimals(min_value=D("0.0001"), max_value=50, places=4),
    st.data(),
)
def test_making_a_fact_a_triggering_rule_reads_worse_loses_its_level(
    then: QuoteFigures, step: Decimal, data: st.DataObject
) -> None:
    required = required_levels(POLICY, then)
    assume(required)
    requirement = data.draw(st.sampled_from(required))
    trigger = data.draw(st.sampled_from(requirement.triggers))
    fact = data.draw(st.sampled_from(sorted(trigger.facts)))
    now = WORSENINGS[fact](then, step)
    found = [r for r in required_levels(POLICY, now) if r.level.code == requirement.level.code]

    if fact in TEXT_FACTS:
        # Changed text may stop the rule (a segment it names); then its level may well stand.
        assume(found and trigger.rule_id in {t.rule_id for t in found[0].triggers})
    # Still needed (the rule reads a worse figure: monotone), and the approval does not stand.
    assert found
    assert trigger.rule_id in {t.rule_id for t in found[0].triggers}
    assert not still_approved(requirement, then, found[0], now)
