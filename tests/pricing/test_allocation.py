"""Spreading a quote-level amount over lines: exact sums, determinism, no line pushed below zero."""

from __future__ import annotations

from decimal import ROUND_FLOOR, Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cpq.money import minor_units, quantize
from cpq.pricing.allocation import allocate

CURRENCIES = ["EUR", "JPY", "KWD"]


def d(*values: str) -> tuple[Decimal, ...]:
    return tuple(Decimal(v) for v in values)


@pytest.mark.parametrize(
    ("total", "weights", "currency", "expected"),
    [
        # a tie in the remainders goes to the earliest line
        ("100.00", ("1", "1", "1"), "EUR", ("33.34", "33.33", "33.33")),
        ("100", ("1", "1", "1"), "JPY", ("34", "33", "33")),
        ("1.000", ("2", "1"), "KWD", ("0.667", "0.333")),
        # the largest remainder wins, wherever it is: 8.33 and 1.67 cents
        ("0.10", ("5", "1"), "EUR", ("0.08", "0.02")),
        # a discount: every share negative
        ("-10.00", ("50.00", "30.00", "20.00"), "EUR", ("-5.00", "-3.00", "-2.00")),
        # all weights zero: spread equally
        ("0.05", ("0", "0", "0"), "EUR", ("0.02", "0.02", "0.01")),
        ("0.00", ("3.00", "4.00"), "EUR", ("0.00", "0.00")),
    ],
)
def test_allocate_by_largest_remainder(
    total: str, weights: tuple[str, ...], currency: str, expected: tuple[str, ...]
) -> None:
    # when
    shares = allocate(Decimal(total), d(*weights), currency)
    # then: the exact figures, down to the written digits
    assert [str(s) for s in shares] == list(expected)


def test_a_share_never_exceeds_its_weight_even_when_the_largest_remainder_would() -> None:
    # given: ideal shares of 0.62 and 1.38 cents; plain largest remainder gives the first line
    # 1 cent, more than its 0.009
    weights = d("0.009", "0.020")
    # when
    shares = allocate(Decimal("-0.02"), weights, "EUR")
    # then: the cent goes to the next line in line, and no line goes below zero
    assert [str(s) for s in shares] == ["0.00", "-0.02"]


def test_weights_finer_than_minor_units_fall_back_to_plain_largest_remainder() -> None:
    # given: no split of one cent keeps both shares within 0.005
    # when
    shares = allocate(Decimal("0.01"), d("0.005", "0.005"), "EUR")
    # then
    assert [str(s) for s in shares] == ["0.01", "0.00"]


def test_nothing_to_allocate_over_nothing() -> None:
    assert allocate(Decimal("0.00"), (), "EUR") == ()


@pytest.mark.parametrize(
    ("total", "weights"),
    [
        ("5.00", ()),  # no lines to carry a non-zero amount
        ("5.00", ("1", "-1")),  # a negative weight
        ("5.001", ("1",)),  # not in EUR minor units
        ("5.00", ("NaN",)),
    ],
)
def test_allocate_refuses(total: str, weights: tuple[str, ...]) -> None:
    with pytest.raises(ValueError):
        allocate(Decimal(total), d(*weights), "EUR")


# --- properties ------------------------------------------------------------------------------

AMOUNT = 10**7


@st.composite
def allocations(draw: st.DrawFn) -> tuple[Decimal, list[Decimal], str]:
    currency = draw(st.sampled_from(CURRENCIES))
    total = draw(st.decimals(-AMOUNT, AMOUNT, places=minor_units(currency)))
    weights = draw(
        st.lists(
            st.decimals(0, AMOUNT, places=draw(st.integers(0, 4))) | st.just(Decimal(0)),
            min_size=1,
            max_size=12,
        )
    )
    return total, weights, currency


@st.composite
def capped_allocations(draw: st.DrawFn) -> tuple[Decimal, list[Decimal], str]:
    """Totals no larger than the weights, each rounded down to minor units, can hold."""
    currency = draw(st.sampled_from(CURRENCIES))
    weights = draw(
        st.lists(st.decimals(0, AMOUNT, places=draw(st.integers(0, 4))), min_size=1, max_size=12)
    )
    room = sum(quantize(w, currency, ROUND_FLOOR) for w in weights)
    total = draw(st.decimals(-room, room, places=minor_units(currency)))
    return total, weights, currency


@given(allocations())
def test_shares_sum_exactly_to_the_total(case: tuple[Decimal, list[Decimal], str]) -> None:
    total, weights, currency = case
    shares = allocate(total, weights, currency)
    assert len(shares) == len(weights)
    assert sum(shares) == total
    assert all(quantize(s, currency) == s for s in shares)


@given(allocations())
def test_allocation_is_deterministic(case: tuple[Decimal, list[Decimal], str]) -> None:
    total, weights, currency = case
    assert allocate(total, weights, currency) == allocate(total, list(weights), currency)


@given(allocations())
def test_every_share_has_the_sign_of_the_total(case: tuple[Decimal, list[Decimal], str]) -> None:
    total, weights, currency = case
    for share in allocate(total, weights, currency):
        assert share == 0 or (share > 0) == (total > 0)


@given(capped_allocations())
def test_no_share_exceeds_its_weight(case: tuple[Decimal, list[Decimal], str]) -> None:
    total, weights, currency = case
    shares = allocate(total, weights, currency)
    assert all(abs(s) <= w for s, w in zip(shares, weights, strict=True))
