"""Fetch what a quote document shows (the shell's read phase): the quote and version as the
caller may see them, the customer's synced name and the rep's name."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from cpq.documents.context import Parties, quote_context
from cpq.documents.templates import template_version
from cpq.repositories import catalog_read, teams
from cpq.services import quotes
from cpq.services.quotes import Context
from cpq.settings import Settings


def quote_document_context(
    conn: Connection,
    ctx: Context,
    settings: Settings,
    quote_id: str,
    version: int | None = None,
    *,
    lang: str = "en",
) -> dict[str, Any]:
    """The template context of the quote's version (default: the current one); the same access
    rules as reading the quote (404 when the caller may not see it)."""
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
    )
    return quote_context(loaded.quote, row, parties, lang=lang, template_version=template_version())
