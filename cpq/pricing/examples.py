"""A rule set's worked examples: each is a request to price and the figures it must give.

``request_of`` turns an example into a ``PricingRequest``; ``check_example`` compares a priced
quote (or the pricing error it raised) with what the example expects and names every mismatch.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from cpq.pricing.engine import PricingEngine
from cpq.pricing.errors import PricingError
from cpq.pricing.inputs import (
    DiscountKind,
    LineInput,
    ManualDiscount,
    PricingContext,
    PricingRequest,
)
from cpq.pricing.rules.files import Located
from cpq.pricing.rules.schema import ExampleLineSpec, ExampleSpec, ExpectedLineSpec
from cpq.pricing.snapshot import PricingCatalog
from cpq.pricing.waterfall import PricedLine, PricedQuote

_LINE_FIGURES = ("list_price", "net_unit_price", "net_total", "final_amount")
_QUOTE_FIGURES = ("one_time_total", "recurring_monthly_total", "recurring_total", "total")


def _line(spec: ExampleLineSpec) -> LineInput:
    md = spec.manual_discount
    manual_discount = None
    if md is not None:
        if md.percent is not None:
            manual_discount = ManualDiscount(DiscountKind.PERCENT, md.percent)
        elif md.amount is not None:
            manual_discount = ManualDiscount(DiscountKind.AMOUNT, md.amount)
    return LineInput(
        line_id=spec.id,
        sku=spec.sku,
        quantity=Decimal(spec.quantity),
        unit=spec.unit,
        options=tuple(_line(option) for option in spec.options),
        manual_discount=manual_discount,
        manual_price=spec.manual_price,
        term_months=spec.term_months,
    )


def request_of(spec: ExampleSpec) -> PricingRequest:
    ctx = spec.context
    quote_discount = (
        ManualDiscount(DiscountKind.PERCENT, ctx.quote_discount_percent)
        if ctx.quote_discount_percent is not None
        else None
    )
    context = PricingContext(
        currency=ctx.currency,
        pricing_date=ctx.date,
        customer=ctx.customer,
        segment=ctx.segment,
        territory=ctx.territory,
        price_list=ctx.price_list,
        codes=frozenset(ctx.codes),
        term_months=ctx.term_months,
        quote_discount=quote_discount,
    )
    return PricingRequest(context, tuple(_line(line) for line in spec.lines))


def where(located: Located) -> str:
    """``"name" (file:line)``: how a report names an example."""
    at = f"{located.file}:{located.line}" if located.line is not None else located.file
    return f"{located.spec.name!r} ({at})"


def _figure(value: Decimal | None) -> str:
    return "none" if value is None else f"{value:f}"


def _differs(expected: Decimal, got: Decimal | None) -> bool:
    # Numerically: an example may write 157 for 157.00.
    return got is None or expected != got


def _line_mismatches(name: str, line_id: str, want: ExpectedLineSpec, got: PricedLine) -> list[str]:
    found: list[str] = []
    for field in _LINE_FIGURES:
        expected: Decimal | None = getattr(want, field)
        actual: Decimal | None = getattr(got, field)
        if expected is not None and _differs(expected, actual):
            found.append(
                f"{name}: line {line_id} {field}: expected {_figure(expected)}, got {_figure(actual)}"
            )
    if want.rules is not None:
        rules = [a.rule_id for a in got.adjustments if a.rule_id is not None]
        if rules != want.rules:
            found.append(f"{name}: line {line_id} rules: expected {want.rules}, got {rules}")
    if want.flags is not None and list(got.flags) != want.flags:
        found.append(f"{name}: line {line_id} flags: expected {want.flags}, got {list(got.flags)}")
    return found


def check_example(located: Located, quote: PricedQuote | PricingError) -> list[str]:
    """Every way ``quote`` differs from what the example expects; empty when it passes."""
    name = where(located)
    if isinstance(quote, PricingError):
        return [f"{name}: pricing failed: {issue}" for issue in quote.issues]
    expect = located.spec.expect
    found: list[str] = []
    lines = {line.line_id: line for line in quote.lines}
    for line_id, want in expect.lines.items():
        got = lines.get(line_id)
        if got is None:
            found.append(
                f"{name}: line {line_id}: expected in the quote, but there is no such line"
            )
            continue
        found += _line_mismatches(name, line_id, want, got)
    for field in _QUOTE_FIGURES:
        expected: Decimal | None = getattr(expect, field)
        actual: Decimal = getattr(quote, field)
        if expected is not None and _differs(expected, actual):
            found.append(f"{name}: {field}: expected {_figure(expected)}, got {_figure(actual)}")
    return found


def run_examples(
    engine: PricingEngine, examples: Sequence[Located], catalog: PricingCatalog
) -> list[tuple[Located, list[str]]]:
    """Each example with its mismatches (none: it passes), priced on ``catalog``."""
    results: list[tuple[Located, list[str]]] = []
    for located in examples:
        outcome: PricedQuote | PricingError
        try:
            outcome = engine.price(request_of(located.spec), catalog)
        except PricingError as exc:
            outcome = exc
        results.append((located, check_example(located, outcome)))
    return results
