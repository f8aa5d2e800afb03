"""Quotes: create, read, list, edit terms and lines, reprice, revise, and the plain transitions
(send, accept, decline, cancel). Submitting and deciding approvals: ``approval_flow``.

Every change names the revision it was made on (``If-Match``) and is written only if the quote
is still at that revision: a stale client gets 412 and loses nothing of anyone else's.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Connection

from cpq.auth.principal import Principal
from cpq.errors import (
    ApprovalPolicyInvalid,
    InvalidInput,
    InvalidTransition,
    NotFound,
    PreconditionFailed,
)
from cpq.quotes.lifecycle import (
    IllegalTransition,
    QuoteAction,
    QuoteStatus,
    next_status,
)
from cpq.quotes.reprice_diff import reprice_diff
from cpq.repositories import approvals as approval_rows
from cpq.repositories import catalog_read
from cpq.repositories import quotes as quote_rows
from cpq.services import access
from cpq.services.approval_policy import policy_for
from cpq.services.audit import record
from cpq.services.pricing import pinned_version
from cpq.services.quote_pricing import TERMS, Pricing, price_content, terms_of
from cpq.settings import Settings


@dataclass(frozen=True, slots=True)
class Context:
    """Who asks, when, and where the rule files are: what every use case needs."""

    who: Principal
    now: datetime
    rules_dir: Path
    validity_days: int = 30  # of a new quote (or a revision of an expired one)
    default_locale: str = "en-US"  # of a new quote (BCP 47)
    max_lines: int = 10_000  # per quote, options included (CPQ_MAX_QUOTE_LINES)

    @property
    def today(self) -> date:
        return self.now.date()

    @staticmethod
    def of(who: Principal, settings: Settings) -> Context:
        return Context(
            who,
            datetime.now(UTC),
            settings.rules_dir,
            settings.quote_validity_days,
            settings.default_locale,
            settings.max_quote_lines,
        )


def line_count(lines: Sequence[Mapping[str, Any]]) -> int:
    """Lines and their options, at every depth."""
    return sum(1 + line_count(line.get("options") or []) for line in lines)


def within_line_limit(lines: Sequence[Mapping[str, Any]], maximum: int) -> None:
    """A quote changed line by line stays within the lines maximum too."""
    total = line_count(lines)
    if total > maximum:
        raise InvalidInput(
            f"a quote has at most {maximum} lines, options included (CPQ_MAX_QUOTE_LINES); "
            f"this change makes {total}",
            errors=[{"field": "body.lines", "message": f"{total} lines; at most {maximum}"}],
        )


@dataclass(frozen=True, slots=True)
class Loaded:
    quote: dict[str, Any]
    version: dict[str, Any]


def check_transition(status: str, action: QuoteAction) -> QuoteStatus:
    try:
        return next_status(QuoteStatus(status), action)
    except IllegalTransition as exc:
        raise InvalidTransition(str(exc), quote_status=status, action=action.value) from None


def check_revision(quote: Mapping[str, Any], if_match: int) -> None:
    if quote["revision"] != if_match:
        raise PreconditionFailed(
            f"quote {quote['number']} is at revision {quote['revision']}, not {if_match}: "
            "read it again and retry",
            current_etag=f'"{quote["revision"]}"',
        )


def _stale(quote: Mapping[str, Any]) -> PreconditionFailed:
    return PreconditionFailed(
        f"quote {quote['number']} changed while this request ran: read it again and retry"
    )


def policy_currency(rules_dir: Path, fallback: str) -> str:
    """The currency approval totals are judged in; a policy that does not load stops submission
    (not pricing), so pricing falls back to the quote's own currency."""
    try:
        return policy_for(rules_dir).currency
    except ApprovalPolicyInvalid:
        return fallback


def _price(
    conn: Connection,
    ctx: Context,
    terms: Mapping[str, Any],
    lines: Sequence[Mapping[str, Any]],
    *,
    pinned: Mapping[str, Any] | None,
    catalog_version: int | None = None,
) -> Pricing:
    """Priced on the version's pinned catalog and rules, else on ``catalog_version`` (default:
    the latest) with the rule files of now."""
    return price_content(
        conn,
        rules_dir=ctx.rules_dir,
        policy_currency=policy_currency(ctx.rules_dir, terms["currency"]),
        terms=terms,
        lines=lines,
        pricing_date=pinned["pricing_date"] if pinned else ctx.today,
        catalog_version=pinned["catalog_version"] if pinned else catalog_version,
        rule_set_digest=pinned["rule_set_digest"] if pinned else None,
    )


def _pricing_values(p: Pricing, at: datetime) -> dict[str, Any]:
    return {
        "priced": p.priced,
        "figures": p.figures.to_json() if p.figures is not None else None,
        "total": p.total,
        "catalog_version": p.catalog_version,
        "rule_set_digest": p.rule_set_digest,
        "pricing_date": p.pricing_date,
        "snapshot_hash": p.snapshot_hash,
        "priced_at": at,
    }


