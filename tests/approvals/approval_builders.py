"""Small builders for approval tests: priced quotes by hand, a policy from YAML, figures."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any

from cpq.approvals.examples import Example
from cpq.approvals.figures import QuoteFigures
from cpq.approvals.files import policy_from_text
from cpq.approvals.policy import Policy
from cpq.pricing.waterfall import Adjustment, PricedLine, PricedQuote, QuoteAdjustment, Step

D = Decimal
ZERO = D(0)


def adj(step: Step, before: str, after: str, kind: str = "") -> Adjustment:
    return Adjustment(step, kind or step.value, None, step.value, D(before), D(after))


def priced_line(
    line_id: str,
    sku: str,
    quantity: str,
    list_price: str,
    *steps: Adjustment,
    cost: str | None = "0",
    term: int | None = None,
    quote_discount: str = "0",
) -> PricedLine:
    """A line whose net unit price is the last step's (or the list price)."""
    net = steps[-1].after if steps else D(list_price)
    net_total = (net * D(quantity)).quantize(D("0.01"))
    amount = net_total * (term or 1)
    final = amount + D(quote_discount)
    cost_total = D(cost) * D(quantity) * (term or 1) if cost is not None else None
    margin = final - cost_total if cost_total is not None else None
    return PricedLine(
        line_id=line_id,
        sku=sku,
        name=sku,
        parent_line_id=None,
        quantity=D(quantity),
        unit="each",
        base_quantity=D(quantity),
        list_price=D(list_price),
        source=None,
        adjustments=steps,
        net_unit_price_exact=net,
        net_unit_price=net.quantize(D("0.01")),
        net_total=net_total,
        recurring=term is not None,
        term_months=term,
        amount=amount,
        quote_discount=D(quote_discount),
        final_amount=final,
        unit_cost=D(cost) if cost is not None else None,
        margin=margin,
        margin_percent=None,
    )


def quote_adj(kind: str, amount: str, shares: Sequence[tuple[str, str]] = ()) -> QuoteAdjustment:
    return QuoteAdjustment(
        Step.QUOTE,
        kind,
        None,
        kind,
        ZERO,
        D(amount),
        tuple((line_id, D(share)) for line_id, share in shares),
    )


def priced_quote(
    lines: Sequence[PricedLine],
    adjustments: Sequence[QuoteAdjustment] = (),
    currency: str = "EUR",
) -> PricedQuote:
    """Totals summed as cpq/pricing/quote_level.py does (lines' final amounts include their
    share of the quote adjustments)."""
    listed = sum((ln.list_price * ln.quantity * (ln.term_months or 1) for ln in lines), ZERO)
    total = sum((ln.final_amount for ln in lines), ZERO)
    costed = [ln for ln in lines if ln.unit_cost is not None]
    cost_total = margin = margin_pct = None
    if costed:
        cost_total = sum(
            (ln.unit_cost * ln.quantity * (ln.term_months or 1) for ln in costed if ln.unit_cost),
            ZERO,
        )
        revenue = sum((ln.final_amount for ln in costed), ZERO)
        margin = revenue - cost_total
        margin_pct = (margin / revenue * 100).quantize(D("0.01")) if revenue > 0 else None
    recurring = sum((ln.final_amount for ln in lines if ln.recurring), ZERO)
    return PricedQuote(
        currency=currency,
        pricing_date=date(2026, 3, 2),
        catalog_version=1,
        rule_set="test@0",
        rounding="per_line",
        lines=tuple(lines),
        quote_adjustments=tuple(adjustments),
        list_total=listed,
        one_time_total=total - recurring,
        recurring_monthly_total=ZERO,
        recurring_total=recurring,
        total=total,
        cost_total=cost_total,
        margin=margin,
        margin_percent=margin_pct,
    )


HEADER = """\
policy: {name: test, currency: EUR}
levels:
  - {code: manager, name: Sales manager, approvers: {reporting_line: manager}, escalate_after: 24h}
  - {code: director, name: Sales director, approvers: {reporting_line: director}}
  - {code: finance, name: Finance, approvers: {role: finance}, require: any}
"""


def load(text: str, header: str = HEADER) -> tuple[Policy, tuple[Example, ...]]:
    policy, issues, examples = policy_from_text(header + textwrap.dedent(text), "approvals.yaml")
    assert policy is not None, [str(i) for i in issues]
    assert not [i for i in issues if i.is_error]
    return policy, examples


def policy(text: str, header: str = HEADER) -> Policy:
    return load(text, header)[0]


NEUTRAL = QuoteFigures(
    currency="EUR",
    total=D(1000),
    total_amount=D(1000),
    list_total=D(1000),
    max_line_discount_percent=ZERO,
    total_discount_percent=ZERO,
    list_discount_percent=ZERO,
    margin_percent=D(40),
    payment_terms=None,
    customer=None,
    segment=None,
    skus=frozenset(),
    groups=frozenset(),
    line_count=1,
)


NUMBERS = frozenset(
    {
        "total",
        "total_amount",
        "list_total",
        "max_line_discount_percent",
        "total_discount_percent",
        "list_discount_percent",
        "margin_percent",
    }
)


def figures(**changes: Any) -> QuoteFigures:
    """``NEUTRAL`` with some figures changed; numbers may be written as int or str."""
    values: dict[str, Any] = {
        k: D(str(v)) if k in NUMBERS and isinstance(v, int | str) else v for k, v in changes.items()
    }
    return replace(NEUTRAL, **values)
