"""Response schemas of the read-only catalog and the sync history."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, Field

T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    data: list[T]
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next page; null on the last page."
    )
    catalog_version: int | None = Field(
        description="The catalog version every row of this listing comes from."
    )


class ProductSummary(BaseModel):
    sku: str
    name: str
    description: str | None
    base_unit: str
    product_group: str | None
    brand: str | None
    active: bool


class GroupRef(BaseModel):
    code: str
    name: str


class SalesUnit(BaseModel):
    unit: str
    factor: Decimal = Field(description="Base units in one of this unit.")


class Price(BaseModel):
    price_list: str
    currency: str
    unit: str
    min_quantity: Decimal
    valid_from: date | None
    valid_to: date | None
    customer: str | None
    unit_price: Decimal


class ProductDetail(ProductSummary):
    catalog_version: int
    group_path: list[GroupRef]
    units: list[SalesUnit]
    prices: list[Price]


class PriceListOut(BaseModel):
    code: str
    name: str
    currency: str
    kind: str
    valid_from: date | None
    valid_to: date | None
    active: bool


class CustomerOut(BaseModel):
    external_id: str
    name: str
    segment: str | None
    territory: str | None
    default_currency: str | None
    contract_price_list: str | None
    active: bool


class ProductModelOut(BaseModel):
    code: str
    name: str
    sku: str
    file: str
    definition: dict[str, Any] = Field(description="Option groups and options, as authored.")


class SyncRunOut(BaseModel):
    id: int
    status: str = Field(description="running, succeeded, unchanged, failed or interrupted")
    source: str
    profile: str
    started_at: datetime
    finished_at: datetime | None
    catalog_version_id: int | None
    error_count: int
    warning_count: int
    timings: dict[str, float]
    diff: dict[str, Any]
    issues: list[dict[str, Any]]
    message: str | None
    mode: str | None = Field(
        description="full: the whole export was read; lines: only its changed lines"
    )
