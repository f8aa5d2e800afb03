"""What an approver's pages show: how long an approval has waited and when its SLA runs out, the
rep's discount on each line (the ones that made the quote need approval marked), the rules that
required the level with the figures they read, the chain, and the quote's history."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection

from cpq.api.quote_views import approval_view, events_view
from cpq.approvals.figures import up
from cpq.repositories import approvals as approval_rows
from cpq.repositories import catalog_read, teams
from cpq.repositories import quotes as quote_rows
from cpq.services import approval_flow
from cpq.services.quotes import Context
from cpq.web.quote_page import LineView, line_views
from cpq.web.render import money, number, percent

_MANUAL_STEPS = frozenset({"manual_price", "manual_discount"})
_HUNDRED = Decimal(100)
# Facts a rule reads about single lines: a line whose own discount exceeds the figure's
# threshold is one that triggered it.
_LINE_FACTS = frozenset({"max_line_discount_percent"})
FACT_LABELS = {
    "max_line_discount_percent": "Largest line discount",
    "total_discount_percent": "Rep's discount on the quote",
    "list_discount_percent": "Discount off list",
    "margin_percent": "Margin",
    "total": "Total",
    "total_amount": "Total in policy currency",
    "list_total": "List total",
    "line_count": "Lines",
    "currency": "Currency",
    "payment_terms": "Payment terms",
    "customer": "Customer",
    "segment": "Segment",
    "skus": "Products",
    "groups": "Product groups",
}
PERCENT_FACTS = frozenset(
    {
        "max_line_discount_percent",
        "total_discount_percent",
        "list_discount_percent",
        "margin_percent",
    }
)
ACTION_LABELS = {
    "created": "Quote created",
    "submitted": "Submitted for approval",
    "approval_approved": "Approved",
    "approval_rejected": "Rejected",
    "approval_escalated": "Escalated",
    "escalation_skipped": "Not escalated",
    "approved": "Quote approved",
    "rejected": "Quote rejected",
    "repriced": "Repriced",
    "revised": "New version started",
    "expired": "Expired",
}


def aware(moment: datetime) -> datetime:
    """Stored times are UTC; SQLite gives them back without a zone."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def span_words(delta: timedelta) -> str:
    """A duration as a person reads it at a glance: ``5 min``, ``3 h 20 min``, ``2 d 4 h``."""
    minutes = max(int(delta.total_seconds() // 60), 0)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h" if hours else f"{days} d"
    if hours:
        return f"{hours} h {mins} min" if mins else f"{hours} h"
    return f"{mins} min" if mins else "under a minute"


@dataclass(frozen=True, slots=True)
class Sla:
    """How long an approval has waited, and how its deadline (``due_at``) stands."""

    waited: str
    state: str  # "none" (no deadline), "ok", "soon" (under a quarter left), "overdue"
    words: str  # "due in 20 h", "overdue by 3 h", "no deadline"

    @staticmethod
    def of(created_at: datetime, due_at: datetime | None, now: datetime) -> Sla:
        created, now = aware(created_at), aware(now)
        waited = span_words(now - created)
        if due_at is None:
            return Sla(waited, "none", "no deadline")
        due = aware(due_at)
        if due <= now:
            return Sla(waited, "overdue", f"overdue by {span_words(now - due)}")
        whole = due - created
        state = "soon" if whole.total_seconds() > 0 and (due - now) * 4 < whole else "ok"
        return Sla(waited, state, f"due in {span_words(due - now)}")


def line_discount_percent(priced_line: Mapping[str, Any]) -> Decimal | None:
    """The rep's own discount on a priced line, % of the price the rules gave (as the approval
    figures count it: rounded up to 4 places); None when the rep changed nothing on the line."""
    manual = [a for a in priced_line.get("adjustments", []) if a.get("step") in _MANUAL_STEPS]
    if not manual:
        return None
    before, after = Decimal(str(manual[0]["before"])), Decimal(str(manual[-1]["after"]))
    if before <= 0:
        return _HUNDRED if before > after else Decimal(0)
    return max(up((before - after) / before * _HUNDRED), Decimal(0))


@dataclass(frozen=True, slots=True)
class ApprovalLine:
    line: LineView
    rep_discount: Decimal | None
    triggered: bool  # this line's discount is what made a rule require the level


def _thresholds(reasons: Sequence[Mapping[str, Any]]) -> bool:
    return any(_LINE_FACTS & set(r.get("facts", {})) for r in reasons)


def approval_lines(
    priced: Mapping[str, Any] | None,
    asked: Sequence[Mapping[str, Any]],
    reasons: Sequence[Mapping[str, Any]],
    figures: Mapping[str, Any],
) -> list[ApprovalLine]:
    """The version's lines with the rep's discount on each; when a triggered rule reads the
    largest line discount, the line(s) giving it are marked."""
    if not priced:
        return []
    by_id = {ln["line_id"]: ln for ln in priced["lines"]}
    largest = figures.get("max_line_discount_percent")
    reads_lines = _thresholds(reasons)
    out = []
    for view in line_views(priced, asked):
        discount = line_discount_percent(by_id[view.id])
        triggered = (
            reads_lines
            and discount is not None
            and discount > 0
            and largest is not None
            and discount == Decimal(str(largest))
        )
        out.append(ApprovalLine(view, discount, triggered))
    return out


_MONEY_FACTS = frozenset({"total", "list_total"})


def fact_text(name: str, value: Any, currency: str, locale: str | None) -> str:
    """A figure a rule read, written for a person: 15%, €1,234.00, "unknown"."""
    if value is None:
        return "unknown"
    if name in PERCENT_FACTS:
        return percent(value, locale)
    if name in _MONEY_FACTS:
        return money(value, currency, locale)
    if name == "total_amount":
        return number(value, locale)
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "none"
    return str(value)


def fact_rows(facts: Mapping[str, Any], currency: str, locale: str | None) -> list[tuple[str, str]]:
    """(label, value) of each figure a rule read."""
    return [
        (FACT_LABELS.get(name, name), fact_text(name, value, currency, locale))
        for name, value in facts.items()
    ]


def action_label(event: Mapping[str, Any], names: Mapping[int, Mapping[str, str]]) -> str:
    """``Approved (manager level, for Maria Manager)``: what happened, at which level, and
    on whose behalf when a delegate decided."""
    label = ACTION_LABELS.get(event["action"], event["action"].replace("_", " ").capitalize())
    data = event.get("data") or {}
    more = [f"{data['level']} level"] if data.get("level") else []
    if data.get("on_behalf_of") in names:
        more.append(f"for {names[data['on_behalf_of']]['display_name']}")
    return f"{label} ({', '.join(more)})" if more else label


def history(conn: Connection, quote_id: str) -> list[dict[str, Any]]:
    """The quote's audit trail, oldest first, each event labelled for a person."""
    events = events_view(conn, quote_id)
    behalf = {(e.get("data") or {}).get("on_behalf_of") for e in events}
    names = teams.names(conn, {int(i) for i in behalf if i is not None})
    return [{**e, "label": action_label(e, names)} for e in events]


def inbox(
    conn: Connection, ctx: Context, statuses: Sequence[str], limit: int, *, waiting: bool
) -> list[dict[str, Any]]:
    """The approvals the caller decides, oldest first (the longest waiting on top), each with
    its quote's facts, the customer's name and its SLA. ``waiting``: the ``limit`` that have
    waited longest; else the latest ``limit``."""
    found = approval_flow.to_decide(conn, ctx, statuses, limit, oldest_first=waiting)
    ids = {r["approver_id"] for r, _, _ in found} | {q["owner_id"] for _, q, _ in found}
    ids |= {r["decided_by_id"] for r, _, _ in found if r["decided_by_id"]}
    names = teams.names(conn, ids)
    items = []
    for row, quote, version in sorted(found, key=lambda f: (aware(f[0]["created_at"]), f[0]["id"])):
        view = approval_view(row, names, quote["number"], quote=quote, version=version)
        view["customer_name"] = _customer_name(conn, version)
        view["sla"] = Sla.of(row["created_at"], row["due_at"], ctx.now)
        view["for_someone_else"] = row["approver_id"] != ctx.who.user_id
        items.append(view)
    return items


def _customer_name(conn: Connection, version: Mapping[str, Any]) -> str | None:
    customer: str | None = version["customer"]
    if not customer or not version["catalog_version"]:
        return customer
    found = catalog_read.customer(conn, version["catalog_version"], customer)
    return str(found["name"]) if found else customer


def approval_context(conn: Connection, ctx: Context, approval_id: int) -> dict[str, Any]:
    """Everything the approval page renders; 404/403 as ``decidable`` decides."""
    row, quote = approval_flow.decidable(conn, ctx, approval_id)
    version = quote_rows.version(conn, row["quote_id"], row["version"])
    assert version is not None
    chain = approval_rows.of_quote(conn, quote["id"], row["version"])
    ids = {quote["owner_id"]} | {c["approver_id"] for c in chain}
    ids |= {c["decided_by_id"] for c in chain if c["decided_by_id"]}
    names = teams.names(conn, ids)
    view = approval_view(row, names, quote["number"], quote=quote, version=version)
    priced = version["priced"] or {}
    return {
        "approval": view,
        "customer_name": _customer_name(conn, version),
        "lines": approval_lines(priced, version["lines"], row["reasons"], row["figures"]),
        "figures": row["figures"],
        "quote_discount": (version["quote_discount_percent"], version["quote_discount_reason"]),
        "reasons": [
            {
                **reason,
                "read": fact_rows(reason.get("facts", {}), version["currency"], version["locale"]),
            }
            for reason in row["reasons"]
        ],
        "totals": priced.get("totals"),
        "locale": version["locale"],
        "chain": [approval_view(c, names) for c in chain],
        "history": history(conn, quote["id"]),
        "sla": Sla.of(row["created_at"], row["due_at"], ctx.now),
        "open": row["status"] == "pending" and quote["status"] == "pending_approval",
        "for_someone_else": row["approver_id"] != ctx.who.user_id,
    }
