"""Plain quote and version dicts, shaped like the stored rows, for the document tests."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from cpq.documents.context import Parties, quote_context
from cpq.documents.render import template_version

PARTIES = Parties(
    "Example Instruments GmbH", "Musterstrasse 1\n10115 Berlin", "Acme AG", "Rita Rep"
)
QUOTE = {"id": "0b7c2f7e-0000-4000-8000-000000000001", "number": "Q-2026-000042"}


def line(n: int, parent: int | None = None, **extra: Any) -> dict[str, Any]:
    return {
        "line_id": str(n),
        "sku": f"SKU-{n:05d}",
        "name": f"Item number {n}",
        "parent_line_id": None if parent is None else str(parent),
        "quantity": "4",
        "unit": "EA",
        "list_price": "120.00",
        "net_unit_price": "102.00",
        "final_amount": "408.00",
        "recurring": False,
        "term_months": None,
        "adjustments": [],
        **extra,
    }


def version(lines: list[dict[str, Any]], status: str = "draft", **extra: Any) -> dict[str, Any]:
    return {
        "version": 2,
        "status": status,
        "currency": "EUR",
        "customer": "C-10001",
        "valid_until": date(2026, 12, 24),
        "payment_terms": "NET30",
        "title": "Sensors for hall 3",
        "notes": None,
        "created_at": datetime(2026, 11, 20, 8, 30),
        "priced_at": datetime(2026, 11, 20, 8, 31, 5),
        "total": "1234.50",
        "priced": {
            "currency": "EUR",
            "lines": lines,
            "quote_adjustments": [
                {"kind": "discount", "description": "Loyalty 2%", "amount": "-25.20"}
            ],
            "totals": {
                "one_time_total": "1234.50",
                "recurring_monthly_total": "0",
                "recurring_total": "0",
                "total": "1234.50",
            },
        },
        **extra,
    }


def context(
    lines: list[dict[str, Any]] | None = None, status: str = "draft", lang: str = "en", **extra: Any
) -> dict[str, Any]:
    rows = lines if lines is not None else [line(1), line(2, parent=1), line(3)]
    return quote_context(
        QUOTE,
        version(rows, status, **extra),
        PARTIES,
        lang=lang,
        template_version=template_version(),
    )
