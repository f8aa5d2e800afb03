"""Lines of a quote, changed in place: add from a catalog search, change a quantity, remove.
Each change reprices the quote through ``quotes.edit`` and answers the new quote body (htmx) or
redirects (a plain form). A line's discount: ``routes_discounts.py``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form
from fastapi.responses import Response
from pydantic import ValidationError
from sqlalchemy import Connection

from cpq.api.quote_schemas import QuoteLineIn
from cpq.errors import CPQError, InvalidInput, NotFound
from cpq.repositories import catalog_read
from cpq.services import quotes
from cpq.web import typed_input
from cpq.web.quote_action import OnQuoteDep, Posted
from cpq.web.render import page
from cpq.web.routes_quotes import SearchText
from cpq.web.routing import PageRoute
from cpq.web.typed_input import Typed

router = APIRouter(include_in_schema=False, route_class=PageRoute)


def _checked(line: dict[str, Any]) -> dict[str, Any]:
    """A line as the API would store it (the same schema), or 422 naming what is wrong."""
    try:
        return QuoteLineIn.model_validate(line).model_dump(mode="json", exclude_none=True)
    except ValidationError as exc:
        problems = "; ".join(e["msg"] for e in exc.errors())
        raise InvalidInput(problems) from None


def _replace(line_id: str, update: dict[str, Any]) -> quotes.Edit:
    def change(
        terms: dict[str, Any], lines: list[dict[str, Any]]
    ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        if not any(ln["id"] == line_id for ln in lines):
            raise NotFound(f"the quote has no line {line_id}")
        return terms, [_checked({**ln, **update}) if ln["id"] == line_id else ln for ln in lines]

    return change


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

    def change(
        terms: dict[str, Any], lines: list[dict[str, Any]]
    ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        new = quotes.number_lines(
            [{"sku": sku, "quantity": format(amount, "f")}], [ln["id"] for ln in lines]
        )
        return terms, [*lines, *(_checked(ln) for ln in new)]

    return action.edit(change, f"Added {sku}.")


@router.post("/quotes/{quote_id}/lines/{line_id}/quantity")
def set_quantity(action: Posted, line_id: str, quantity: Typed) -> Response:
    try:
        amount = typed_input.quantity(quantity)
    except InvalidInput as exc:
        return action.refused(exc)
    return action.edit(_replace(line_id, {"quantity": format(amount, "f")}), "Quantity updated.")


@router.post("/quotes/{quote_id}/lines/{line_id}/remove")
def remove_line(action: Posted, line_id: str) -> Response:
    def change(
        terms: dict[str, Any], lines: list[dict[str, Any]]
    ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        if not any(ln["id"] == line_id for ln in lines):
            raise NotFound(f"the quote has no line {line_id}")
        return terms, [ln for ln in lines if ln["id"] != line_id]

    return action.edit(change, "Line removed.")
