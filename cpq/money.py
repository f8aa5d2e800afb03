"""Currencies (ISO 4217, via Babel) and Decimal quantization by each currency's minor units."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

from babel.numbers import get_currency_precision, list_currencies

# Codes Babel lists that are not tender an ERP prices in (funds, precious metals, testing).
_NOT_TENDER = frozenset({"XAG", "XAU", "XPD", "XPT", "XTS", "XXX", "XBA", "XBB", "XBC", "XBD"})


@lru_cache(maxsize=1)
def iso_currencies() -> frozenset[str]:
    return frozenset(c for c in list_currencies() if len(c) == 3 and c not in _NOT_TENDER)


def is_currency(code: str) -> bool:
    return code in iso_currencies()


@lru_cache(maxsize=512)
def minor_units(currency: str) -> int:
    """Digits after the decimal point for ``currency`` (JPY 0, EUR 2, KWD 3)."""
    return int(get_currency_precision(currency))


@lru_cache(maxsize=512)
def minor_unit(currency: str) -> Decimal:
    """The currency's smallest unit: 0.01 for EUR, 1 for JPY, 0.001 for KWD."""
    return Decimal(1).scaleb(-minor_units(currency))


def quantize(amount: Decimal, currency: str, rounding: str = ROUND_HALF_UP) -> Decimal:
    """Round ``amount`` to the currency's minor units with an explicit rounding mode."""
    return amount.quantize(minor_unit(currency), rounding=rounding)
