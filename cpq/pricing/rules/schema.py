"""The shape of a pricing rule file (docs/pricing-rules.md), validated with pydantic.

One file may hold ``settings``, ``price_lists`` (derived lists), ``rules`` and ``examples``; a
rule set is every ``*.yaml`` file of a folder. Numbers become exact Decimals.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

Code = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Percent = Annotated[Decimal, Field(ge=-1000, le=1000)]
Share = Annotated[Decimal, Field(ge=0, le=100)]  # a percentage that cannot exceed the whole
Positive = Annotated[Decimal, Field(gt=0)]
NonNegative = Annotated[Decimal, Field(ge=0)]
Currency = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
Amounts = Annotated[dict[Currency, NonNegative], Field(min_length=1)]


class _Schema(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ScopeSpec(_Schema):
    skus: list[Code] = []
    groups: list[Code] = []
    brands: list[Code] = []

    @model_validator(mode="after")
    def _one_kind(self) -> Self:
        if sum(bool(x) for x in (self.skus, self.groups, self.brands)) > 1:
            raise ValueError("name SKUs, groups or brands, not several kinds: split the rule")
        return self


class RangeSpec(_Schema):
    min: NonNegative | None = None
    max: NonNegative | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min {self.min} is above max {self.max}")
        return self


class WhenSpec(_Schema):
    customers: list[Code] = []
    segments: list[Code] = []
    territories: list[Code] = []
    currencies: list[Currency] = []
    codes: list[Code] = []
    quantity: RangeSpec | None = None
    expression: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)] | None = None


class EndingSpec(_Schema):
    multiple: Positive
    ending: NonNegative = Decimal(0)
    direction: Literal["nearest", "up", "down"] = "nearest"

    @model_validator(mode="after")
    def _below_multiple(self) -> Self:
        if self.ending >= self.multiple:
            raise ValueError(f"ending {self.ending} must be below the multiple {self.multiple}")
        return self


class TierSpec(_Schema):
    up_to: Positive | None = None
    price: Amounts | None = None
    percent: Share | None = None

    @model_validator(mode="after")
    def _one_figure(self) -> Self:
        if (self.price is None) == (self.percent is None):
            raise ValueError("a tier has either a price or a percent")
        return self


class FixedPriceSpec(_Schema):
    kind: Literal["fixed_price"]
    price: Amounts


class DiscountPercentSpec(_Schema):
    kind: Literal["discount_percent"]
    percent: Share


class DiscountAmountSpec(_Schema):
    kind: Literal["discount_amount"]
    amount: Amounts


class SurchargeSpec(_Schema):
    kind: Literal["surcharge"]
    percent: Annotated[Decimal, Field(gt=0, le=1000)] | None = None
    amount: Amounts | None = None

    @model_validator(mode="after")
    def _one_figure(self) -> Self:
        if (self.percent is None) == (self.amount is None):
            raise ValueError("a surcharge has either a percent or an amount")
        return self


class MarkupSpec(_Schema):
    kind: Literal["markup_on_cost"]
    percent: Annotated[Decimal, Field(ge=-100, le=10000)]


class MarginFloorSpec(_Schema):
    kind: Literal["margin_floor"]
    percent: Annotated[Decimal, Field(ge=0, lt=100)]
    action: Literal["raise", "flag"]


class VolumeSpec(_Schema):
    kind: Literal["volume_range", "volume_slab"]
    tiers: Annotated[list[TierSpec], Field(min_length=1)]


class BlockSpec(_Schema):
    kind: Literal["block"]
    size: Positive
    price: Amounts


class PercentOfTotalSpec(_Schema):
    kind: Literal["percent_of_total"]
    percent: Annotated[Decimal, Field(gt=0, le=1000)]
    of: ScopeSpec


class BundleComponentSpec(_Schema):
    kind: Literal["bundle_component"]
    parents: list[Code] = []
    percent_of_parent: Annotated[Decimal, Field(ge=0, le=1000)] | None = None  # absent: included


class FreeItemsSpec(_Schema):
    kind: Literal["free_items"]
    buy: Positive
    get: Positive
    recursive: bool = False


class RecurringSpec(_Schema):
    kind: Literal["recurring"]
    term_months: Annotated[int, Field(ge=1, le=600)]


class PriceRoundingSpec(_Schema):
    kind: Literal["price_rounding"]
    ending: EndingSpec
    surcharge: Amounts | None = None


class FormulaSpec(_Schema):
    kind: Literal["formula"]
    base: Literal["list_price", "cost", "price_list"] = "list_price"
    price_list: Code | None = None
    discount_percent: Percent = Decimal(0)
    rounding: EndingSpec | None = None
    surcharge: Amounts | None = None
    min_margin: Amounts | None = None
    max_margin: Amounts | None = None

    @model_validator(mode="after")
    def _list_named(self) -> Self:
        if (self.base == "price_list") != (self.price_list is not None):
            raise ValueError("base: price_list needs price_list: CODE (and only then)")
        return self


class OrderTierSpec(_Schema):
    threshold: NonNegative
    percent: Share


class OrderDiscountSpec(_Schema):
    kind: Literal["order_discount"]
    basis: Literal["amount", "quantity"]
    tiers: Annotated[list[OrderTierSpec], Field(min_length=1)]

    @model_validator(mode="after")
    def _ascending(self) -> Self:
        thresholds = [t.threshold for t in self.tiers]
        if thresholds != sorted(set(thresholds)):
            raise ValueError("tier thresholds must be distinct and ascending")
        return self


ActionSpec = Annotated[
    FixedPriceSpec
    | DiscountPercentSpec
    | DiscountAmountSpec
    | SurchargeSpec
    | MarkupSpec
    | MarginFloorSpec
    | VolumeSpec
    | BlockSpec
    | PercentOfTotalSpec
    | BundleComponentSpec
    | FreeItemsSpec
    | RecurringSpec
    | PriceRoundingSpec
    | FormulaSpec
    | OrderDiscountSpec,
    Field(discriminator="kind"),
]


class RuleSpec(_Schema):
    id: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}$")]
    description: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
    priority: int = 0
    applies_to: ScopeSpec = ScopeSpec()
    when: WhenSpec = WhenSpec()
    valid_from: date | None = None
    valid_to: date | None = None
    combination: Literal["exclusive", "additive", "compounding", "best_price"] = "exclusive"
    then: ActionSpec

    @model_validator(mode="after")
    def _period(self) -> Self:
        if self.valid_from and self.valid_to and self.valid_from > self.valid_to:
            raise ValueError(f"valid_from {self.valid_from} is after valid_to {self.valid_to}")
        return self


class DerivedListSpec(_Schema):
    code: Code
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
    base: Code
    percent: Annotated[Decimal, Field(gt=-100, le=1000)]


class SettingsSpec(_Schema):
    name: Code
    rounding: Literal["per_line", "on_total"] = "per_line"
    segment_price_lists: dict[Code, Code | list[Code]] = {}  # one list per currency
    conversion_currencies: list[Currency] = []


class ManualDiscountSpec(_Schema):
    percent: Share | None = None
    amount: NonNegative | None = None

    @model_validator(mode="after")
    def _one_figure(self) -> Self:
        if (self.percent is None) == (self.amount is None):
            raise ValueError("a manual discount has either a percent or an amount")
        return self


class ExampleLineSpec(_Schema):
    id: Code
    sku: Code
    quantity: Positive
    unit: Code | None = None
    options: list[ExampleLineSpec] = []
    manual_discount: ManualDiscountSpec | None = None
    manual_price: NonNegative | None = None
    term_months: Annotated[int, Field(ge=1, le=600)] | None = None


class ExampleContextSpec(_Schema):
    currency: Currency
    date: date
    customer: Code | None = None
    segment: Code | None = None
    territory: Code | None = None
    price_list: Code | None = None
    codes: list[Code] = []
    term_months: Annotated[int, Field(ge=1, le=600)] | None = None
    quote_discount_percent: Share | None = None


class ExpectedLineSpec(_Schema):
    list_price: Decimal | None = None
    net_unit_price: Decimal | None = None
    net_total: Decimal | None = None
    final_amount: Decimal | None = None
    rules: list[str] | None = None  # the rule ids in the waterfall, in order
    flags: list[str] | None = None


class ExpectedSpec(_Schema):
    lines: dict[str, ExpectedLineSpec] = {}
    one_time_total: Decimal | None = None
    recurring_monthly_total: Decimal | None = None
    recurring_total: Decimal | None = None
    total: Decimal | None = None


class ExampleSpec(_Schema):
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
    context: ExampleContextSpec
    lines: Annotated[list[ExampleLineSpec], Field(min_length=1)]
    expect: ExpectedSpec


class RuleFileSpec(_Schema):
    """A file's sections; each list item is validated on its own (one bad rule does not hide
    the problems of the others)."""

    settings: SettingsSpec | None = None
    price_lists: list[Any] = []
    rules: list[Any] = []
    examples: list[Any] = []
