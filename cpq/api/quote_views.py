"""The JSON views of quotes, approvals and audit events (read in the request's transaction)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import Connection

from cpq.auth.principal import Principal
from cpq.quotes.lifecycle import QuoteAction, QuoteStatus, allowed_actions, editable
from cpq.repositories import approvals as approval_rows
from cpq.repositories import audit, teams
from cpq.services.quotes import Loaded


def etag(revision: int) -> str:
    return f'"{revision}"'


def _person(names: Mapping[int, dict[str, str]], user_id: int | None) -> dict[str, Any] | None:
    if user_id is None:
        return None
    found = names.get(user_id, {})
    return {
        "id": user_id,
        "username": found.get("username"),
        "display_name": found.get("display_name"),
    }


def _names(conn: Connection, ids: Iterable[int | None]) -> dict[int, dict[str, str]]:
    return teams.names(conn, {i for i in ids if i is not None})


def approval_view(
    row: Mapping[str, Any],
    names: Mapping[int, dict[str, str]],
    number: str | None = None,
    *,
    quote: Mapping[str, Any] | None = None,
    version: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """An approval; with ``quote`` and ``version``, the facts an approver decides on as well."""
    return {
        "quote": (
            {
                "number": quote["number"],
                "status": quote["status"],
                "owner": _person(names, quote["owner_id"]),
                "customer": version["customer"],
                "currency": version["currency"],
                "total": version["total"],
                "valid_until": version["valid_until"],
                "payment_terms": version["payment_terms"],
                "title": version["title"],
            }
            if quote is not None and version is not None
            else None
        ),
        **{
            k: row[k]
            for k in (
                "id",
                "quote_id",
                "version",
                "step",
                "level",
                "require",
                "status",
                "decided_at",
                "comment",
                "due_at",
                "voided_at",
                "reasons",
                "figures",
                "snapshot_hash",
                "escalated_from_id",
                "carried_from_id",
                "created_at",
            )
        },
        "quote_number": number,
        "approver": _person(names, row["approver_id"]),
        "decided_by": _person(names, row["decided_by_id"]),
    }


def summary_view(row: Mapping[str, Any], names: Mapping[int, dict[str, str]]) -> dict[str, Any]:
    return {
        **{
            k: row[k]
            for k in (
                "id",
                "number",
                "status",
                "customer",
                "currency",
                "total",
                "valid_until",
                "crm_opportunity_id",
                "crm_account_id",
                "created_at",
                "updated_at",
            )
        },
        "version": row["current_version"],
        "owner": _person(names, row["owner_id"]),
    }


def summaries(conn: Connection, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    names = _names(conn, (r["owner_id"] for r in rows))
    return [summary_view(r, names) for r in rows]


def _actions(who: Principal, quote: Mapping[str, Any], is_current: bool) -> list[str]:
    if not is_current or quote["owner_id"] != who.user_id:
        return []
    status = QuoteStatus(quote["status"])
    hidden = {
        QuoteAction.APPROVE,
        QuoteAction.REJECT,
        QuoteAction.SUBMIT_WITHIN_POLICY,
        QuoteAction.EXPIRE,
    }
    return [a.value for a in allowed_actions(status) if a not in hidden]


def quote_view(conn: Connection, who: Principal, loaded: Loaded) -> dict[str, Any]:
    quote, version = loaded.quote, loaded.version
    is_current = version["version"] == quote["current_version"]
    approvals = approval_rows.of_quote(conn, quote["id"], version["version"])
    names = _names(
        conn,
        [quote["owner_id"]]
        + [a["approver_id"] for a in approvals]
        + [a["decided_by_id"] for a in approvals],
    )
    status = quote["status"] if is_current else version["status"]
    return {
        **summary_view(
            {
                **quote,
                **{k: version[k] for k in ("currency", "total", "valid_until")},
                "current_version": version["version"],
                "status": status,
            },
            names,
        ),
        "etag": etag(quote["revision"]),
        "versions": list(range(1, quote["current_version"] + 1)),  # never skipped or removed
        "read_only": not is_current or not editable(QuoteStatus(status)),
        **{
            k: version[k]
            for k in (
                "payment_terms",
                "price_list",
                "codes",
                "term_months",
                "quote_discount_percent",
                "quote_discount_reason",
                "title",
                "notes",
                "locale",
                "lines",
                "pricing_date",
                "priced_at",
                "rule_set_digest",
                "snapshot_hash",
                "figures",
            )
        },
        "pricing": version["priced"],
        "approvals": [approval_view(a, names, quote["number"]) for a in approvals],
        "actions": _actions(who, quote, is_current),
    }


def events_view(conn: Connection, quote_id: str) -> list[dict[str, Any]]:
    rows = audit.events(conn, quote_id)
    names = _names(conn, (r["actor_id"] for r in rows))
    return [
        {
            **{
                k: r[k]
                for k in (
                    "id",
                    "version",
                    "at",
                    "token_id",
                    "action",
                    "from_status",
                    "to_status",
                    "comment",
                    "snapshot_hash",
                    "data",
                )
            },
            "actor": _person(names, r["actor_id"]),
        }
        for r in rows
    ]
