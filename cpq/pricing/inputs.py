"""What a rep (or a CRM) asks to have priced: the pricing context and the lines."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum


class DiscountKind(StrEnum):
    PERCENT = "percent"
    AMOUNT = "amount"  # per unit, in the quote currency


@dataclass(frozen=True, slots=True)
class ManualDiscount:
    """A discount the rep asks for; on a line (percent or amount per unit) or the quote (percent)."""

    kind: DiscountKind
    value: Decimal
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class PricingContext:
    """Who is buying, in what currency, on which day.

    ``segment`` and ``territory`` default to the customer's; ``price_list`` puts a list (synced or
    derived) ahead of every other; ``codes`` are the promotion codes the customer gave.
    """

    currency: str
    pricing_date: date
    customer: str | None = None
    segment: str | None = None
    territory: str | None = None
    price_list: str | None = None
    codes: frozenset[str] = frozenset()
    term_months: int | None = None  # default term for recurring lines
    quote_discount: ManualDiscount | None = None  # percent only


@dataclass(frozen=True, slots=True)
class LineInput:
    """A quote line: a SKU, a quantity in ``unit`` (default: the item's base unit), the configured
    options under it, and what the rep changed by hand.

    An option's quantity is per unit of its parent line: a cabinet with 2 I/O modules, quoted 3
    times, prices 6 modules; unless ``per_parent_unit`` is false (a bundle option of fixed
    quantity: one commissioning fee however many cabinets).
    """

    line_id: str
    sku: str
    quantity: Decimal
    unit: str | None = None
    options: tuple[LineInput, ...] = ()
    manual_discount: ManualDiscount | None = None
    manual_price: Decimal | None = None  # the rep's net unit price, kept through repricing
    term_months: int | None = None
    per_parent_unit: bool = True


@dataclass(frozen=True, slots=True)
class PricingRequest:
    context: PricingContext
    lines: tuple[LineInput, ...] = field(default=())
