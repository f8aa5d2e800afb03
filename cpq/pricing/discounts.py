"""The discount step: discounts, surcharges and free items, combined as each rule states."""

from __future__ import annotations

from decimal import ROUND_FLOOR, Decimal

from cpq.pricing.charges import LineView, Prices
from cpq.pricing.rules import model as M
from cpq.pricing.wording import plain

ZERO = Decimal(0)
HUNDRED = Decimal(100)


def free_units(action: M.FreeItems, quantity: Decimal) -> Decimal:
    """Buy N get M: of every N + M units, M are free (once, unless the rule is recursive)."""
    group = action.buy + action.get
    times = (quantity / group).to_integral_value(rounding=ROUND_FLOOR)
    if not action.recursive:
        times = min(times, Decimal(1))
    return min(times * action.get, quantity)


def apply(
    rule: M.Rule,
    start: Decimal,
    running: Decimal,
    line: LineView,
    prices: Prices,
) -> tuple[Decimal, str] | None:
    """The price after ``rule`` (never below zero) and why, or None when it gives nothing here.

    Additive percentages are taken from ``start`` (the price when the step began), compounding
    ones from ``running``; amounts are per base unit.
    """
    action = rule.action
    base = start if rule.combination is M.Combination.ADDITIVE else running
    match action:
        case M.DiscountPercent(percent=percent):
            after, why = running - base * percent / HUNDRED, f"{plain(percent)}% off"
        case M.DiscountAmount(amount=amount):
            off = prices.money(amount) * line.factor
            after, why = running - off, f"{plain(off)} off per unit"
        case M.Surcharge(percent=percent, amount=amount):
            if percent is not None:
                after, why = running + base * percent / HUNDRED, f"{plain(percent)}% surcharge"
            else:
                assert amount is not None
                extra = prices.money(amount) * line.factor
                after, why = running + extra, f"{plain(extra)} surcharge per unit"
        case M.FreeItems() as free:
            units = free_units(free, line.base_quantity)
            if not units:
                return None
            after = running - base * units / line.base_quantity
            why = f"buy {plain(free.buy)} get {plain(free.get)}: {plain(units)} of {plain(line.base_quantity)} free"
        case _:
            raise AssertionError(f"{rule.kind} is not a discount")  # pragma: no cover
    if after < ZERO:
        return ZERO, why + " (held at zero)"
    return after, why
