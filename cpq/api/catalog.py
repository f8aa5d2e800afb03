"""Read-only catalog: the back office owns this data, so every write answers 405.

Reading it (products, price lists, customers, product models) takes a credential with the
``quotes:read`` scope; the 405s need none, as they answer the same to anyone and read nothing."""

from __future__ import annotations

import json
import re
from typing import Annotated, Any

from fastapi import APIRouter, Query

from cpq.api import pagination
from cpq.api.deps import ROW_ID_MAX, ReadConn
from cpq.api.problems import responses
from cpq.api.schemas import (
    CustomerOut,
    Page,
    PriceListOut,
    ProductDetail,
    ProductModelOut,
    ProductSummary,
)
from cpq.api.security import require
from cpq.auth.principal import Scope
from cpq.errors import InvalidInput, NotFound, ReadOnlyResource
from cpq.repositories import catalog_read

router = APIRouter(
    prefix="/v1",
    tags=["catalog"],
    dependencies=[require(Scope.QUOTES_READ)],
    responses=responses(401, 403),
)
refused_writes = APIRouter(prefix="/v1", tags=["catalog"])

Limit = Annotated[int, Query(ge=1, le=500, description="Page size")]
Cursor = Annotated[str | None, Query(description="From `next_cursor` of the previous page")]
VersionQ = Annotated[
    int | None,
    Query(ge=1, le=ROW_ID_MAX, description="Read this catalog version (default: the latest)"),
]


def _version(conn: ReadConn, cursor: dict[str, Any] | None, requested: int | None) -> int | None:
    if cursor is not None:
        head = catalog_read.resolve_version(conn, None)
        if head is None or cursor["v"] > head:
            raise InvalidInput(
                "cursor is not one this API issued; start again without it", field="cursor"
            )
        return int(cursor["v"])
    version = catalog_read.resolve_version(conn, requested)
    if requested is not None and version is None:
        raise NotFound(f"catalog version {requested} does not exist")
    return version


def _page(rows: list[dict[str, Any]], limit: int, version: int | None, key: str) -> dict[str, Any]:
    more = len(rows) > limit
    rows = rows[:limit]
    cursor = pagination.encode(v=version, after=rows[-1][key]) if more else None
    return {"data": rows, "next_cursor": cursor, "catalog_version": version}


@router.get("/products", response_model=Page[ProductSummary], responses=responses(404, 422))
def list_products(
    conn: ReadConn,
    q: Annotated[
        str | None, Query(max_length=200, description="Text in SKU, name or description")
    ] = None,
    group: Annotated[
        str | None, Query(description="Product group code; includes its subgroups")
    ] = None,
    brand: str | None = None,
    include_inactive: bool = False,
    limit: Limit = 50,
    cursor: Cursor = None,
    catalog_version: VersionQ = None,
) -> dict[str, Any]:
    state = pagination.decode(cursor, "v", "after")
    version = _version(conn, state, catalog_version)
    if version is None:
        return _page([], limit, None, "sku")
    groups = catalog_read.group_descendants(conn, version, group) if group else None
    rows = catalog_read.products(
        conn,
        version,
        text=q,
        groups=groups,
        brand=brand,
        include_inactive=include_inactive,
        after=state["after"] if state else None,
        limit=limit + 1,
    )
    return _page(list(rows), limit, version, "sku")


@router.get("/products/{sku}", response_model=ProductDetail, responses=responses(404, 422))
def get_product(conn: ReadConn, sku: str, catalog_version: VersionQ = None) -> dict[str, Any]:
    version = _version(conn, None, catalog_version)
    item = catalog_read.product(conn, version, sku) if version else None
    if item is None or version is None:
        raise NotFound(f"no product with SKU {sku!r}")
    entries = catalog_read.prices(conn, version, sku)
    currencies = catalog_read.currencies(conn, version, {p["price_list"] for p in entries})
    prices = [{**p, "currency": currencies.get(p["price_list"], p["currency"])} for p in entries]
    return {
        **item,
        "catalog_version": version,
        "group_path": catalog_read.group_path(conn, version, item["product_group"]),
        "units": catalog_read.units(conn, version, sku),
        "prices": prices,
    }


