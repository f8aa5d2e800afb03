"""Lines of a quote, changed in place: add from a catalog search, change a quantity, remove.
Each change reprices the quote through ``quotes.edit`` and answers the new quote body (htmx) or
redirects (a plain form). A line's discount: ``routes_discounts.py``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form
from fastapi.responses import Response
from sqlalchemy import Connection

from cpq.api.quote_schemas import stored_line
from cpq.errors import CPQError, InvalidInput
from cpq.repositories import catalog_read
from cpq.services import quotes
from cpq.web import typed_input
from cpq.web.configure.quote_line import put_line
from cpq.web.quote_action import OnQuoteDep, Posted
from cpq.web.render import page
from cpq.web.routes_quotes import SearchText
from cpq.web.routing import PageRoute
from cpq.web.typed_input import Typed

router = APIRouter(include_in_schema=False, route_class=PageRoute)


@router.get("/quotes/{quote_id}/catalog")
def catalog_search(on: OnQuoteDep, q: SearchText = "") -> Response:
    """Products matching ``q`` (SKU, name or description), each a button adding it; a bundle
    (a product model sells that SKU) links to its configurator instead, never a bare kit line."""
    products: list[dict[str, Any]] = []
    bundles: dict[str, str] = {}
    try:
        with on.engine.connect() as conn:
            loaded = quotes.load(conn, on.ctx, on.quote_id)
            version = loaded.version["catalog_version"] or catalog_read.resolve_version(conn, None)
            if q.strip() and version is not None:
                products = list(
                    catalog_read.products(
                        conn,
                        version,
                        text=q,
                        groups=None,
                        brand=None,
                        include_inactive=False,
                        after=None,
                        limit=15,
                    )
                )
                bundles = _bundle_codes(conn, version, {p["sku"] for p in products})
    except CPQError as exc:  # the quote is gone, or not the caller's
        return page(on.request, "_messages.html.j2", {"error": exc.detail}, exc.status)
    context = on.base(
        "Products",
        q=q,
        products=products,
        bundles=bundles,
        quote={"id": on.quote_id},
        revision=loaded.quote["revision"],
    )
    return page(on.request, "_catalog_results.html.j2", context)


def _bundle_codes(conn: Connection, version: int, skus: set[str]) -> dict[str, str]:
    """SKU -> product model code, for the SKUs sold as configurable bundles."""
    if not skus:
        return {}
    return {
        row["sku"]: row["code"]
        for row in catalog_read.product_models(conn, version)
        if row["sku"] in skus
    }


@router.post("/quotes/{quote_id}/lines")
def add_line(
    action: Posted,
    sku: Annotated[str, Form(min_length=1, max_length=200)],
    quantity: Typed = "1",
) -> Response:
    try:
        amount = typed_input.quantity(quantity)
    except InvalidInput as exc:
        return action.refused(exc)

    new = {"sku": sku, "quantity": format(amount, "f")}
    return action.edit(put_line(new, ""), f"Added {sku}.")


@router.post("/quotes/{quote_id}/lines/{line_id}/quantity")
def set_quantity(action: Posted, line_id: str, quantity: Typed) -> Response:
    try:
        amount = typed_input.quantity(quantity)
    except InvalidInput as exc:
        return action.refused(exc)
    change = quotes.line_replaced(
        line_id, lambda line: stored_line({**line, "quantity": format(amount, "f")})
    )
    return action.edit(change, "Quantity updated.")


@router.post("/quotes/{quote_id}/lines/{line_id}/remove")
def remove_line(action: Posted, line_id: str) -> Response:
    return action.edit(quotes.line_removed(line_id), "Line removed.")
