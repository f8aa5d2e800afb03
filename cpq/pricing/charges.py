"""Price-setting rules, one small strategy per kind: each takes the line and returns the new unit
price (per sold unit, quote currency, full precision) and the words that explain it, or None with
the reason it cannot apply to this line (e.g. markup on cost with no cost)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol

from cpq.pricing.endings import apply_ending, describe_ending
from cpq.pricing.rules import model as M
from cpq.pricing.tiers import (
    block_total,
    describe_blocks,
    describe_slab,
    range_tier,
    slab_total,
)
from cpq.pricing.wording import plain

ZERO = Decimal(0)
HUNDRED = Decimal(100)


class LineView(Protocol):
    """What a strategy may read of a line being priced."""

    @property
    def sku(self) -> str: ...
    @property
    def unit(self) -> str: ...
    @property
    def quantity(self) -> Decimal: ...  # sold units
    @property
    def factor(self) -> Decimal: ...  # base units per sold unit
    @property
    def base_quantity(self) -> Decimal: ...
    @property
    def list_price(self) -> Decimal | None: ...  # per sold unit, quantized
    @property
    def cost(self) -> Decimal | None: ...  # per sold unit, quote currency
    @property
    def parent_price(self) -> Decimal | None: ...  # the bundle's net unit price, for its options


class Prices(Protocol):
    """What a strategy may ask of the quote being priced."""

    currency: str

    def money(self, amounts: M.Amounts) -> Decimal: ...

    def price_in_list(self, code: str, line: LineView) -> Decimal | None: ...


@dataclass(frozen=True, slots=True)
class Outcome:
    price: Decimal | None
    explanation: str  # what was done, or why the rule could not apply


def _tier_unit_prices(
    tiers: tuple[M.Tier, ...], line: LineView, prices: Prices
) -> list[Decimal] | None:
    """Each tier's price per base unit."""
    out: list[Decimal] = []
    for tier in tiers:
        if tier.price is not None:
            out.append(prices.money(tier.price))
        elif line.list_price is None:
            return None
        else:
            per_base = line.list_price / line.factor
            out.append(per_base * (1 - (tier.percent or ZERO) / HUNDRED))
    return out


def fixed_price(action: M.FixedPrice, line: LineView, prices: Prices) -> Outcome:
    per_base = prices.money(action.price)
    return Outcome(per_base * line.factor, f"fixed price {plain(per_base)} per base unit")


def markup_on_cost(action: M.MarkupOnCost, line: LineView, prices: Prices) -> Outcome:
    if line.cost is None:
        return Outcome(None, "no unit cost for this item")
    price = line.cost * (1 + action.percent / HUNDRED)
    return Outcome(price, f"cost {line.cost:.4f} plus {plain(action.percent)}% markup")


def volume_range(action: M.VolumeRange, line: LineView, prices: Prices) -> Outcome:
    unit_prices = _tier_unit_prices(action.tiers, line, prices)
    if unit_prices is None:
        return Outcome(None, "no list price to take the tier's percent from")
    n = range_tier([t.up_to for t in action.tiers], line.base_quantity)
    tier = action.tiers[n]
    bound = f"up to {plain(tier.up_to)}" if tier.up_to is not None else "above the last bound"
    figure = f"{plain(tier.percent)}% off" if tier.percent is not None else "its price"
    return Outcome(
        unit_prices[n] * line.factor,
        f"range tier {n + 1} ({bound}, all {plain(line.base_quantity)} units at {figure})",
    )


def volume_slab(action: M.VolumeSlab, line: LineView, prices: Prices) -> Outcome:
    unit_prices = _tier_unit_prices(action.tiers, line, prices)
    if unit_prices is None:
        return Outcome(None, "no list price to take the tiers' percents from")
    total, parts = slab_total([t.up_to for t in action.tiers], unit_prices, line.base_quantity)
    words = describe_slab(parts, prices.currency)
    return Outcome(total / line.quantity, f"graduated: {words}; total {total:.4f}")


def block(action: M.BlockPrice, line: LineView, prices: Prices) -> Outcome:
    price = prices.money(action.price)
    blocks, total = block_total(action.size, price, line.base_quantity)
    return Outcome(
        total / line.quantity,
        f"{describe_blocks(blocks, action.size, price, prices.currency)}; total {total}",
    )


def bundle_component(action: M.BundleComponent, line: LineView, prices: Prices) -> Outcome:
    if action.percent is None:
        return Outcome(ZERO, "included in the bundle")
    if line.parent_price is None:
        return Outcome(None, "not an option of a bundle")
    price = line.parent_price * action.percent / HUNDRED
    return Outcome(price, f"{plain(action.percent)}% of the bundle's unit price")


def formula(action: M.Formula, line: LineView, prices: Prices) -> Outcome:
    if action.base == "cost":
        base, named = line.cost, "cost"
    elif action.base == "price_list" and action.price_list is not None:
        base, named = prices.price_in_list(action.price_list, line), f"list {action.price_list}"
    else:
        base, named = line.list_price, "list price"
    if base is None:
        return Outcome(None, f"no {named} for this item")
    steps = [f"{named} {base:.4f}"]
    price = base * (1 - action.discount_percent / HUNDRED)
    if action.discount_percent > 0:
        steps.append(f"less {plain(action.discount_percent)}%")
    elif action.discount_percent < 0:
        steps.append(f"plus {plain(-action.discount_percent)}%")
    if action.rounding is not None:
        price = apply_ending(price, action.rounding)
        steps.append(describe_ending(action.rounding))
    if action.surcharge is not None:
        surcharge = prices.money(action.surcharge) * line.factor
        price += surcharge
        steps.append(f"plus {plain(surcharge)}")
    if action.min_margin is not None:
        floor = base + prices.money(action.min_margin) * line.factor
        if price < floor:
            price = floor
            steps.append(f"raised to the minimum margin ({plain(floor)})")
    if action.max_margin is not None:
        ceiling = base + prices.money(action.max_margin) * line.factor
        if price > ceiling:
            price = ceiling
            steps.append(f"lowered to the maximum margin ({plain(ceiling)})")
    return Outcome(max(price, ZERO), ", ".join(steps))


Strategy = Callable[[Any, LineView, Prices], Outcome]
STRATEGIES: Mapping[str, Strategy] = {
    "fixed_price": fixed_price,
    "markup_on_cost": markup_on_cost,
    "volume_range": volume_range,
    "volume_slab": volume_slab,
    "block": block,
    "bundle_component": bundle_component,
    "formula": formula,
}
