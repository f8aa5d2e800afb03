"""The approval a discount would need, while the rep is still typing it: a line's discount or
the quote discount (``line_id`` None, as in ``approval_flow.preview``).

The discount is not saved: the quote is changed and the approval preview read in one transaction
that is rolled back, so every figure comes from the services as they would be after saving
(``quotes.edit`` prices the change, ``approval_flow.preview`` judges it and searches the largest
discount of the same kind needing no approval).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine

from cpq.services import approval_flow, quotes
from cpq.services.quotes import Context


@dataclass(frozen=True, slots=True)
class DiscountPreview:
    discount: Decimal
    levels: tuple[str, ...]  # the names of the levels that must approve, in order
    reasons: tuple[str, ...]  # the rules that ask for them
    no_approval: Decimal | None  # the largest discount of this kind needing no approval at all

    @property
    def needs_approval(self) -> bool:
        return bool(self.levels)


def set_line_discount(line_id: str, percent: Decimal | None, reason: str | None) -> quotes.Edit:
    """The edit that gives ``line_id`` the rep's percent discount (None removes it)."""

    def discounted(line: dict[str, Any]) -> dict[str, Any]:
        line = {k: v for k, v in line.items() if k not in ("manual_discount", "manual_price")}
        if percent is not None:
            discount = {"percent": format(percent, "f")}
            if reason:
                discount["reason"] = reason
            line["manual_discount"] = discount
        return line

    return quotes.line_replaced(line_id, discounted)


def set_quote_discount(percent: Decimal | None, reason: str | None) -> quotes.Edit:
    """The edit that gives the whole quote the rep's percent discount and its reason (None
    removes both)."""

    def change(
        terms: dict[str, Any], lines: list[dict[str, Any]]
    ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        kept = reason if percent is not None else None
        return {**terms, "quote_discount_percent": percent, "quote_discount_reason": kept}, lines

    return change


def set_discount(line_id: str | None, percent: Decimal | None, reason: str | None) -> quotes.Edit:
    """The rep's discount on ``line_id``, or on the quote (None)."""
    if line_id is None:
        return set_quote_discount(percent, reason)
    return set_line_discount(line_id, percent, reason)


def preview(
    engine: Engine,
    ctx: Context,
    quote_id: str,
    revision: int,
    line_id: str | None,
    percent: Decimal,
) -> DiscountPreview:
    """What ``percent`` off ``line_id`` (None: off the quote) would need, judged on the quote at
    ``revision`` (a stale page is refused, as its save would be)."""
    with engine.connect() as conn:  # never committed: the discount is only tried
        quotes.edit(conn, ctx, quote_id, revision, set_discount(line_id, percent, None))
        found = approval_flow.preview(conn, ctx, quote_id, line_id)
        conn.rollback()
    needed = [level for level in found["levels"] if not level["still_stands"]]
    return DiscountPreview(
        discount=percent,
        levels=tuple(level["name"] for level in needed),
        reasons=tuple(r["description"] for level in needed for r in level["reasons"]),
        no_approval=found["guidance"]["no_approval"],
    )
