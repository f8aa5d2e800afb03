"""A configured bundle as quote lines: the bundle's item as the parent line, each selected option
as a child line under the option (or nested bundle) it belongs to, in model order.

Child line ids are the parent line id and the option id (``1/io/IO-AI8``), so a priced line
says which option of the configuration it is. Editable and per-parent-unit quantities count per
unit of the parent line; a fixed quantity is the line's whole quantity.
"""

from __future__ import annotations

from decimal import Decimal

from cpq.configuration.checking import Configuration
from cpq.configuration.model import ConfigModel
from cpq.pricing.inputs import LineInput


def bundle_line(
    model: ConfigModel, config: Configuration, line_id: str, quantity: Decimal
) -> LineInput:
    return LineInput(
        line_id=line_id,
        sku=model.sku,
        quantity=quantity,
        options=_children(model, config, line_id, None),
    )


def _children(
    model: ConfigModel, config: Configuration, line_id: str, parent: int | None
) -> tuple[LineInput, ...]:
    return tuple(
        LineInput(
            line_id=f"{line_id}/{option.id}",
            sku=option.sku,
            quantity=config.quantities[option.index],
            options=_children(model, config, line_id, option.index),
            per_parent_unit=option.quantity.fixed is None,
        )
        for option in model.options
        if option.parent == parent and option.index in config.selected
    )
