"""Builders of canonical back-office exports for tests: small, valid by default, easy to break."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

Rows = list[dict[str, Any]]


def write_csv(path: Path, rows: Iterable[Mapping[str, Any]], delimiter: str = ",") -> Path:
    rows = list(rows)
    header: list[str] = []
    for row in rows:
        header.extend(k for k in row if k not in header)
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, delimiter=delimiter)
        writer.writerow(header)
        for row in rows:
            writer.writerow(["" if row.get(h) is None else row.get(h) for h in header])
    return path


def small_export() -> dict[str, Rows]:
    """Two groups, three items (one sold by the box), two price lists, a customer, a rate."""
    return {
        "product_groups": [
            {"code": "HW", "name": "Hardware", "parent": ""},
            {"code": "SENS", "name": "Sensors", "parent": "HW"},
        ],
        "items": [
            {
                "sku": "S-100",
                "name": "Temperature sensor",
                "base_unit": "each",
                "product_group": "SENS",
                "brand": "Acme",
                "unit_cost": "40.00",
                "cost_currency": "EUR",
            },
            {
                "sku": "S-200",
                "name": "Humidity sensor",
                "base_unit": "each",
                "product_group": "SENS",
                "brand": "Acme",
                "unit_cost": "55.50",
                "cost_currency": "EUR",
            },
            {
                "sku": "C-10",
                "name": "Cable tie",
                "base_unit": "each",
                "product_group": "HW",
                "brand": "Bolt",
                "unit_cost": "0.02",
                "cost_currency": "EUR",
            },
        ],
        "item_units": [{"sku": "C-10", "unit": "box", "factor": "100"}],
        "price_lists": [
            {"code": "STD-EUR", "name": "Standard EUR", "currency": "EUR", "kind": "standard"},
            {"code": "STD-USD", "name": "Standard USD", "currency": "USD", "kind": "standard"},
        ],
        "price_list_entries": [
            {"price_list": "STD-EUR", "sku": "S-100", "unit_price": "79.00"},
            {"price_list": "STD-EUR", "sku": "S-100", "unit_price": "72.00", "min_quantity": "10"},
            {"price_list": "STD-EUR", "sku": "S-200", "unit_price": "99.90"},
            {"price_list": "STD-EUR", "sku": "C-10", "unit": "box", "unit_price": "4.50"},
            {"price_list": "STD-USD", "sku": "S-100", "unit_price": "86.00"},
        ],
        "customers": [
            {
                "external_id": "CUST-1",
                "name": "Globex",
                "segment": "enterprise",
                "territory": "DACH",
                "default_currency": "EUR",
            },
        ],
        "exchange_rates": [
            {
                "from_currency": "EUR",
                "to_currency": "USD",
                "valid_date": "2026-01-01",
                "rate": "1.0850",
            },
        ],
    }


def write_export(folder: Path, export: Mapping[str, Rows]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for entity, rows in export.items():
        write_csv(folder / f"{entity}.csv", rows)
    return folder
