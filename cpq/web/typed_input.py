"""Numbers as a rep types them on a phone: ``12,5`` or ``12.5 %`` too, checked before any
service sees them; each refusal names its field."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from fastapi import Form

from cpq.errors import InvalidInput

Typed = Annotated[str, Form(max_length=30)]  # a number as typed; checked here
MAX_QUANTITY = Decimal("1e12")


def number(text: str, field: str) -> Decimal | None:
    """A number as typed; None when empty."""
    cleaned = text.strip().removesuffix("%").strip().replace(",", ".")
    if not cleaned:
        return None
    try:
        value = Decimal(cleaned)
    except ArithmeticError:
        raise InvalidInput(f"{text!r} is not a number", field=field) from None
    exponent = value.as_tuple().exponent
    if not value.is_finite() or not isinstance(exponent, int) or exponent < -6:
        raise InvalidInput(f"{text!r}: give a number with at most 6 decimals", field=field)
    return value


def percent(text: str, field: str) -> Decimal | None:
    """A typed discount: empty is none; else a percent from 0 to 100."""
    value = number(text, field)
    if value is not None and not Decimal(0) <= value <= Decimal(100):
        raise InvalidInput("a discount is a percent from 0 to 100", field=field)
    return value


def quantity(text: str) -> Decimal:
    value = number(text, "quantity")
    if value is None or not Decimal(0) < value <= MAX_QUANTITY:
        raise InvalidInput("a quantity is a number above 0", field="quantity")
    return value