def number_lines(
    lines: Sequence[Mapping[str, Any]], taken: Sequence[str] = ()
) -> list[dict[str, Any]]:
    """Give lines without an id the next free number; ids must be unique on a quote."""
    used = set(taken)
    numbered: list[dict[str, Any]] = []
    issues = []
    counter = 0
    for n, line in enumerate(lines):
        line = dict(line)
        if line.get("id") is None:
            counter += 1
            while str(counter) in used:
                counter += 1
            line["id"] = str(counter)
        elif line["id"] in used:
            issues.append(f"lines[{n}].id: {line['id']!r} is already a line of this quote")
        used.add(line["id"])
        numbered.append(line)
    if issues:
        raise InvalidInput("; ".join(issues), field="lines")
    return numbered


def settle_customer(conn: Connection, terms: dict[str, Any], catalog_version: int | None) -> int:
    """The customer must be a synced account; the currency defaults to the customer's. The
    catalog version it was checked on."""
    version = pinned_version(conn, catalog_version)
    customer = terms.get("customer")
    if customer is not None:
        found = catalog_read.customer(conn, version, customer)
        if found is None:
            raise InvalidInput(
                f"customer {customer!r} is not a customer synced from the back office",
                field="customer",
            )
        if terms.get("currency") is None:
            terms["currency"] = found.get("default_currency")
    if terms.get("currency") is None:
        raise InvalidInput(
            "currency: give one (ISO 4217), or a customer with a default currency",
            field="currency",
        )
    return version


# --- create and read -------------------------------------------------------------------------


def with_defaults(ctx: Context, terms: dict[str, Any]) -> dict[str, Any]:
    """``terms`` with the defaults of those left out or cleared (null): no codes, and valid
    for the validity period from today."""
    terms["codes"] = list(terms.get("codes") or [])
    if terms.get("valid_until") is None:
        terms["valid_until"] = ctx.today + timedelta(days=ctx.validity_days)
    return terms


def settle_quote_discount(before: Mapping[str, Any] | None, terms: dict[str, Any]) -> None:
    """A reason belongs to a quote discount: removing the discount removes its reason; a reason
    for no discount at all is refused."""
    reason = terms.get("quote_discount_reason")
    if terms.get("quote_discount_percent") is not None or reason is None:
        return
    had = before is not None and before.get("quote_discount_percent") is not None
    if had and before is not None and before.get("quote_discount_reason") == reason:
        terms["quote_discount_reason"] = None  # the discount went, and its reason with it
        return
    raise InvalidInput(
        "quote_discount_reason: there is no quote discount to give a reason for; "
        "give quote_discount_percent with it",
        field="quote_discount_reason",
    )


def create(
    conn: Connection,
    ctx: Context,
    terms: Mapping[str, Any],
    lines: Sequence[Mapping[str, Any]],
    header: Mapping[str, Any],
) -> Loaded:
    """A new quote owned by the caller, priced on the latest catalog and rules: as written."""
    # Every term, as a stored version has them (so that an edit changing none keeps the hash).
    terms = with_defaults(ctx, {name: None for name in TERMS} | dict(terms))
    settle_quote_discount(None, terms)
    catalog_version = settle_customer(conn, terms, None)
    lines = number_lines(lines)
    pricing = _price(conn, ctx, terms, lines, pinned=None, catalog_version=catalog_version)
    quote_id = str(uuid.uuid4())
    number = f"Q-{quote_rows.next_number(conn):06d}"
    quote = {
        "id": quote_id,
        "number": number,
        "owner_id": ctx.who.user_id,
        "status": QuoteStatus.DRAFT.value,
        "current_version": 1,
        "revision": 1,
        "customer": terms.get("customer"),
        "crm_opportunity_id": header.get("crm_opportunity_id"),
        "crm_account_id": header.get("crm_account_id"),
        "created_at": ctx.now,
        "updated_at": ctx.now,
    }
    quote_rows.insert_quote(conn, quote)
    version = {
        "quote_id": quote_id,
        "version": 1,
        "status": QuoteStatus.DRAFT.value,
        **{name: None for name in TERMS},
        **terms,
        "codes": list(terms.get("codes") or []),
        "title": header.get("title"),
        "notes": header.get("notes"),
        "locale": header.get("locale") or ctx.default_locale,
        "lines": lines,
        "created_at": ctx.now,
        "superseded_at": None,
        **_pricing_values(pricing, ctx.now),
    }
    version["id"] = quote_rows.insert_version(conn, version)
    record(
        conn,
        quote,
        1,
        ctx.who,
        "created",
        ctx.now,
        to_status=QuoteStatus.DRAFT.value,
        snapshot_hash=pricing.snapshot_hash,
        event="quote.created",
    )
    return Loaded(quote, version)


