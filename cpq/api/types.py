"""Field types shared by the request and response schemas."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import Field, PlainSerializer, StringConstraints

# Exact decimals as JSON strings, without exponents ("0.000", never "0E-3").
Money = Annotated[
    Decimal, PlainSerializer(lambda d: format(d, "f"), return_type=str, when_used="json")
]
Code = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Quantity = Annotated[Decimal, Field(gt=0, le=Decimal("1e12"), decimal_places=6)]
Amount = Annotated[Decimal, Field(ge=0, le=Decimal("1e12"), decimal_places=6)]
Percent = Annotated[Decimal, Field(ge=0, le=100, decimal_places=6)]
Term = Annotated[int, Field(ge=1, le=600)]
