"""What a quote page shows, read in one connection: the quote's view (as the API gives it), the
customer's name, each line with its priced figures, options and price waterfall, the quote-level
adjustments (order discounts, the rep's quote discount) with what they take off, and the one
primary action of the quote's status.

A configured bundle is one line on the page: its amount is the bundle total (the kit's own line
plus every option under it, nested bundles' options too), from the priced lines' final amounts,
so the figures add up to the quote total exactly as the API prices them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection

from cpq.api.quote_views import quote_view
from cpq.repositories import catalog_read
from cpq.services import quotes
from cpq.services.quotes import Context


@dataclass(frozen=True, slots=True)
class Step:
    """One row of a price waterfall: what changed the unit price, and by how much."""

    label: str
    rule_id: str | None
    before: Any
    after: Any
    amount: Any


@dataclass(frozen=True, slots=True)
class LineView:
    id: str
    sku: str
    name: str
    quantity: Any
    unit: str
    list_price: Any
    amount: Any  # net total, times the term for a recurring line: what quote discounts split
    net_unit_price: Any
    net_total: Any
    final_amount: Any
    recurring: bool
    term_months: int | None
    discount_percent: Any  # the rep's manual line discount, if a percent
    discount_reason: str | None
    waterfall: tuple[Step, ...]
    flags: tuple[str, ...]
    quote_shares: tuple[Step, ...] = field(default=())  # its shares of the quote adjustments
    options: tuple[LineView, ...] = field(default=())
    bundle: str | None = None  # the product model code of a configured line

    @property
    def bundle_total(self) -> Decimal:
        """The line's final amount plus its options' at every depth."""
        return Decimal(str(self.final_amount)) + sum(
            (opt.bundle_total for opt in self.options), Decimal(0)
        )

    @property
    def options_total(self) -> Decimal:
        return self.bundle_total - Decimal(str(self.final_amount))

    def option_rows(self, depth: int = 1) -> tuple[tuple[int, LineView], ...]:
        """The options under the line, each followed by its own (depth 1 is right under it)."""
        rows: list[tuple[int, LineView]] = []
        for opt in self.options:
            rows.append((depth, opt))
            rows.extend(opt.option_rows(depth + 1))
        return tuple(rows)


_STEP_NAMES = {
    "price": "Price rule",
    "discount": "Discount",
    "rounding": "Price ending",
    "manual_price": "Your price",
    "manual_discount": "Your discount",
    "margin_floor": "Margin floor",
    "quote": "Order discount",
}
QUOTE_DISCOUNT = "manual_quote_discount"  # the rep's, as cpq/pricing/quote_level.py names it


@dataclass(frozen=True, slots=True)
class QuoteAdjustmentView:
    """A discount on the whole quote: what it is, why, and what it takes off the total."""

    label: str
    description: str
    amount: Any


def _adjustment_label(kind: str) -> str:
    return "Quote discount" if kind == QUOTE_DISCOUNT else "Order discount"


def quote_adjustments(priced: Mapping[str, Any] | None) -> tuple[QuoteAdjustmentView, ...]:
    """The quote-level adjustments in the order they were taken."""
    return tuple(
        QuoteAdjustmentView(_adjustment_label(adj["kind"]), adj["description"], adj["amount"])
        for adj in (priced or {}).get("quote_adjustments", [])
    )


def before_quote_adjustments(total: Any, adjustments: Sequence[QuoteAdjustmentView]) -> Decimal:
    """The lines' amounts before the quote-level adjustments: the total, each adjustment given
    back (the shares of an adjustment sum to it exactly, so this is the lines' sum)."""
    return Decimal(str(total)) - sum((Decimal(str(a.amount)) for a in adjustments), Decimal(0))


def _shares_by_line(priced: Mapping[str, Any]) -> dict[str, tuple[Step, ...]]:
    """Each line's share of every quote-level adjustment, as steps from its amount down to its
    final amount."""
    found: dict[str, list[tuple[str, Decimal]]] = {}
    for adj in priced.get("quote_adjustments", []):
        label = f"{_adjustment_label(adj['kind'])}, this line's share"
        for share in adj["shares"]:
            found.setdefault(share["line_id"], []).append((label, Decimal(str(share["amount"]))))
    if not found:
        return {}
    amounts = {ln["line_id"]: Decimal(str(ln["amount"])) for ln in priced["lines"]}
    steps: dict[str, tuple[Step, ...]] = {}
    for line_id, shares in found.items():
        running, made = amounts[line_id], []
        for label, amount in shares:
            made.append(Step(label, None, running, running + amount, amount))
            running += amount
        steps[line_id] = tuple(made)
    return steps


def _waterfall(priced: Mapping[str, Any]) -> tuple[Step, ...]:
    steps = [
        Step(
            adj.get("description") or _STEP_NAMES.get(adj["step"], adj["step"]),
            adj.get("rule_id"),
            adj["before"],
            adj["after"],
            adj["amount"],
        )
        for adj in priced.get("adjustments", [])
    ]
    return tuple(steps)


def _line(
    priced: Mapping[str, Any],
    asked: Mapping[str, Any] | None,
    options: tuple[LineView, ...],
    shares: tuple[Step, ...],
) -> LineView:
    manual = (asked or {}).get("manual_discount") or {}
    configuration = (asked or {}).get("configuration") or {}
    return LineView(
        id=priced["line_id"],
        sku=priced["sku"],
        name=priced["name"],
        quantity=priced["quantity"],
        unit=priced["unit"],
        list_price=priced["list_price"],
        amount=priced["amount"],
        net_unit_price=priced["net_unit_price"],
        net_total=priced["net_total"],
        final_amount=priced["final_amount"],
        recurring=bool(priced.get("recurring")),
        term_months=priced.get("term_months"),
        discount_percent=manual.get("percent"),
        discount_reason=manual.get("reason"),
        waterfall=_waterfall(priced),
        flags=tuple(priced.get("flags") or ()),
        quote_shares=shares,
        options=options,
        bundle=configuration.get("bundle"),
    )


def line_views(
    priced: Mapping[str, Any] | None, asked: Sequence[Mapping[str, Any]]
) -> list[LineView]:
    """The top-level lines in the quote's order, each with its options under it."""
    if not priced:
        return []
    by_id = {ln["id"]: ln for ln in asked}
    shares = _shares_by_line(priced)
    children: dict[str, list[Mapping[str, Any]]] = {}
    for line in priced["lines"]:
        if line.get("parent_line_id") is not None:
            children.setdefault(line["parent_line_id"], []).append(line)

    def build(line: Mapping[str, Any]) -> LineView:
        opts = tuple(build(child) for child in children.get(line["line_id"], []))
        line_id = line["line_id"]
        return _line(line, by_id.get(line_id), opts, shares.get(line_id, ()))

    return [build(ln) for ln in priced["lines"] if ln.get("parent_line_id") is None]


def quote_context(conn: Connection, ctx: Context, quote_id: str) -> dict[str, Any]:
    """Everything the quote page renders."""
    loaded = quotes.load(conn, ctx, quote_id)
    view = quote_view(conn, ctx.who, loaded)
    version = loaded.version
    customer = (
        catalog_read.customer(conn, version["catalog_version"], view["customer"])
        if view["customer"] and version["catalog_version"]
        else None
    )
    totals = (view["pricing"] or {}).get("totals")
    adjustments = quote_adjustments(view["pricing"])
    return {
        "quote": view,
        "revision": loaded.quote["revision"],
        "customer_name": customer["name"] if customer else view["customer"],
        "lines": line_views(view["pricing"], view["lines"]),
        "totals": totals,
        "quote_adjustments": adjustments,
        "before_quote_adjustments": (
            before_quote_adjustments(totals["total"], adjustments) if totals else None
        ),
        "editable": "edit" in view["actions"],
        "primary_action": primary_action(view["status"], view["actions"], bool(view["lines"])),
    }


def primary_action(status: str, actions: Sequence[str], has_lines: bool) -> str | None:
    """The rep's usual next step, the one button drawn as primary: submit a draft; send the
    PDF of an approved (or again of a sent) quote; revise a rejected, declined or expired one.
    None while it waits for approval, or when nothing is left to do."""
    if "submit" in actions:
        return "submit" if has_lines else None
    if status in ("approved", "sent") and has_lines:
        return "pdf"
    if "revise" in actions:
        return "revise"
    return None


def customer_names(conn: Connection, ids: set[str]) -> dict[str, str]:
    """Customer id -> name on the latest catalog version (for listings)."""
    version = catalog_read.resolve_version(conn, None)
    if version is None:
        return {}
    found = {}
    for external_id in sorted(ids):
        row = catalog_read.customer(conn, version, external_id)
        if row is not None:
            found[external_id] = row["name"]
    return found
