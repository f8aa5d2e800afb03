"""The canonical catalog entities: their fields, types and natural keys.

Every entity is synced as a full snapshot of that entity (a file absent from a source leaves the
entity as it is). See docs/catalog-format.md for the file format a back office exports.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dataclass_field
from enum import StrEnum


class Kind(StrEnum):
    TEXT = "text"
    CODE = "code"  # an identifier: stripped, compared exactly
    DECIMAL = "decimal"
    DATE = "date"
    BOOL = "bool"
    CURRENCY = "currency"
    PRICE_LIST_KIND = "price_list_kind"


CODE_LENGTH = 200
UNIT_LENGTH = 50


class Sign(StrEnum):
    ANY = "any"
    NON_NEGATIVE = "non_negative"
    POSITIVE = "positive"


@dataclass(frozen=True, slots=True)
class Field:
    name: str
    kind: Kind
    required: bool = False
    sign: Sign = Sign.ANY
    scale: int = 6  # most digits after the decimal point a DECIMAL may carry
    default: object = None
    max_length: int | None = None  # characters; codes default to CODE_LENGTH

    @property
    def limit(self) -> int | None:
        """Most characters a text value may have (the column's size)."""
        return self.max_length or (CODE_LENGTH if self.kind is Kind.CODE else None)


@dataclass(frozen=True)
class Entity:
    name: str
    fields: tuple[Field, ...]
    key: tuple[str, ...]
    # Entities with an ``active`` flag are deactivated when they vanish from the export
    # (quotes keep referring to them); the others are ended in the new catalog version.
    deactivates: bool
    # Derived once: these are looked up for every row of a sync.
    field_names: tuple[str, ...] = dataclass_field(init=False)
    key_indexes: tuple[int, ...] = dataclass_field(init=False)
    _positions: dict[str, int] = dataclass_field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        names = tuple(f.name for f in self.fields)
        positions = {name: i for i, name in enumerate(names)}
        object.__setattr__(self, "field_names", names)
        object.__setattr__(self, "_positions", positions)
        object.__setattr__(self, "key_indexes", tuple(positions[k] for k in self.key))

    def index(self, name: str) -> int:
        return self._positions[name]


PRICE_LIST_KINDS = ("standard", "contract", "partner")

PRODUCT_GROUPS = Entity(
    "product_groups",
    (
        Field("code", Kind.CODE, required=True),
        Field("name", Kind.TEXT, required=True),
        Field("parent", Kind.CODE),
        Field("active", Kind.BOOL, default=True),
    ),
    key=("code",),
    deactivates=True,
)

ITEMS = Entity(
    "items",
    (
        Field("sku", Kind.CODE, required=True),
        Field("name", Kind.TEXT, required=True),
        Field("description", Kind.TEXT),
        Field("base_unit", Kind.CODE, required=True, max_length=UNIT_LENGTH),
        Field("product_group", Kind.CODE),
        Field("brand", Kind.TEXT, max_length=CODE_LENGTH),
        Field("unit_cost", Kind.DECIMAL, sign=Sign.NON_NEGATIVE),
        Field("cost_currency", Kind.CURRENCY),
        Field("active", Kind.BOOL, default=True),
    ),
    key=("sku",),
    deactivates=True,
)

ITEM_UNITS = Entity(
    "item_units",
    (
        Field("sku", Kind.CODE, required=True),
        Field("unit", Kind.CODE, required=True, max_length=UNIT_LENGTH),
        Field("factor", Kind.DECIMAL, required=True, sign=Sign.POSITIVE),
    ),
    key=("sku", "unit"),
    deactivates=False,
)

PRICE_LISTS = Entity(
    "price_lists",
    (
        Field("code", Kind.CODE, required=True),
        Field("name", Kind.TEXT, required=True),
        Field("currency", Kind.CURRENCY, required=True),
        Field("kind", Kind.PRICE_LIST_KIND, default="standard"),
        Field("valid_from", Kind.DATE),
        Field("valid_to", Kind.DATE),
        Field("active", Kind.BOOL, default=True),
    ),
    key=("code",),
    deactivates=True,
)

PRICE_LIST_ENTRIES = Entity(
    "price_list_entries",
    (
        Field("price_list", Kind.CODE, required=True),
        Field("sku", Kind.CODE, required=True),
        Field("unit", Kind.CODE, max_length=UNIT_LENGTH),  # empty: the item's base unit
        Field("min_quantity", Kind.DECIMAL, sign=Sign.NON_NEGATIVE, default="0"),
        Field("valid_from", Kind.DATE),
        Field("valid_to", Kind.DATE),
        Field("customer", Kind.CODE),  # a price for one customer only (ERPNext's Item Price)
        Field("unit_price", Kind.DECIMAL, required=True, sign=Sign.NON_NEGATIVE),
        Field("currency", Kind.CURRENCY),  # when exported, must be the price list's currency
    ),
    key=("price_list", "sku", "unit", "min_quantity", "valid_from", "customer"),
    deactivates=False,
)

CUSTOMERS = Entity(
    "customers",
    (
        Field("external_id", Kind.CODE, required=True),
        Field("name", Kind.TEXT, required=True),
        Field("segment", Kind.TEXT, max_length=CODE_LENGTH),
        Field("territory", Kind.TEXT, max_length=CODE_LENGTH),
        Field("default_currency", Kind.CURRENCY),
        Field("contract_price_list", Kind.CODE),
        Field("active", Kind.BOOL, default=True),
    ),
    key=("external_id",),
    deactivates=True,
)

EXCHANGE_RATES = Entity(
    "exchange_rates",
    (
        Field("from_currency", Kind.CURRENCY, required=True),
        Field("to_currency", Kind.CURRENCY, required=True),
        Field("valid_date", Kind.DATE, required=True),
        Field("rate", Kind.DECIMAL, required=True, sign=Sign.POSITIVE, scale=10),
    ),
    key=("from_currency", "to_currency", "valid_date"),
    deactivates=False,
)

# Authored in catalog/models/*.yaml rather than exported; versioned with the synced data.
PRODUCT_MODELS = Entity(
    "product_models",
    (
        Field("code", Kind.CODE, required=True),
        Field("name", Kind.TEXT, required=True),
        Field("sku", Kind.CODE, required=True),  # the bundle's parent item
        Field("definition", Kind.TEXT, required=True),  # canonical JSON of the whole model
        Field("file", Kind.TEXT, required=True),
    ),
    key=("code",),
    deactivates=False,
)

# In dependency order: an entity only refers to entities before it.
ENTITIES: tuple[Entity, ...] = (
    PRODUCT_GROUPS,
    ITEMS,
    ITEM_UNITS,
    PRICE_LISTS,
    PRICE_LIST_ENTRIES,
    CUSTOMERS,
    EXCHANGE_RATES,
    PRODUCT_MODELS,
)
BY_NAME: dict[str, Entity] = {e.name: e for e in ENTITIES}

# Who refers to whom: when an entity changes, records referring to it may need checking again.
REFERRED_BY: dict[str, tuple[str, ...]] = {
    PRODUCT_GROUPS.name: (PRODUCT_GROUPS.name, ITEMS.name),
    ITEMS.name: (ITEM_UNITS.name, PRICE_LIST_ENTRIES.name, PRODUCT_MODELS.name),
    ITEM_UNITS.name: (PRICE_LIST_ENTRIES.name,),
    PRICE_LISTS.name: (PRICE_LIST_ENTRIES.name, CUSTOMERS.name),
    CUSTOMERS.name: (PRICE_LIST_ENTRIES.name,),
    PRICE_LIST_ENTRIES.name: (),
    EXCHANGE_RATES.name: (),
    PRODUCT_MODELS.name: (),
}
