"""Table models (persistence only: input is validated elsewhere, SQLModel tables skip it).

Catalog rows are versioned: a row belongs to every catalog version from ``version_from`` up to,
not including, ``version_to`` (NULL: still current). A sync closes changed rows and inserts their
new versions, so a 1% change writes about 1% of the rows, and any catalog version can be read back.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Column, Index, LargeBinary, MetaData, Text, text
from sqlmodel import Field, SQLModel

from cpq.db.types import ExactDecimal

SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata: MetaData = SQLModel.metadata

CURRENT = text("version_to IS NULL")


def _money() -> Any:
    return Field(default=None, sa_type=ExactDecimal())


class CatalogVersion(SQLModel, table=True):
    __tablename__ = "catalog_versions"
    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime
    sync_run_id: int = Field(index=True)


class SyncRun(SQLModel, table=True):
    __tablename__ = "sync_runs"
    id: int | None = Field(default=None, primary_key=True)
    status: str = Field(
        max_length=16, index=True
    )  # running, succeeded, unchanged, failed, interrupted
    source: str = Field(sa_type=Text)
    profile: str = Field(max_length=200)
    started_at: datetime
    finished_at: datetime | None = None
    catalog_version_id: int | None = None  # the version created, or the one found unchanged
    error_count: int = 0
    warning_count: int = 0
    timings: dict[str, float] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    diff: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    issues: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    message: str | None = Field(default=None, sa_type=Text)
    # full: the whole export was read; lines: only the lines changed since the last sync
    mode: str | None = Field(default=None, max_length=8)


class RawSnapshot(SQLModel, table=True):
    """The export text an entity's current rows were synced from (canonical CSV only), so the
    next sync can find the changed rows by comparing lines instead of parsing everything.
    Written in the same transaction as the rows; removed when the rows change any other way or
    when an entity they refer to changes."""

    __tablename__ = "raw_snapshots"
    entity: str = Field(primary_key=True, max_length=50)
    catalog_version: int
    clean: bool  # the run that wrote it reported no warnings
    digest: str = Field(max_length=64)  # SHA-256 of the text: unchanged exports are never loaded
    content: bytes = Field(sa_type=LargeBinary)  # zlib-compressed UTF-8


class _Versioned(SQLModel):
    id: int | None = Field(default=None, primary_key=True)
    version_from: int
    version_to: int | None = None
    row_hash: str = Field(max_length=32)


def _current_unique(table: str, *columns: str) -> Index:
    return Index(
        f"uq_{table}_current", *columns, unique=True, sqlite_where=CURRENT, postgresql_where=CURRENT
    )


class ProductGroupRow(_Versioned, table=True):
    __tablename__ = "product_groups"
    __table_args__ = (_current_unique("product_groups", "code"),)
    code: str = Field(max_length=200)
    name: str = Field(sa_type=Text)
    parent: str | None = Field(default=None, max_length=200)
    active: bool = True


class ItemRow(_Versioned, table=True):
    __tablename__ = "items"
    __table_args__ = (
        _current_unique("items", "sku"),
        Index("ix_items_sku_version", "sku", "version_from"),
    )
    sku: str = Field(max_length=200)
    name: str = Field(sa_type=Text)
    description: str | None = Field(default=None, sa_type=Text)
    base_unit: str = Field(max_length=50)
    product_group: str | None = Field(default=None, max_length=200)
    brand: str | None = Field(default=None, max_length=200)
    unit_cost: Decimal | None = _money()
    cost_currency: str | None = Field(default=None, max_length=3)
    active: bool = True


class ItemUnitRow(_Versioned, table=True):
    __tablename__ = "item_units"
    __table_args__ = (_current_unique("item_units", "sku", "unit"),)
    sku: str = Field(max_length=200)
    unit: str = Field(max_length=50)
    factor: Decimal = Field(sa_type=ExactDecimal())


class PriceListRow(_Versioned, table=True):
    __tablename__ = "price_lists"
    __table_args__ = (_current_unique("price_lists", "code"),)
    code: str = Field(max_length=200)
    name: str = Field(sa_type=Text)
    currency: str = Field(max_length=3)
    kind: str = Field(max_length=16)
    valid_from: date | None = None
    valid_to: date | None = None
    active: bool = True


class PriceListEntryRow(_Versioned, table=True):
    __tablename__ = "price_list_entries"
    __table_args__ = (
        Index("ix_price_list_entries_sku_version", "sku", "version_from"),
        Index(
            "ix_price_list_entries_list_current",
            "price_list",
            "sku",
            sqlite_where=CURRENT,
            postgresql_where=CURRENT,
        ),
    )
    price_list: str = Field(max_length=200)
    sku: str = Field(max_length=200)
    unit: str = Field(max_length=50)
    min_quantity: Decimal = Field(sa_type=ExactDecimal())
    valid_from: date | None = None
    valid_to: date | None = None
    customer: str | None = Field(default=None, max_length=200)
    unit_price: Decimal = Field(sa_type=ExactDecimal())
    currency: str | None = Field(default=None, max_length=3)


class CustomerRow(_Versioned, table=True):
    __tablename__ = "customers"
    __table_args__ = (_current_unique("customers", "external_id"),)
    external_id: str = Field(max_length=200)
    name: str = Field(sa_type=Text)
    segment: str | None = Field(default=None, max_length=200)
    territory: str | None = Field(default=None, max_length=200)
    default_currency: str | None = Field(default=None, max_length=3)
    contract_price_list: str | None = Field(default=None, max_length=200)
    active: bool = True


class ExchangeRateRow(_Versioned, table=True):
    __tablename__ = "exchange_rates"
    __table_args__ = (
        _current_unique("exchange_rates", "from_currency", "to_currency", "valid_date"),
    )
    from_currency: str = Field(max_length=3)
    to_currency: str = Field(max_length=3)
    valid_date: date
    rate: Decimal = Field(sa_type=ExactDecimal())


class ProductModelRow(_Versioned, table=True):
    __tablename__ = "product_models"
    __table_args__ = (_current_unique("product_models", "code"),)
    code: str = Field(max_length=200)
    name: str = Field(sa_type=Text)
    sku: str = Field(max_length=200)
    definition: str = Field(sa_type=Text)
    file: str = Field(sa_type=Text)


# Storage for each canonical entity, by entity name.
ENTITY_TABLES: dict[str, type[_Versioned]] = {
    "product_groups": ProductGroupRow,
    "items": ItemRow,
    "item_units": ItemUnitRow,
    "price_lists": PriceListRow,
    "price_list_entries": PriceListEntryRow,
    "customers": CustomerRow,
    "exchange_rates": ExchangeRateRow,
    "product_models": ProductModelRow,
}

# The tables of people, quotes and approvals live in their own modules; importing them here puts
# them in the one metadata that Alembic compares.
from cpq.db import document_tables as document_tables  # noqa: E402
from cpq.db import people as people  # noqa: E402
from cpq.db import quote_tables as quote_tables  # noqa: E402
from cpq.db import rate_limit_tables as rate_limit_tables  # noqa: E402
from cpq.db import webhook_tables as webhook_tables  # noqa: E402
