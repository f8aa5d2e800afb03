"""Guided discounting: the largest discount within the allowed levels, found in few repricings."""

from __future__ import annotations

import math
from collections.abc import Callable, Collection
from decimal import Decimal

import pytest
from approval_builders import D, figures, policy
from hypothesis import given, settings
from hypothesis import strategies as st

from cpq.approvals.figures import QuoteFigures
from cpq.approvals.guidance import Guidance, guidance, largest_discount
from cpq.approvals.policy import Policy, required_levels

POLICY = policy(
    """
    rules:
      - {id: m, description: Over 10%, when: total_discount_percent > 10, level: manager}
      - {id: d, description: Over 20%, when: total_discount_percent > 20, level: director}
      - {id: f, description: Margin below 25%, when: margin_percent < 25, level: finance}
    """
)


class Repricer:
    """A quote at 40% margin before discount; each percent off costs a point of margin."""

    def __init__(self, margin: str = "40") -> None:
        self.margin = D(margin)
        self.calls: list[Decimal] = []

    def __call__(self, discount: Decimal) -> QuoteFigures:
        self.calls.append(discount)
        return figures(total_discount_percent=discount, margin_percent=self.margin - discount)


def test_the_largest_discount_needing_no_approval_is_the_threshold_itself() -> None:
    reprice = Repricer()

    assert largest_discount(reprice, POLICY, ()) == D("10.00")
    # 0..100 in hundredths: 10,001 candidates, found in at most log2(10000) + 2 repricings.
    assert len(reprice.calls) <= math.ceil(math.log2(10_000)) + 2


def test_within_a_level() -> None:
    # The manager may approve up to 20%; finance is needed past 15% (margin 25).
    assert largest_discount(Repricer(), POLICY, {"manager"}) == D("15.00")
    assert largest_discount(Repricer("60"), POLICY, {"manager"}) == D("20.00")
    assert largest_discount(Repricer("60"), POLICY, {"manager", "director"}) == D("35.00")


def test_an_inclusive_threshold_stops_one_step_below() -> None:
    strict = policy(
        "rules:\n  - {id: m, description: 10% or more, when: total_discount_percent >= 10,"
        " level: manager}\n"
    )

    assert largest_discount(Repricer(), strict, ()) == D("9.99")
    assert largest_discount(Repricer(), strict, (), precision=D("0.5")) == D("9.5")


def test_none_when_even_no_discount_needs_more() -> None:
    assert largest_discount(Repricer("20"), POLICY, ()) is None
    assert largest_discount(Repricer("20"), POLICY, {"manager", "finance"}) == D("20.00")


def test_the_upper_bound_when_nothing_ever_needs_more() -> None:
    reprice = Repricer("200")

    assert largest_discount(reprice, POLICY, {"manager", "director"}, upper=D(30)) == D("30.00")
    assert reprice.calls == [D(0), D("30.00")]


def test_a_bad_precision_is_refused() -> None:
    with pytest.raises(ValueError):
        largest_discount(Repricer(), POLICY, (), precision=D(0))


def test_guidance_covers_the_levels_below_the_highest_needed_now() -> None:
    reprice = Repricer()
    now = required_levels(POLICY, reprice(D(30)))
    assert [r.level.code for r in now] == ["manager", "director", "finance"]

    found = guidance(POLICY, reprice, now)

    assert found == Guidance(
        no_approval=D("10.00"), within={"manager": D("15.00"), "director": D("15.00")}
    )


def test_guidance_with_only_the_first_level_needed() -> None:
    reprice = Repricer("60")
    now = required_levels(POLICY, reprice(D(12)))

    assert guidance(POLICY, reprice, now) == Guidance(no_approval=D("10.00"), within={})


def test_guidance_reprices_each_discount_once() -> None:
    reprice = Repricer()
    now = required_levels(POLICY, reprice(D(30)))
    reprice.calls.clear()

    guidance(POLICY, reprice, now)

    assert len(reprice.calls) == len(set(reprice.calls))
    assert len(reprice.calls) <= 3 * (math.ceil(math.log2(10_000)) + 2)


LEVELS = ("manager", "director", "finance")


@st.composite
def monotone_policies(draw: st.DrawFn) -> Policy:
    """One to four rules, each needing a level above some discount or below some margin."""
    lines = ["rules:"]
    for n in range(draw(st.integers(1, 4))):
        level = draw(st.sampled_from(LEVELS))
        threshold = draw(st.decimals(min_value=0, max_value=100, places=2))
        fact, op = draw(
            st.sampled_from(
                [
                    ("total_discount_percent", ">"),
                    ("total_discount_percent", ">="),
                    ("margin_percent", "<"),
                    ("margin_percent", "<="),
                ]
            )
        )
        when = f"{fact} {op} {threshold:f}"
        lines.append(f"  - {{id: r{n}, description: R{n}, when: {when}, level: {level}}}")
    return policy("\n".join(lines) + "\n")


def needs_only(
    reprice: Callable[[Decimal], QuoteFigures],
    found: Policy,
    allowed: Collection[str],
    d: Decimal,
) -> bool:
    return all(r.level.code in allowed for r in required_levels(found, reprice(d)))


@settings(max_examples=150, deadline=None)
@given(
    monotone_policies(),
    st.frozensets(st.sampled_from(LEVELS)),
    st.sampled_from([D("1"), D("0.5"), D("0.01")]),
    st.decimals(min_value=0, max_value=100, places=2),
)
def test_the_answer_fits_and_one_step_more_does_not(
    found: Policy, allowed: frozenset[str], precision: Decimal, margin: Decimal
) -> None:
    reprice = Repricer(str(margin))

    answer = largest_discount(reprice, found, allowed, precision=precision)

    assert len(reprice.calls) <= math.ceil(math.log2(100 / precision)) + 2
    if answer is None:
        assert not needs_only(reprice, found, allowed, D(0))
        return
    assert D(0) <= answer <= D(100)
    assert answer % precision == 0
    assert needs_only(reprice, found, allowed, answer)
    if answer + precision <= D(100):
        assert not needs_only(reprice, found, allowed, answer + precision)
