"""Pricing a quote version: its terms and lines, on its pinned catalog version and rule set (or
the latest ones when repricing), then the figures the approval policy judges and the hash of
the content an approval binds to. Fetch (catalog, rules) -> compute (pure engine) -> the caller
persists."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import Connection

from cpq.api.pricing import LineIn, quote_out
from cpq.approvals.figures import QuoteFigures, figures_of
from cpq.pricing.inputs import DiscountKind, ManualDiscount, PricingContext, PricingRequest
from cpq.pricing.price_lists import rate
from cpq.pricing.snapshot import PricingCatalog
from cpq.pricing.waterfall import PricedQuote
from cpq.quotes.snapshot import snapshot_hash, to_json
from cpq.services import configuration, rule_sets
from cpq.services.pricing import pinned_version, price_on_version

# What the customer agrees to besides the lines; part of the content an approval binds to.
TERMS = (
    "currency",
    "customer",
    "price_list",
    "codes",
    "payment_terms",
    "term_months",
    "quote_discount_percent",
    "quote_discount_reason",
    "valid_until",
)


@dataclass(frozen=True, slots=True)
class Pricing:
    """The priced state of a version (``priced`` None: no lines yet)."""

    priced: dict[str, Any] | None
    figures: QuoteFigures | None
    total: Decimal | None
    catalog_version: int | None
    rule_set_digest: str | None
    pricing_date: date
    snapshot_hash: str


def terms_of(version: Mapping[str, Any]) -> dict[str, Any]:
    return {name: version.get(name) for name in TERMS}


def _context(terms: Mapping[str, Any], pricing_date: date) -> PricingContext:
    percent = terms.get("quote_discount_percent")
    return PricingContext(
        currency=terms["currency"],
        pricing_date=pricing_date,
        customer=terms.get("customer"),
        price_list=terms.get("price_list"),
        codes=frozenset(terms.get("codes") or ()),
        term_months=terms.get("term_months"),
        quote_discount=(
            ManualDiscount(
                DiscountKind.PERCENT, Decimal(percent), terms.get("quote_discount_reason")
            )
            if percent is not None
            else None
        ),
    )


def _figures(
    priced: PricedQuote,
    catalog: PricingCatalog,
    terms: Mapping[str, Any],
    policy_currency: str,
) -> QuoteFigures:
    customer = catalog.customers.get(terms["customer"]) if terms.get("customer") else None
    if priced.currency == policy_currency:
        to_policy: Decimal | None = Decimal(1)
    else:
        found = rate(catalog, priced.currency, policy_currency, priced.pricing_date)
        to_policy = found.rate if found is not None else None
    return figures_of(
        priced,
        payment_terms=terms.get("payment_terms"),
        customer=terms.get("customer"),
        segment=customer.segment if customer is not None else None,
        groups_of={sku: item.groups for sku, item in catalog.items.items()},
        rate_to_policy=to_policy,
    )


def price_content(
    conn: Connection,
    *,
    rules_dir: Path,
    policy_currency: str,
    terms: Mapping[str, Any],
    lines: Sequence[Mapping[str, Any]],
    pricing_date: date,
    catalog_version: int | None,
    rule_set_digest: str | None,
) -> Pricing:
    """Price ``lines`` (stored line inputs) under ``terms``, on ``catalog_version`` (an existing
    version; None: the latest) with the rule set ``rule_set_digest`` (None: the rule files of
    now)."""
    if rule_set_digest is None:
        engine, rule_set_digest = rule_sets.current(conn, rules_dir)
    else:
        engine = rule_sets.pinned(conn, rule_set_digest)
    version = catalog_version if catalog_version is not None else pinned_version(conn, None)
    if not lines:
        digest = snapshot_hash(terms_of(terms), [], None)
        return Pricing(None, None, None, version, rule_set_digest, pricing_date, digest)
    parsed = [LineIn.model_validate(line) for line in lines]
    request = PricingRequest(_context(terms, pricing_date), tuple(ln.domain() for ln in parsed))
    configured = {
        n: line.configuration.domain()
        for n, line in enumerate(parsed)
        if line.configuration is not None
    }
    if configured:
        request = configuration.configure_lines(conn, request, configured, version)
    priced, catalog = price_on_version(conn, engine, request, version)
    stored = to_json(quote_out(priced))
    figures = _figures(priced, catalog, terms, policy_currency)
    return Pricing(
        priced=stored,
        figures=figures,
        total=priced.total,
        catalog_version=version,
        rule_set_digest=rule_set_digest,
        pricing_date=pricing_date,
        snapshot_hash=snapshot_hash(terms_of(terms), lines, stored),
    )