@router.get("/price-lists", response_model=Page[PriceListOut], responses=responses(422))
def list_price_lists(conn: ReadConn, limit: Limit = 100, cursor: Cursor = None) -> dict[str, Any]:
    state = pagination.decode(cursor, "v", "after")
    version = _version(conn, state, None)
    if version is None:
        return _page([], limit, None, "code")
    rows = catalog_read.price_lists(
        conn, version, after=state["after"] if state else None, limit=limit + 1
    )
    return _page(rows, limit, version, "code")


@router.get("/price-lists/{code}", response_model=PriceListOut, responses=responses(404))
def get_price_list(conn: ReadConn, code: str) -> dict[str, Any]:
    version = _version(conn, None, None)
    found = catalog_read.price_list(conn, version, code) if version else None
    if found is None:
        raise NotFound(f"no price list {code!r}")
    return found


@router.get("/customers/{external_id}", response_model=CustomerOut, responses=responses(404))
def get_customer(conn: ReadConn, external_id: str) -> dict[str, Any]:
    version = _version(conn, None, None)
    found = catalog_read.customer(conn, version, external_id) if version else None
    if found is None:
        raise NotFound(f"no customer {external_id!r}")
    return found


@router.get("/customers", response_model=Page[CustomerOut], responses=responses(422))
def list_customers(
    conn: ReadConn,
    q: Annotated[str | None, Query(max_length=200, description="Text in id or name")] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> dict[str, Any]:
    state = pagination.decode(cursor, "v", "after")
    version = _version(conn, state, None)
    if version is None:
        return _page([], limit, None, "external_id")
    rows = catalog_read.customers(
        conn, version, text=q, after=state["after"] if state else None, limit=limit + 1
    )
    return _page(rows, limit, version, "external_id")


def _model(row: dict[str, Any]) -> dict[str, Any]:
    return {**row, "definition": json.loads(row["definition"])}


@router.get("/product-models", response_model=list[ProductModelOut])
def list_product_models(conn: ReadConn) -> list[dict[str, Any]]:
    version = _version(conn, None, None)
    return [_model(r) for r in catalog_read.product_models(conn, version)] if version else []


@router.get("/product-models/{code}", response_model=ProductModelOut, responses=responses(404))
def get_product_model(conn: ReadConn, code: str) -> dict[str, Any]:
    version = _version(conn, None, None)
    found = catalog_read.product_models(conn, version, code) if version else []
    if not found:
        raise NotFound(f"no product model {code!r}")
    return _model(found[0])


_WRITES = ["POST", "PUT", "PATCH", "DELETE"]
_OWNED = "the back office owns this data: change it in the ERP and sync (cpq sync)"


def _read_only() -> None:
    raise ReadOnlyResource(_OWNED)


_READ_ONLY_PATHS = (
    "/products",
    "/products/{sku}",
    "/price-lists",
    "/price-lists/{code}",
    "/customers",
    "/customers/{external_id}",
    "/product-models",
    "/product-models/{code}",
)
for _path in _READ_ONLY_PATHS:
    _slug = (
        "".join(c if c.isalnum() else "_" for c in _path.strip("/")).replace("__", "_").strip("_")
    )
    for _method in _WRITES:
        refused_writes.add_api_route(
            _path,
            _read_only,
            methods=[_method],
            status_code=405,
            responses=responses(405),
            summary="Not allowed: the catalog is a read-only replica of the back office",
            operation_id=f"{_method.lower()}_{_slug}_not_allowed",
            openapi_extra={
                "parameters": [
                    {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
                    for name in re.findall(r"{(\w+)}", _path)
                ]
            },
        )
