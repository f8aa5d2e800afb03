"""Lines of a quote, changed in place: add from a catalog search, quantity, the rep's discount
(with the approval it would need shown while typing), remove. Each change reprices the quote
through ``quotes.edit`` and answers the new quote body (htmx) or redirects (a plain form)."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import Response
from pydantic import ValidationError
from sqlalchemy import Connection

from cpq.api.deps import EngineDep, SettingsDep
from cpq.api.quote_schemas import QuoteLineIn
from cpq.errors import CPQError, InvalidInput, NotFound
from cpq.repositories import catalog_read
from cpq.services import quotes
from cpq.web import discount_preview
from cpq.web.render import page
from cpq.web.routes_quotes import (
    Revision,
    SearchText,
    after_change,
    base,
    context_of,
    error_text,
    refused,
)
from cpq.web.routing import PageRoute
from cpq.web.session import SignedInDep

router = APIRouter(include_in_schema=False, route_class=PageRoute)

Typed = Annotated[str, Form(max_length=30)]  # a number as typed; checked by _number
MAX_QUANTITY = Decimal("1e12")


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


def _run(
    request: Request,
    engine: EngineDep,
    signed: SignedInDep,
    settings: SettingsDep,
    quote_id: str,
    revision: int,
    change: quotes.Edit,
    notice: str,
) -> Response:
    ctx = context_of(signed, settings)
    try:
        with engine.begin() as conn:
            quotes.edit(conn, ctx, quote_id, revision, change)
    except CPQError as exc:
        return refused(request, engine, signed, settings, quote_id, exc)
    return after_change(request, engine, signed, settings, quote_id, notice)


@router.get("/quotes/{quote_id}/catalog")
def catalog_search(
    request: Request,
    quote_id: str,
    signed: SignedInDep,
    engine: EngineDep,
    settings: SettingsDep,
    q: SearchText = "",
) -> Response:
    """Products matching ``q`` (SKU, name or description), each a button adding it; a bundle
    (a product model sells that SKU) links to its configurator instead, never a bare kit line."""
    ctx = context_of(signed, settings)
    products: list[dict[str, Any]] = []
    bundles: dict[str, str] = {}
    try:
        with engine.connect() as conn:
            loaded = quotes.load(conn, ctx, quote_id)
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
        return page(request, "_messages.html.j2", {"error": exc.detail}, exc.status)
    context = base(
        signed,
        "Products",
        q=q,
        products=products,
        bundles=bundles,
        quote={"id": quote_id},
        revision=loaded.quote["revision"],
    )
    return page(request, "_catalog_results.html.j2", context)


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
    request: Request,
    quote_id: str,
    signed: SignedInDep,
    engine: EngineDep,
    settings: SettingsDep,
    revision: Revision,
    sku: Annotated[str, Form(min_length=1, max_length=200)],
    quantity: Typed = "1",
) -> Response:
    try:
        amount = _quantity(quantity)
    except InvalidInput as exc:
        return refused(request, engine, signed, settings, quote_id, exc)

    def change(
        terms: dict[str, Any], lines: list[dict[str, Any]]
    ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        new = quotes.number_lines(
            [{"sku": sku, "quantity": format(amount, "f")}], [ln["id"] for ln in lines]
        )
        return terms, [*lines, *(_checked(ln) for ln in new)]

    return _run(request, engine, signed, settings, quote_id, revision, change, f"Added {sku}.")


@router.post("/quotes/{quote_id}/lines/{line_id}/quantity")
def set_quantity(
    request: Request,
    quote_id: str,
    line_id: str,
    signed: SignedInDep,
    engine: EngineDep,
    settings: SettingsDep,
    revision: Revision,
    quantity: Typed,
) -> Response:
    try:
        amount = _quantity(quantity)
    except InvalidInput as exc:
        return refused(request, engine, signed, settings, quote_id, exc)
    change = _replace(line_id, {"quantity": format(amount, "f")})
    return _run(request, engine, signed, settings, quote_id, revision, change, "Quantity updated.")


@router.post("/quotes/{quote_id}/lines/{line_id}/discount")
def set_discount(
    request: Request,
    quote_id: str,
    line_id: str,
    signed: SignedInDep,
    engine: EngineDep,
    settings: SettingsDep,
    revision: Revision,
    discount_percent: Typed = "",
    reason: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    try:
        percent = _percent(discount_percent)
    except InvalidInput as exc:
        return refused(request, engine, signed, settings, quote_id, exc)
    change = discount_preview.set_line_discount(line_id, percent, reason.strip() or None)
    notice = "Discount removed." if percent is None else "Discount saved."
    return _run(request, engine, signed, settings, quote_id, revision, change, notice)


@router.post("/quotes/{quote_id}/lines/{line_id}/remove")
def remove_line(
    request: Request,
    quote_id: str,
    line_id: str,
    signed: SignedInDep,
    engine: EngineDep,
    settings: SettingsDep,
    revision: Revision,
) -> Response:
    def change(
        terms: dict[str, Any], lines: list[dict[str, Any]]
    ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        if not any(ln["id"] == line_id for ln in lines):
            raise NotFound(f"the quote has no line {line_id}")
        return terms, [ln for ln in lines if ln["id"] != line_id]

    return _run(request, engine, signed, settings, quote_id, revision, change, "Line removed.")


def _number(text: str, field: str) -> Decimal | None:
    """A number as typed (``12,5`` or ``12.5 %`` too); None when empty."""
    cleaned = text.strip().removesuffix("%").strip().replace(",", ".")
    if not cleaned:
        return None
    try:
        value = Decimal(cleaned)
    except ArithmeticError:
        raise InvalidInput(f"{text!r} is not a number", field=field) from None
    exponent = value.as_tuple().exponent
    if not value.is_finite() or not isinstance(exponent, int) or exponent < -6:
        raise InvalidInput(f"{text!r}: give a number with at most 6 decimals", field=field)
    return value


def _percent(text: str) -> Decimal | None:
    """The typed discount: empty is none; else a percent from 0 to 100."""
    value = _number(text, "discount_percent")
    if value is not None and not Decimal(0) <= value <= Decimal(100):
        raise InvalidInput("a discount is a percent from 0 to 100", field="discount_percent")
    return value


def _quantity(text: str) -> Decimal:
    value = _number(text, "quantity")
    if value is None or not Decimal(0) < value <= MAX_QUANTITY:
        raise InvalidInput("a quantity is a number above 0", field="quantity")
    return value


@router.get("/quotes/{quote_id}/lines/{line_id}/discount-preview")
def preview_discount(
    request: Request,
    quote_id: str,
    line_id: str,
    signed: SignedInDep,
    engine: EngineDep,
    settings: SettingsDep,
    revision: Annotated[int, Query(ge=1, le=2**31 - 1)],
    discount_percent: Annotated[str, Query(max_length=30)] = "",
) -> Response:
    """What approval ``discount_percent`` on the line would need, not saving it."""
    context = base(signed, "Approval preview", line_id=line_id, found=None, problem=None)
    try:
        percent = _percent(discount_percent)
        if percent is not None:
            context["found"] = discount_preview.preview(
                engine, context_of(signed, settings), quote_id, revision, line_id, percent
            )
    except CPQError as exc:
        context["problem"] = error_text(exc)
    return page(request, "_discount_preview.html.j2", context)
