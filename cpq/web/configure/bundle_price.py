"""The configured bundle priced alone: the line to price, the price the page shows (the total,
one-time and monthly, the bundle's own line) and each option's amount; and the configuration a
quote line keeps. Pure: the pricing answer comes in as data."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from cpq.configuration.checking import Configuration
from cpq.configuration.lines import bundle_line
from cpq.configuration.model import ConfigModel
from cpq.pricing.inputs import LineInput

LINE_ID = "1"  # the bundle's line id while pricing it alone


@dataclass(frozen=True, slots=True)
class PriceView:
    total: Any
    one_time: Any
    monthly: Any  # recurring per month; 0 when none
    bundle_amount: Any  # the parent item's own line


def priced_line(model: ConfigModel, config: Configuration, count: Decimal) -> dict[str, Any]:
    """The configured bundle expanded into its option lines, as a stored line for pricing: the
    same lines the quote prices for the configuration."""
    return _line_dict(bundle_line(model, config, LINE_ID, count))


def _line_dict(line: LineInput) -> dict[str, Any]:
    return {
        "id": line.line_id,
        "sku": line.sku,
        "quantity": format(line.quantity, "f"),
        "per_parent_unit": line.per_parent_unit,
        "options": [_line_dict(o) for o in line.options],
    }


def stored_configuration(model: ConfigModel, config: Configuration) -> dict[str, Any]:
    """The configuration a quote line keeps: every option of it (the implied ones too) with its
    quantity, and the attribute values; the quote checks and expands it again when pricing."""
    return {
        "bundle": model.code,
        "selections": [
            {"option": o.id, "quantity": format(config.quantities[o.index], "f")}
            for o in model.options
            if o.index in config.selected
        ],
        "attributes": {model.attributes[a].id: v for a, v in sorted(config.values.items())},
    }


def option_amounts(model: ConfigModel, priced: Mapping[str, Any] | None) -> dict[int, Any]:
    """Each priced option's amount on the line, by option index."""
    if not priced:
        return {}
    prefix = f"{LINE_ID}/"
    by_line = {ln["line_id"]: ln["final_amount"] for ln in priced["lines"]}
    found = {}
    for option in model.options:
        amount = by_line.get(prefix + option.id)
        if amount is not None:
            found[option.index] = amount
    return found


def price_view(priced: Mapping[str, Any] | None) -> PriceView | None:
    if not priced:
        return None
    totals = priced["totals"]
    own = next((ln["final_amount"] for ln in priced["lines"] if ln["line_id"] == LINE_ID), None)
    return PriceView(
        total=totals["total"],
        one_time=totals["one_time_total"],
        monthly=totals["recurring_monthly_total"],
        bundle_amount=own,
    )
