"""Price endings: round to a multiple, then end on a figure (x.99, multiples of 5, of 0.05)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cpq.pricing.endings import apply_ending, describe_ending
from cpq.pricing.rules.model import Ending


@pytest.mark.parametrize(
    ("price", "multiple", "ending", "direction", "expected"),
    [
        ("123.40", "1", "0.99", "nearest", "122.99"),
        ("123.60", "1", "0.99", "nearest", "123.99"),
        ("123.40", "1", "0.99", "up", "123.99"),
        ("123.60", "1", "0.99", "down", "122.99"),
        ("122.99", "1", "0.99", "up", "122.99"),  # already on the ending
        ("122", "5", "0", "nearest", "120"),
        ("123", "5", "0", "nearest", "125"),
        ("122.50", "5", "0", "nearest", "125.00"),  # a tie rounds up
        ("1.02", "0.05", "0", "nearest", "1.00"),
        ("1.03", "0.05", "0", "nearest", "1.05"),
        ("1.00", "0.03", "0", "nearest", "0.99"),  # a multiple that 1 does not divide exactly
        ("1234", "10", "9", "nearest", "1239"),
        ("0.30", "1", "0.99", "nearest", "0"),  # would be -0.01: clamped at zero
    ],
)
def test_apply_ending(
    price: str, multiple: str, ending: str, direction: str, expected: str
) -> None:
    # given
    rounding = Ending(Decimal(multiple), Decimal(ending), direction)
    # when
    result = apply_ending(Decimal(price), rounding)
    # then
    assert str(result) == expected


@pytest.mark.parametrize(
    ("multiple", "ending", "direction"),
    [
        ("0", "0", "nearest"),  # no multiple
        ("-1", "0", "nearest"),
        ("1", "1", "nearest"),  # the ending must be below the multiple
        ("1", "-0.01", "nearest"),
        ("1", "0.99", "sideways"),
    ],
)
def test_invalid_endings_are_refused(multiple: str, ending: str, direction: str) -> None:
    with pytest.raises(ValueError):
        apply_ending(Decimal(10), Ending(Decimal(multiple), Decimal(ending), direction))


@pytest.mark.parametrize(
    ("ending", "expected"),
    [
        (Ending(Decimal("1.00"), Decimal("0.99")), "rounded to the nearest 1, ending in 0.99"),
        (Ending(Decimal("5"), direction="up"), "rounded up to a multiple of 5"),
        (Ending(Decimal("0.05"), direction="down"), "rounded down to a multiple of 0.05"),
    ],
)
def test_describe_ending(ending: Ending, expected: str) -> None:
    assert describe_ending(ending) == expected


# --- properties ------------------------------------------------------------------------------

MULTIPLES = [Decimal(m) for m in ("0.01", "0.03", "0.05", "0.1", "0.5", "1", "5", "10", "100")]
prices = st.decimals(0, 10**7, places=2)


@st.composite
def endings(draw: st.DrawFn) -> Ending:
    multiple = draw(st.sampled_from(MULTIPLES))
    cents = int(multiple * 100)
    ending = Decimal(draw(st.integers(0, cents - 1))) / 100
    return Ending(multiple, ending, draw(st.sampled_from(["nearest", "up", "down"])))


def offset_of(ending: Ending) -> Decimal:
    return (ending.multiple - ending.ending) % ending.multiple


@given(prices, endings())
def test_the_result_has_the_ending_unless_clamped_at_zero(price: Decimal, ending: Ending) -> None:
    result = apply_ending(price, ending)
    assert result >= 0
    assert result == 0 or (result + offset_of(ending)) % ending.multiple == 0


@given(prices, endings())
def test_applying_an_ending_twice_changes_nothing(price: Decimal, ending: Ending) -> None:
    once = apply_ending(price, ending)
    assert apply_ending(once, ending) == once


@given(prices, endings())
def test_the_direction_is_kept(price: Decimal, ending: Ending) -> None:
    result = apply_ending(price, ending)
    # Zero without the ending means clamped: only then may a result stray.
    clamped = result == 0 and offset_of(ending) != 0
    if ending.direction == "up":
        assert result >= price
    elif ending.direction == "down":
        assert result <= price
    elif not clamped:
        assert abs(result - price) <= ending.multiple / 2
