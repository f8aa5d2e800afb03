"""Money: ISO 4217 currencies and quantizing by each currency's minor units."""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cpq.money import is_currency, minor_units, quantize


@pytest.mark.parametrize(
    ("currency", "digits", "amount", "expected"),
    [("JPY", 0, "1234.5", "1235"), ("EUR", 2, "10.005", "10.01"), ("KWD", 3, "1.2345", "1.235")],
)
def test_quantize_by_the_currencys_minor_units(
    currency: str, digits: int, amount: str, expected: str
) -> None:
    assert minor_units(currency) == digits
    assert str(quantize(Decimal(amount), currency)) == expected


def test_the_rounding_mode_is_explicit() -> None:
    assert str(quantize(Decimal("10.005"), "EUR", ROUND_HALF_EVEN)) == "10.00"


def test_currencies_are_iso_4217_tender() -> None:
    assert is_currency("EUR") and is_currency("JPY")
    assert not is_currency("XTS") and not is_currency("EURO") and not is_currency("eur")


@given(
    st.decimals(min_value=-(10**9), max_value=10**9, allow_nan=False, allow_infinity=False),
    st.sampled_from(["JPY", "EUR", "KWD"]),
)
def test_quantizing_twice_changes_nothing(amount: Decimal, currency: str) -> None:
    once = quantize(amount, currency)
    assert quantize(once, currency) == once
