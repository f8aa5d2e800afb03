"""Fetch what a quote document shows (the shell's read phase): the quote and version as the
caller may see them, the customer's synced name and the rep's name."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection

from cpq.documents.context import Parties, document_locale, quote_context
from cpq.documents.templates import template_version
from cpq.documents.terms import terms_for
from cpq.repositories import catalog_read, teams
from cpq.services import quotes
from cpq.services.quotes import Context
from cpq.settings import Settings


@dataclass(frozen=True, slots=True)
class QuoteDocument:
    """A quote version's document context and what identifies it in storage."""

    quote_id: str
    version: int
    snapshot_hash: str
    lang: str
    template_version: str
    context: dict[str, Any]


def quote_document(
    conn: Connection,
    ctx: Context,
    settings: Settings,
    quote_id: str,
    version: int | None = None,
    *,
    lang: str | None = None,
) -> QuoteDocument:
    """The document of the quote's version (default: the current one) in ``lang`` (default:
    the quote's own language); the same access rules as reading the quote (404 when the
    caller may not see it)."""
    loaded = quotes.load(conn, ctx, quote_id, version)
    row = loaded.version
    customer = None
    if row.get("customer") and row.get("catalog_version") is not None:
        customer = catalog_read.customer(conn, row["catalog_version"], row["customer"])
    owner = teams.names(conn, {loaded.quote["owner_id"]}).get(loaded.quote["owner_id"], {})
    parties = Parties(
        seller_name=settings.seller_name,
        seller_address=settings.seller_address,
        customer_name=customer["name"] if customer else None,
        rep_name=owner.get("display_name"),
        seller_logo=settings.seller_logo,
        rep_email=owner.get("email", ""),
    )
    chosen, locale = document_locale(lang, row.get("locale"))
    tv = template_version()
    context = quote_context(
        loaded.quote,
        row,
        parties,
        lang=chosen,
        locale=locale,
        template_version=tv,
        terms=terms_for(chosen),
        tax_rate_percent=settings.tax_estimate_percent,
    )
    return QuoteDocument(
        quote_id=str(loaded.quote["id"]),
        version=int(row["version"]),
        snapshot_hash=str(row.get("snapshot_hash") or ""),
        lang=chosen,
        template_version=tv,
        context=context,
    )
