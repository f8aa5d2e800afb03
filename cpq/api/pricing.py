"""``POST /v1/price``: price a basket with the server's rule set and return the full waterfall.

Nothing is stored; it takes a credential with the ``quotes:read`` scope. Money goes out as
decimal strings, never as JSON numbers.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Self, TypeVar

from fastapi import APIRouter, Depends
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from cpq.api.configurations import ChoicesIn
from cpq.api.deps import ReadConn, SettingsDep
from cpq.api.limits import max_quote_lines
from cpq.api.problems import responses
from cpq.api.security import require
from cpq.api.types import Amount, Code, Money, Percent, Quantity, Term
from cpq.auth.principal import Scope
from cpq.money import is_currency
from cpq.pricing.engine import PricingEngine
from cpq.pricing.inputs import (
    DiscountKind,
    LineInput,
    ManualDiscount,
    PricingContext,
    PricingRequest,
)
from cpq.pricing.waterfall import Adjustment, PricedLine, PricedQuote, PriceSource
from cpq.services import configuration, pricing

router = APIRouter(
    prefix="/v1",
    tags=["pricing"],
    dependencies=[require(Scope.QUOTES_READ)],
    responses=responses(401, 403),
)

LINES_DESCRIPTION = (
    "At most `CPQ_MAX_QUOTE_LINES` lines (default 10,000), options included: more is a 422 "
    "naming `body.lines`."
)


# --- request ---------------------------------------------------------------------------------


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ManualDiscountIn(_In):
    percent: Percent | None = None
    amount: Amount | None = Field(None, description="Per unit, in the quote currency.")
    reason: Annotated[str, StringConstraints(max_length=500)] | None = None

    @model_validator(mode="after")
    def _one_figure(self) -> Self:
        if (self.percent is None) == (self.amount is None):
            raise ValueError("give either percent or amount")
        return self

    def domain(self) -> ManualDiscount:
        if self.percent is not None:
            return ManualDiscount(DiscountKind.PERCENT, self.percent, self.reason)
        assert self.amount is not None
        return ManualDiscount(DiscountKind.AMOUNT, self.amount, self.reason)


class LineIn(_In):
    id: Code
    sku: Code
    quantity: Quantity
    unit: Code | None = Field(None, description="Default: the item's base unit.")
    options: list[LineIn] = Field(
        [], description="Options under this line; their quantity is per unit of this line."
    )
    manual_discount: ManualDiscountIn | None = None
    manual_price: Amount | None = Field(None, description="The rep's net unit price.")
    term_months: Term | None = None
    per_parent_unit: bool = Field(
        True, description="False: the option's quantity is its whole quantity, not per parent unit."
    )
    configuration: ChoicesIn | None = Field(
        None,
        description="This line is a configured bundle: the configuration is checked and expanded "
        "into the bundle's option lines (ids `<line id>/<option id>`); give no `options` then.",
    )

    @model_validator(mode="after")
    def _options_or_configuration(self) -> Self:
        if self.configuration is not None and self.options:
            raise ValueError("give either options or a configuration, not both")
        return self

    def count(self) -> int:
        return 1 + sum(option.count() for option in self.options)

    def domain(self) -> LineInput:
        return LineInput(
            line_id=self.id,
            sku=self.sku,
            quantity=self.quantity,
            unit=self.unit,
            options=tuple(option.domain() for option in self.options),
            manual_discount=self.manual_discount.domain() if self.manual_discount else None,
            manual_price=self.manual_price,
            term_months=self.term_months,
            per_parent_unit=self.per_parent_unit,
        )


class ContextIn(_In):
    currency: Annotated[str, Field(description="ISO 4217 code, e.g. EUR.")]
    pricing_date: date = Field(default_factory=date.today, description="Default: today.")
    customer: Code | None = None
    segment: Code | None = Field(None, description="Default: the customer's.")
    territory: Code | None = Field(None, description="Default: the customer's.")
    price_list: Code | None = Field(None, description="A list to try before every other.")
    codes: Annotated[list[Code], Field(max_length=50)] = Field(
        [], description="Promotion codes the customer gave."
    )
    term_months: Term | None = Field(None, description="Default term of recurring lines.")
    quote_discount_percent: Percent | None = None

    @field_validator("currency")
    @classmethod
    def _iso_currency(cls, value: str) -> str:
        if not is_currency(value):
            raise ValueError(f"{value!r} is not an ISO 4217 currency code")
        return value

    def domain(self) -> PricingContext:
        return PricingContext(
            currency=self.currency,
            pricing_date=self.pricing_date,
            customer=self.customer,
            segment=self.segment,
            territory=self.territory,
            price_list=self.price_list,
            codes=frozenset(self.codes),
            term_months=self.term_months,
            quote_discount=(
                ManualDiscount(DiscountKind.PERCENT, self.quote_discount_percent)
                if self.quote_discount_percent is not None
                else None
            ),
        )


L = TypeVar("L", bound=LineIn)


def within_line_limit(lines: list[L]) -> list[L]:
    """``lines`` if they (options included) fit the serving app's lines maximum."""
    maximum = max_quote_lines()
    total = sum(line.count() for line in lines)
    if total > maximum:
        raise ValueError(
            f"at most {maximum} lines, options included (CPQ_MAX_QUOTE_LINES); these are {total}"
        )
    return lines


