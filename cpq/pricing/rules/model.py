"""Rules as frozen data: where a rule applies (scope + conditions), when (validity), how it combines
with others, and what it does (one action per rule kind)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum

from cpq.pricing.rules.conditions import Condition
from cpq.pricing.waterfall import Step


class Combination(StrEnum):
    EXCLUSIVE = "exclusive"  # the strongest exclusive rule that matches applies alone in its step
    ADDITIVE = "additive"  # percentages taken from the price at the start of the step
    COMPOUNDING = "compounding"  # percentages taken from the running price
    BEST_PRICE = "best_price"  # competes with the others; the lowest price wins


# A money amount per currency; a currency missing is converted from the first one written.
Amounts = Mapping[str, Decimal]


@dataclass(frozen=True, slots=True)
class Scope:
    """The lines a rule is for: SKUs, product groups (with their subgroups) or brands; none = all."""

    skus: frozenset[str] = frozenset()
    groups: frozenset[str] = frozenset()
    brands: frozenset[str] = frozenset()

    @property
    def is_everything(self) -> bool:
        return not (self.skus or self.groups or self.brands)

    def contains(self, sku: str, groups: tuple[str, ...], brand: str | None) -> bool:
        return (
            self.is_everything
            or sku in self.skus
            or not self.groups.isdisjoint(groups)
            or (brand is not None and brand in self.brands)
        )

    def specificity(self, sku: str, groups: tuple[str, ...], brand: str | None) -> int | None:
        """How specifically this scope names a line, or None when it does not apply.

        SKU over product group, a deeper group over its parent, group over brand, brand over
        everything: 1000 for a SKU, 100 + depth for a group, 10 for a brand, 0 for everything.
        """
        if self.is_everything:
            return 0
        if sku in self.skus:
            return 1000
        for depth in range(len(groups), 0, -1):
            if groups[depth - 1] in self.groups:
                return 100 + depth
        if brand is not None and brand in self.brands:
            return 10
        return None


@dataclass(frozen=True, slots=True)
class Range:
    """Inclusive at both ends; a missing end is open."""

    min: Decimal | None = None
    max: Decimal | None = None

    def holds(self, value: Decimal) -> bool:
        return (self.min is None or self.min <= value) and (self.max is None or value <= self.max)


@dataclass(frozen=True, slots=True)
class Conditions:
    """Typed conditions that the load-time ambiguity check can reason about, plus an expression."""

    customers: frozenset[str] = frozenset()
    segments: frozenset[str] = frozenset()
    territories: frozenset[str] = frozenset()
    currencies: frozenset[str] = frozenset()
    codes: frozenset[str] = frozenset()  # promotion codes: the rule needs one of them
    quantity: Range | None = None  # in base units
    expression: Condition | None = None


# --- actions, one per rule kind -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FixedPrice:
    price: Amounts
    kind = "fixed_price"


@dataclass(frozen=True, slots=True)
class DiscountPercent:
    percent: Decimal
    kind = "discount_percent"


@dataclass(frozen=True, slots=True)
class DiscountAmount:
    amount: Amounts  # per unit
    kind = "discount_amount"


@dataclass(frozen=True, slots=True)
class Surcharge:
    percent: Decimal | None = None
    amount: Amounts | None = None  # per unit
    kind = "surcharge"


@dataclass(frozen=True, slots=True)
class MarkupOnCost:
    percent: Decimal
    kind = "markup_on_cost"


@dataclass(frozen=True, slots=True)
class MarginFloor:
    percent: Decimal  # margin over the net price: (net - cost) / net
    action: str  # raise | flag
    kind = "margin_floor"


@dataclass(frozen=True, slots=True)
class Tier:
    up_to: Decimal | None  # inclusive; None: no upper bound (the last tier)
    price: Amounts | None = None  # unit price in the tier
    percent: Decimal | None = None  # or a discount off the list price


@dataclass(frozen=True, slots=True)
class VolumeRange:
    tiers: tuple[Tier, ...]
    kind = "volume_range"


@dataclass(frozen=True, slots=True)
class VolumeSlab:
    tiers: tuple[Tier, ...]
    kind = "volume_slab"


@dataclass(frozen=True, slots=True)
class BlockPrice:
    size: Decimal  # base units per block
    price: Amounts  # per block
    kind = "block"


@dataclass(frozen=True, slots=True)
class PercentOfTotal:
    percent: Decimal
    of: Scope  # the lines whose net totals make the basis
    kind = "percent_of_total"


@dataclass(frozen=True, slots=True)
class BundleComponent:
    parents: frozenset[str]  # bundle SKUs; empty: under any parent
    percent: Decimal | None  # None: included at zero; else a percentage of the parent's price
    kind = "bundle_component"


@dataclass(frozen=True, slots=True)
class FreeItems:
    buy: Decimal
    get: Decimal
    recursive: bool
    kind = "free_items"


@dataclass(frozen=True, slots=True)
class Recurring:
    term_months: int
    kind = "recurring"


@dataclass(frozen=True, slots=True)
class Ending:
    """Round to a multiple, then end on ``ending`` (e.g. multiple 1, ending 0.99 -> x.99)."""

    multiple: Decimal
    ending: Decimal = Decimal(0)
    direction: str = "nearest"  # nearest | up | down


@dataclass(frozen=True, slots=True)
class PriceRounding:
    ending: Ending
    surcharge: Amounts | None = None
    kind = "price_rounding"


@dataclass(frozen=True, slots=True)
class Formula:
    """Odoo-style: base price, minus a percentage, rounded to an ending, plus a surcharge, held
    between a minimum and a maximum margin (amounts) over the base."""

    base: str  # list_price | cost | price_list
    price_list: str | None
    discount_percent: Decimal
    rounding: Ending | None
    surcharge: Amounts | None
    min_margin: Amounts | None
    max_margin: Amounts | None
    kind = "formula"


@dataclass(frozen=True, slots=True)
class OrderTier:
    threshold: Decimal  # quote amount (quote currency) or quantity (base units), inclusive
    percent: Decimal


@dataclass(frozen=True, slots=True)
class OrderDiscount:
    basis: str  # amount | quantity
    tiers: tuple[OrderTier, ...]  # thresholds ascending; the highest reached applies
    kind = "order_discount"


Action = (
    FixedPrice
    | DiscountPercent
    | DiscountAmount
    | Surcharge
    | MarkupOnCost
    | MarginFloor
    | VolumeRange
    | VolumeSlab
    | BlockPrice
    | PercentOfTotal
    | BundleComponent
    | FreeItems
    | Recurring
    | PriceRounding
    | Formula
    | OrderDiscount
)

STEP_OF: Mapping[str, Step | None] = {
    "fixed_price": Step.PRICE,
    "markup_on_cost": Step.PRICE,
    "formula": Step.PRICE,
    "volume_range": Step.PRICE,
    "volume_slab": Step.PRICE,
    "block": Step.PRICE,
    "percent_of_total": Step.PRICE,
    "bundle_component": Step.PRICE,
    "discount_percent": Step.DISCOUNT,
    "discount_amount": Step.DISCOUNT,
    "surcharge": Step.DISCOUNT,
    "free_items": Step.DISCOUNT,
    "price_rounding": Step.ROUNDING,
    "margin_floor": Step.MARGIN_FLOOR,
    "order_discount": Step.QUOTE,
    "recurring": None,  # marks lines; changes no price
}


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    description: str
    action: Action
    scope: Scope = Scope()
    when: Conditions = Conditions()
    priority: int = 0  # higher first
    combination: Combination = Combination.EXCLUSIVE
    valid_from: date | None = None
    valid_to: date | None = None
    file: str | None = None
    line: int | None = None
    # Judged per line (a quantity range, or an expression reading a line fact); else per quote.
    line_conditional: bool = field(init=False, compare=False)

    def __post_init__(self) -> None:
        expression = self.when.expression
        per_line = self.when.quantity is not None or (
            expression is not None and expression.reads_line
        )
        object.__setattr__(self, "line_conditional", per_line)

    @property
    def kind(self) -> str:
        return self.action.kind

    @property
    def step(self) -> Step | None:
        return STEP_OF[self.action.kind]

    def valid_on(self, day: date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_to is None or day <= self.valid_to
        )


@dataclass(frozen=True, slots=True)
class DerivedList:
    """A price list defined as another list (synced or derived) with a percentage adjustment."""

    code: str
    name: str
    base: str
    percent: Decimal  # +5 raises by 5%, -12 lowers by 12%; chained lists compound


@dataclass(frozen=True, slots=True)
class RuleSet:
    name: str
    digest: str  # of the files' bytes; names the rule set a quote was priced with
    rounding: str = "per_line"  # per_line | on_total
    segment_lists: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # segment -> lists
    derived_lists: Mapping[str, DerivedList] = field(default_factory=dict)
    conversion_currencies: tuple[str, ...] = ()  # where to look for a price to convert, in order
    rules: tuple[Rule, ...] = ()

    @property
    def label(self) -> str:
        return f"{self.name}@{self.digest[:12]}"
