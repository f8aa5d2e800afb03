"""The lines of a quote as they are being priced: fetched from the request and the catalog
snapshot, checked (every problem with the path of its field), with their list price and cost."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

from cpq.catalog.issues import error
from cpq.pricing.inputs import DiscountKind, LineInput
from cpq.pricing.price_lists import ListPrice
from cpq.pricing.rounding import to_digits
from cpq.pricing.rules import model as M
from cpq.pricing.selection import ByStep
from cpq.pricing.snapshot import Item
from cpq.pricing.waterfall import Adjustment

if TYPE_CHECKING:
    from cpq.pricing.engine import Quote

ZERO = Decimal(0)
ONE = Decimal(1)
MAX_PRICE_DIGITS = 6


@dataclass(slots=True, eq=False)
class LineState:
    """A line while it is being priced (the ``LineView`` strategies read)."""

    line_id: str
    path: str  # where the line is in the request, for error messages: lines[2].options[0]
    given: LineInput
    item: Item
    parent: LineState | None
    unit: str
    quantity: Decimal
    factor: Decimal
    base_quantity: Decimal
    listed: ListPrice | None
    list_price: Decimal | None
    cost: Decimal | None
    rules: ByStep  # the rules whose scope names the item, by step
    price: Decimal = ZERO
    digits: int = 2  # decimals of unit prices shown: the currency's, or the list's if more
    adjustments: list[Adjustment] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
    of_total: tuple[M.Rule, M.PercentOfTotal] | None = None
    unconvertible: tuple[str, ...] = ()  # no list price: currencies priced in, but no rate
    priced_by_bundle: bool = False
    recurring: bool = False
    term: int | None = None
    facts: dict[str, object] | None = None  # built when an expression first asks (``line_facts``)
    net_exact: Decimal = ZERO
    net_total: Decimal = ZERO
    amount: Decimal = ZERO

    @property
    def sku(self) -> str:
        return self.item.sku

    @property
    def parent_price(self) -> Decimal | None:
        return self.parent.net_exact if self.parent is not None else None


def fetch_lines(q: Quote) -> Iterator[LineState]:
    seen: set[str] = set()
    stack: list[tuple[LineInput, str, LineState | None]] = [
        (line, f"lines[{n}]", None) for n, line in enumerate(q.request.lines)
    ]
    stack.reverse()
    while stack:
        given, path, parent = stack.pop()
        state = _line(q, given, path, parent, seen)
        if state is None:
            continue
        yield state
        children = [(opt, f"{path}.options[{n}]", state) for n, opt in enumerate(given.options)]
        stack.extend(reversed(children))


def _problem(q: Quote, path: str, code: str, message: str, column: str) -> None:
    q.issues.append(error(code, message, column=f"{path}.{column}"))


def _check(q: Quote, given: LineInput, path: str, seen: set[str]) -> None:
    """The request's own mistakes on this line (the catalog's come after)."""
    if given.line_id in seen:
        _problem(q, path, "duplicate_line", f"line id {given.line_id!r} is used twice", "id")
    seen.add(given.line_id)
    if given.quantity <= 0:
        _problem(q, path, "bad_quantity", "quantity must be above zero", "quantity")
    if given.manual_price is not None and given.manual_price < 0:
        _problem(q, path, "bad_manual_price", "a manual price cannot be negative", "manual_price")
    md = given.manual_discount
    if md is not None and (md.value < 0 or (md.kind is DiscountKind.PERCENT and md.value > 100)):
        message = "a manual discount is 0-100% or a non-negative amount"
        _problem(q, path, "bad_manual_discount", message, "manual_discount")


def _line(
    q: Quote, given: LineInput, path: str, parent: LineState | None, seen: set[str]
) -> LineState | None:
    def problem(code: str, message: str, column: str) -> None:
        _problem(q, path, code, message, column)

    _check(q, given, path, seen)
    item = q.catalog.items.get(given.sku)
    if item is None:
        problem(
            "unknown_sku",
            f"no item {given.sku!r} in catalog version {q.catalog.version}",
            "sku",
        )
        return None
    if not item.active:
        problem("inactive_sku", f"item {given.sku!r} is discontinued", "sku")
    unit = given.unit or item.base_unit
    factor = q.catalog.units.get((item.sku, unit))
    if factor is None:
        units = sorted(u for s, u in q.catalog.units if s == item.sku)
        problem(
            "unknown_unit",
            f"{item.sku} is not sold by {unit!r} (units: {', '.join(units)})",
            "unit",
        )
        return None
    per_parent = parent is not None and given.per_parent_unit
    quantity = given.quantity * (parent.quantity if per_parent and parent is not None else ONE)
    base_quantity = quantity * factor
    listed = q.pricer.list_price(item.sku, unit, quantity, base_quantity) if quantity > 0 else None
    digits = q.digits
    if listed is not None:
        # Unit prices keep the decimals the list was written with (a ferrule at 0.0123),
        # at least the currency's; converted and derived prices are rounded to that.
        written = -int(listed.source.entry_price.as_tuple().exponent)
        digits = max(digits, min(written, MAX_PRICE_DIGITS))
    list_price = to_digits(listed.unit_price, digits) if listed is not None else None
    cost = None
    if item.unit_cost is not None:
        converted = q.pricer.to_quote_currency(
            item.unit_cost * factor, item.cost_currency or q.currency
        )
        cost = converted[0] if converted is not None else None
    return LineState(
        line_id=given.line_id,
        path=path,
        given=given,
        item=item,
        parent=parent,
        unit=unit,
        quantity=quantity,
        factor=factor,
        base_quantity=base_quantity,
        listed=listed,
        list_price=list_price,
        cost=cost,
        rules=q.index.candidates(item.sku, item.groups, item.brand),
        price=list_price if list_price is not None else ZERO,
        unconvertible=() if listed is not None else tuple(sorted(q.pricer.unconvertible)),
        digits=digits,
    )