class PriceRequestIn(_In):
    context: ContextIn
    lines: list[LineIn] = Field(min_length=1, description=LINES_DESCRIPTION)
    catalog_version: int | None = Field(
        None, ge=1, description="Price on this catalog version (default: the latest)."
    )

    @field_validator("lines")
    @classmethod
    def _lines_within_limit(cls, lines: list[LineIn]) -> list[LineIn]:
        return within_line_limit(lines)

    def domain(self) -> PricingRequest:
        return PricingRequest(self.context.domain(), tuple(line.domain() for line in self.lines))


# --- response --------------------------------------------------------------------------------


class ConversionOut(BaseModel):
    from_currency: str
    rate: Money = Field(description="1 from_currency = rate quote currency.")
    rate_date: date
    inverted: bool = Field(description="Only the reverse rate was synced; this is its inverse.")


class DerivedStepOut(BaseModel):
    price_list: str
    percent: Money


class SourceOut(BaseModel):
    price_list: str
    reason: str = Field(description="override, contract, segment, standard or conversion")
    currency: str
    unit: str
    price_break: Money = Field(description="The entry's minimum quantity, in its unit.")
    entry_price: Money = Field(description="As written in the list: per unit, list currency.")
    customer_specific: bool
    valid_from: date | None
    valid_to: date | None
    derived_from: list[DerivedStepOut] = Field(description="From the base list outwards.")
    conversion: ConversionOut | None


class AdjustmentOut(BaseModel):
    step: str
    kind: str
    rule_id: str | None
    description: str
    before: Money = Field(description="Unit price before, full precision.")
    after: Money
    amount: Money


class LineOut(BaseModel):
    line_id: str
    sku: str
    name: str
    parent_line_id: str | None
    quantity: Money
    unit: str
    base_quantity: Money
    list_price: Money
    source: SourceOut | None = Field(description="null: the price came from a rule alone.")
    adjustments: list[AdjustmentOut]
    net_unit_price: Money
    net_unit_price_exact: Money
    net_total: Money = Field(description="Per month for a recurring line.")
    recurring: bool
    term_months: int | None
    amount: Money = Field(description="net_total, times the term for a recurring line.")
    quote_discount: Money = Field(description="This line's share of the quote adjustments.")
    final_amount: Money
    unit_cost: Money | None
    margin: Money | None
    margin_percent: Money | None
    flags: list[str]


class ShareOut(BaseModel):
    line_id: str
    amount: Money


class QuoteAdjustmentOut(BaseModel):
    step: str
    kind: str
    rule_id: str | None
    description: str
    basis: Money
    amount: Money
    shares: list[ShareOut] = Field(description="Sum exactly to the amount.")


class TotalsOut(BaseModel):
    list_total: Money
    one_time_total: Money
    recurring_monthly_total: Money
    recurring_total: Money
    total: Money
    cost_total: Money | None
    margin: Money | None
    margin_percent: Money | None


class PricedQuoteOut(BaseModel):
    currency: str
    pricing_date: date
    catalog_version: int | None
    rule_set: str = Field(description="The rule set's name and digest.")
    rounding: str
    lines: list[LineOut]
    quote_adjustments: list[QuoteAdjustmentOut]
    totals: TotalsOut
    flags: list[str]


