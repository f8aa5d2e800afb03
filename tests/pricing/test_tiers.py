"""Tiered prices: volume range, graduated slab and block, with their waterfall explanations."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cpq.pricing.tiers import (
    block_total,
    check_tiers,
    describe_blocks,
    describe_slab,
    range_tier,
    slab_total,
)

Schedule = tuple[list[Decimal | None], list[Decimal]]

UP_TOS: list[Decimal | None] = [Decimal(10), Decimal(50), None]
PRICES = [Decimal("95.00"), Decimal("90.00"), Decimal("80.00")]


# --- checks ----------------------------------------------------------------------------------


def test_a_good_schedule_has_no_problems() -> None:
    assert check_tiers(UP_TOS) == []
    assert check_tiers([Decimal("0.5"), Decimal(2)]) == []


@pytest.mark.parametrize(
    ("up_tos", "count"),
    [
        ([], 1),
        ([Decimal(10), Decimal(10), None], 1),  # not increasing
        ([Decimal(10), Decimal(5)], 1),
        ([None, Decimal(10)], 1),  # unbounded before the last
        ([None, None], 1),
        ([Decimal(0), Decimal(-5), Decimal(10)], 3),  # two not positive, one also decreasing
    ],
)
def test_every_problem_is_reported(up_tos: list[Decimal | None], count: int) -> None:
    assert len(check_tiers(up_tos)) == count


# --- volume range ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("quantity", "tier"),
    [("0", 0), ("1", 0), ("10", 0), ("10.5", 1), ("50", 1), ("51", 2), ("1000000", 2)],
)
def test_range_tier_is_the_first_whose_up_to_holds_the_quantity(quantity: str, tier: int) -> None:
    assert range_tier(UP_TOS, Decimal(quantity)) == tier


def test_beyond_a_bounded_last_tier_the_last_tier_applies() -> None:
    assert range_tier([Decimal(10), Decimal(50)], Decimal(100)) == 1


# --- graduated slab --------------------------------------------------------------------------


def test_slab_prices_each_tier_s_units_at_its_price() -> None:
    # when: 50 units, 10 in the first tier and 40 in the second
    total, parts = slab_total(UP_TOS, PRICES, Decimal(50))
    # then
    assert total == Decimal("4550.00")
    assert parts == ((Decimal(10), Decimal("95.00")), (Decimal(40), Decimal("90.00")))
    assert describe_slab(parts, "EUR") == "10 units at 95.00, 40 units at 90.00"


@pytest.mark.parametrize(
    ("quantity", "expected", "explained"),
    [
        ("0", "0", ""),
        ("1", "95.00", "1 unit at 95.00"),
        ("2.5", "237.500", "2.5 units at 95.00"),
        ("60", "5350.00", "10 units at 95.00, 40 units at 90.00, 10 units at 80.00"),
    ],
)
def test_slab_totals(quantity: str, expected: str, explained: str) -> None:
    total, parts = slab_total(UP_TOS, PRICES, Decimal(quantity))
    assert str(total) == expected
    assert describe_slab(parts, "EUR") == explained


def test_beyond_a_bounded_last_tier_the_rest_is_at_the_last_price() -> None:
    total, parts = slab_total([Decimal(10), Decimal(50)], PRICES[:2], Decimal(60))
    assert total == Decimal("5450.00")
    assert describe_slab(parts, "EUR") == "10 units at 95.00, 50 units at 90.00"


def test_unit_prices_finer_than_the_currency_are_shown_in_full() -> None:
    _, parts = slab_total([None], [Decimal("0.0125")], Decimal(1000))
    assert describe_slab(parts, "EUR") == "1000 units at 0.0125"


@pytest.mark.parametrize(
    ("up_tos", "prices", "quantity"),
    [
        ([Decimal(10), None], [Decimal(1)], Decimal(5)),  # a price missing
        ([], [], Decimal(5)),
        (UP_TOS, PRICES, Decimal(-1)),
    ],
)
def test_slab_refuses(
    up_tos: list[Decimal | None], prices: list[Decimal], quantity: Decimal
) -> None:
    with pytest.raises(ValueError):
        slab_total(up_tos, prices, quantity)


# --- block -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("size", "quantity", "blocks", "total"),
    [
        ("100", "0", "0", "0.00"),
        ("100", "1", "1", "25.00"),
        ("100", "100", "1", "25.00"),
        ("100", "101", "2", "50.00"),
        ("0.5", "1.2", "3", "75.00"),
        ("3", "1", "1", "25.00"),
        ("0.1", "0.3", "3", "75.00"),  # exactly three blocks, no rounding error
    ],
)
def test_every_started_block_is_charged(size: str, quantity: str, blocks: str, total: str) -> None:
    assert block_total(Decimal(size), Decimal("25.00"), Decimal(quantity)) == (
        Decimal(blocks),
        Decimal(total),
    )


def test_describe_blocks() -> None:
    blocks, _ = block_total(Decimal(100), Decimal("25.00"), Decimal(250))
    assert describe_blocks(blocks, Decimal(100), Decimal("25.00"), "EUR") == (
        "3 blocks of 100 units at 25.00"
    )
    assert describe_blocks(Decimal(1), Decimal(1), Decimal(25), "JPY") == (
        "1 block of 1 unit at 25"
    )


@pytest.mark.parametrize(("size", "quantity"), [("0", "1"), ("-1", "1"), ("10", "-1")])
def test_block_refuses(size: str, quantity: str) -> None:
    with pytest.raises(ValueError):
        block_total(Decimal(size), Decimal(1), Decimal(quantity))


# --- properties ------------------------------------------------------------------------------

quantities = st.decimals(0, 20_000, places=3)
unit_prices = st.decimals(0, 10_000, places=4)


@st.composite
def schedules(draw: st.DrawFn) -> Schedule:
    """Valid schedules: increasing bounds at least 0.01 apart, last one bounded or not."""
    bounds = draw(st.lists(st.decimals("0.01", 10_000, places=2), min_size=1, max_size=5))
    up_tos: list[Decimal | None] = list(sorted(set(bounds)))
    if draw(st.booleans()):
        up_tos.append(None)
    return up_tos, draw(st.lists(unit_prices, min_size=len(up_tos), max_size=len(up_tos)))


TINY = Decimal("0.0001")  # well inside the narrowest tier (0.01)


@given(schedules())
def test_slab_total_is_continuous_at_every_boundary(schedule: Schedule) -> None:
    up_tos, prices = schedule
    assert check_tiers(up_tos) == []
    for index, bound in enumerate(up_tos):
        if bound is None:
            continue
        price_after = prices[min(index + 1, len(prices) - 1)]
        at, _ = slab_total(up_tos, prices, bound)
        left, _ = slab_total(up_tos, prices, bound - TINY)
        right, _ = slab_total(up_tos, prices, bound + TINY)
        assert at - left == TINY * prices[index]
        assert right - at == TINY * price_after


@given(schedules(), quantities)
def test_slab_parts_explain_the_total(schedule: Schedule, quantity: Decimal) -> None:
    total, parts = slab_total(*schedule, quantity)
    assert sum(units for units, _ in parts) == quantity
    assert sum(units * price for units, price in parts) == total
    assert all(units > 0 for units, _ in parts)


@given(schedules(), quantities, quantities)
def test_slab_total_never_decreases_with_quantity(
    schedule: Schedule, first: Decimal, second: Decimal
) -> None:
    low, high = sorted((first, second))
    assert slab_total(*schedule, low)[0] <= slab_total(*schedule, high)[0]


@given(schedules(), quantities, quantities)
def test_a_bigger_volume_never_raises_a_falling_range_unit_price(
    schedule: Schedule, first: Decimal, second: Decimal
) -> None:
    up_tos, prices = schedule
    falling = sorted(prices, reverse=True)
    low, high = sorted((first, second))
    assert falling[range_tier(up_tos, low)] >= falling[range_tier(up_tos, high)]


@given(
    st.decimals("0.001", 1000, places=3),
    st.decimals(0, 10_000, places=2),
    quantities,
    quantities,
)
def test_block_total_never_decreases_and_covers_the_quantity(
    size: Decimal, price: Decimal, first: Decimal, second: Decimal
) -> None:
    low, high = sorted((first, second))
    blocks, total = block_total(size, price, low)
    assert (blocks - 1) * size < low <= blocks * size or blocks == low == 0
    assert total <= block_total(size, price, high)[1]