def load(conn: Connection, ctx: Context, quote_id: str, version: int | None = None) -> Loaded:
    quote = access.visible_quote(conn, ctx.who, quote_id, ctx.today)
    found = quote_rows.version(conn, quote_id, version or quote["current_version"])
    if found is None:
        raise NotFound(f"quote {quote['number']} has no version {version}")
    return Loaded(quote, found)


def listing(
    conn: Connection,
    ctx: Context,
    *,
    status: str | None,
    owner: int | None,
    customer: str | None,
    opportunity: str | None,
    after: tuple[datetime, str] | None,
    limit: int,
) -> list[dict[str, Any]]:
    return quote_rows.listing(
        conn,
        owners=access.visible_owners(conn, ctx.who),
        approver_ids=access.deciders(conn, ctx.who, ctx.today),
        status=status,
        owner=owner,
        customer=customer,
        opportunity=opportunity,
        after=after,
        limit=limit,
    )


# --- edits -----------------------------------------------------------------------------------

Edit = Callable[[dict[str, Any], list[dict[str, Any]]], tuple[dict[str, Any], list[dict[str, Any]]]]


def line_replaced(line_id: str, make: Callable[[dict[str, Any]], dict[str, Any]]) -> Edit:
    """The edit that puts ``make(line)`` in place of line ``line_id``; 404 without that line."""

    def change(
        terms: dict[str, Any], lines: list[dict[str, Any]]
    ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        if not any(ln["id"] == line_id for ln in lines):
            raise NotFound(f"the quote has no line {line_id}")
        return terms, [make(ln) if ln["id"] == line_id else ln for ln in lines]

    return change


def line_removed(line_id: str) -> Edit:
    """The edit that removes line ``line_id``; 404 without that line."""

    def change(
        terms: dict[str, Any], lines: list[dict[str, Any]]
    ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        if not any(ln["id"] == line_id for ln in lines):
            raise NotFound(f"the quote has no line {line_id}")
        return terms, [ln for ln in lines if ln["id"] != line_id]

    return change


def edit(
    conn: Connection,
    ctx: Context,
    quote_id: str,
    if_match: int,
    change: Edit,
    *,
    action: str = "edited",
    header: Mapping[str, Any] | None = None,
) -> Loaded:
    """Apply ``change`` (terms, lines) -> (terms, lines) to the current version and price it on
    its pinned catalog version and rule set. A quote waiting for approval or rejected goes back
    to draft and its approvals are void: an approval is for the exact content it saw."""
    quote = access.owned_quote(conn, ctx.who, quote_id, ctx.today)
    check_revision(quote, if_match)
    to_status = check_transition(quote["status"], QuoteAction.EDIT)
    version = quote_rows.version(conn, quote_id, quote["current_version"])
    assert version is not None
    terms, lines = change(terms_of(version), [dict(ln) for ln in version["lines"]])
    terms = with_defaults(ctx, dict(terms))
    settle_quote_discount(version, terms)
    within_line_limit(lines, ctx.max_lines)
    if (terms.get("customer"), terms.get("currency")) != (version["customer"], version["currency"]):
        settle_customer(conn, terms, version["catalog_version"])
    pricing = _price(conn, ctx, terms, lines, pinned=version)
    values = {"status": to_status.value, "updated_at": ctx.now, "customer": terms.get("customer")}
    values.update({k: v for k, v in (header or {}).items() if k.startswith("crm_")})
    revision = quote_rows.bump(conn, quote_id, if_match, values)
    if revision is None:
        raise _stale(quote)
    version_values = {
        **terms,
        "codes": list(terms.get("codes") or []),
        "lines": lines,
        "status": to_status.value,
        **{k: v for k, v in (header or {}).items() if k in ("title", "notes", "locale")},
        **_pricing_values(pricing, ctx.now),
    }
    quote_rows.update_version(conn, version["id"], version_values)
    if quote["status"] != QuoteStatus.DRAFT.value:
        approval_rows.void_open(conn, quote_id, version["version"], ctx.now)
    record(
        conn,
        quote,
        version["version"],
        ctx.who,
        action,
        ctx.now,
        from_status=quote["status"],
        to_status=to_status.value,
        snapshot_hash=pricing.snapshot_hash,
        data={"total": pricing.total, "previous_snapshot_hash": version["snapshot_hash"]},
    )
    return Loaded({**quote, **values, "revision": revision}, {**version, **version_values})


def reprice(
    conn: Connection, ctx: Context, quote_id: str, if_match: int | None, *, apply: bool
) -> dict[str, Any]:
    """Price the current version again on the latest catalog and rule set. The diff against its
    stored pricing; applied (and repinned) only with ``apply`` (then ``If-Match`` is needed)."""
    quote = access.owned_quote(conn, ctx.who, quote_id, ctx.today)
    version = quote_rows.version(conn, quote_id, quote["current_version"])
    assert version is not None
    terms, lines = terms_of(version), list(version["lines"])
    fresh = _price(conn, ctx, terms, lines, pinned=None)
    diff = reprice_diff(version["priced"], fresh.priced or {"lines": [], "totals": {}})
    diff["pins"] = {
        "catalog_version": {"before": version["catalog_version"], "after": fresh.catalog_version},
        "rule_set": {"before": version["rule_set_digest"], "after": fresh.rule_set_digest},
    }
    diff["applied"] = False
    if not apply:
        return diff
    assert if_match is not None
    check_revision(quote, if_match)
    to_status = check_transition(quote["status"], QuoteAction.EDIT)
    if (
        quote_rows.bump(
            conn, quote_id, if_match, {"status": to_status.value, "updated_at": ctx.now}
        )
        is None
    ):
        raise _stale(quote)
    quote_rows.update_version(
        conn, version["id"], {"status": to_status.value, **_pricing_values(fresh, ctx.now)}
    )
    if quote["status"] != QuoteStatus.DRAFT.value:
        approval_rows.void_open(conn, quote_id, version["version"], ctx.now)
    record(
        conn,
        quote,
        version["version"],
        ctx.who,
        "repriced",
        ctx.now,
        from_status=quote["status"],
        to_status=to_status.value,
        snapshot_hash=fresh.snapshot_hash,
        data={"pins": diff["pins"], "totals": diff["totals"]},
    )
    diff["applied"] = True
    return diff


def revise(
    conn: Connection, ctx: Context, quote_id: str, if_match: int, comment: str | None = None
) -> int:
    """A new version in draft, copied from the current one, which becomes read-only."""
    quote = access.owned_quote(conn, ctx.who, quote_id, ctx.today)
    check_revision(quote, if_match)
    to_status = check_transition(quote["status"], QuoteAction.REVISE)
    old = quote_rows.version(conn, quote_id, quote["current_version"])
    assert old is not None
    number = int(old["version"]) + 1
    values = {
        "current_version": number,
        "status": to_status.value,
        "updated_at": ctx.now,
    }
    if quote_rows.bump(conn, quote_id, if_match, values) is None:
        raise _stale(quote)
    quote_rows.update_version(conn, old["id"], {"superseded_at": ctx.now})
    copy = {k: v for k, v in old.items() if k not in ("id", "superseded_at")}
    copy.update(version=number, status=to_status.value, created_at=ctx.now)
    if copy["valid_until"] < ctx.today:
        copy["valid_until"] = ctx.today + timedelta(days=ctx.validity_days)
    quote_rows.insert_version(conn, copy)
    record(
        conn,
        quote,
        number,
        ctx.who,
        "revised",
        ctx.now,
        from_status=quote["status"],
        to_status=to_status.value,
        comment=comment,
        snapshot_hash=copy["snapshot_hash"],
        data={"from_version": old["version"]},
    )
    return number


_SIMPLE = {
    QuoteAction.RECALL: "recalled",
    QuoteAction.SEND: "sent",
    QuoteAction.ACCEPT: "accepted",
    QuoteAction.DECLINE: "declined",
    QuoteAction.CANCEL: "cancelled",
}


def transition(
    conn: Connection,
    ctx: Context,
    quote_id: str,
    if_match: int,
    action: QuoteAction,
    comment: str | None,
) -> None:
    """send, accept, decline, cancel, recall: the owner moves the quote on. Recalling or
    cancelling voids the approvals."""
    quote = access.owned_quote(conn, ctx.who, quote_id, ctx.today)
    check_revision(quote, if_match)
    to_status = check_transition(quote["status"], action)
    version = quote_rows.version(conn, quote_id, quote["current_version"])
    assert version is not None
    if action in (QuoteAction.SEND, QuoteAction.ACCEPT) and version["valid_until"] < ctx.today:
        raise InvalidTransition(
            f"quote {quote['number']} was valid until {version['valid_until']}: revise it",
            quote_status=quote["status"],
            action=action.value,
        )
    values = {"status": to_status.value, "updated_at": ctx.now}
    if quote_rows.bump(conn, quote_id, if_match, values) is None:
        raise _stale(quote)
    quote_rows.update_version(conn, version["id"], {"status": to_status.value})
    if action in (QuoteAction.CANCEL, QuoteAction.RECALL):
        approval_rows.void_open(conn, quote_id, version["version"], ctx.now)
    record(
        conn,
        quote,
        version["version"],
        ctx.who,
        _SIMPLE[action],
        ctx.now,
        from_status=quote["status"],
        to_status=to_status.value,
        comment=comment,
        snapshot_hash=version["snapshot_hash"],
    )