def _source(s: PriceSource) -> dict[str, Any]:
    c = s.conversion
    return {
        "price_list": s.price_list,
        "reason": s.reason,
        "currency": s.currency,
        "unit": s.unit,
        "price_break": s.min_quantity,
        "entry_price": s.entry_price,
        "customer_specific": s.customer_specific,
        "valid_from": s.valid_from,
        "valid_to": s.valid_to,
        "derived_from": [{"price_list": code, "percent": pct} for code, pct in s.derived_from],
        "conversion": (
            {
                "from_currency": c.from_currency,
                "rate": c.rate,
                "rate_date": c.rate_date,
                "inverted": c.inverted,
            }
            if c is not None
            else None
        ),
    }


def _adjustment(a: Adjustment) -> dict[str, Any]:
    return {
        "step": a.step.value,
        "kind": a.kind,
        "rule_id": a.rule_id,
        "description": a.description,
        "before": a.before,
        "after": a.after,
        "amount": a.amount,
    }


def _line(ln: PricedLine) -> dict[str, Any]:
    return {
        "line_id": ln.line_id,
        "sku": ln.sku,
        "name": ln.name,
        "parent_line_id": ln.parent_line_id,
        "quantity": ln.quantity,
        "unit": ln.unit,
        "base_quantity": ln.base_quantity,
        "list_price": ln.list_price,
        "source": _source(ln.source) if ln.source is not None else None,
        "adjustments": [_adjustment(a) for a in ln.adjustments],
        "net_unit_price": ln.net_unit_price,
        "net_unit_price_exact": ln.net_unit_price_exact,
        "net_total": ln.net_total,
        "recurring": ln.recurring,
        "term_months": ln.term_months,
        "amount": ln.amount,
        "quote_discount": ln.quote_discount,
        "final_amount": ln.final_amount,
        "unit_cost": ln.unit_cost,
        "margin": ln.margin,
        "margin_percent": ln.margin_percent,
        "flags": list(ln.flags),
    }


def quote_out(q: PricedQuote) -> dict[str, Any]:
    return {
        "currency": q.currency,
        "pricing_date": q.pricing_date,
        "catalog_version": q.catalog_version,
        "rule_set": q.rule_set,
        "rounding": q.rounding,
        "lines": [_line(ln) for ln in q.lines],
        "quote_adjustments": [
            {
                "step": a.step.value,
                "kind": a.kind,
                "rule_id": a.rule_id,
                "description": a.description,
                "basis": a.basis,
                "amount": a.amount,
                "shares": [{"line_id": lid, "amount": share} for lid, share in a.shares],
            }
            for a in q.quote_adjustments
        ],
        "totals": {
            "list_total": q.list_total,
            "one_time_total": q.one_time_total,
            "recurring_monthly_total": q.recurring_monthly_total,
            "recurring_total": q.recurring_total,
            "total": q.total,
            "cost_total": q.cost_total,
            "margin": q.margin,
            "margin_percent": q.margin_percent,
        },
        "flags": list(q.flags),
    }


# --- route -----------------------------------------------------------------------------------


def pricing_engine(settings: SettingsDep) -> PricingEngine:
    """The server's rule set, ready to price (503 ``rule_set_invalid`` when it does not load)."""
    return pricing.engine_for(settings.rules_dir)


EngineDep = Annotated[PricingEngine, Depends(pricing_engine)]


@router.post(
    "/price",
    response_model=PricedQuoteOut,
    responses=responses(404, 422, 503),
    summary="Price a basket (nothing is stored)",
)
def price(body: PriceRequestIn, conn: ReadConn, engine: EngineDep) -> dict[str, Any]:
    """Price the lines for the context with the server's rule set on one catalog version.

    Every line's price waterfall: the list price and where it came from, each adjustment in
    order, the net price, cost and margin; then the quote adjustments and totals. 422 lists
    every problem (unknown SKU, unit, customer, missing price...); 404 an unknown catalog
    version; 503 a rule set on the server that does not load.
    """
    configured = {
        n: line.configuration.domain()
        for n, line in enumerate(body.lines)
        if line.configuration is not None
    }
    request = configuration.configure_lines(conn, body.domain(), configured, body.catalog_version)
    return quote_out(pricing.price_request(conn, engine, request, body.catalog_version))
