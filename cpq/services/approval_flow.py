"""The discount-approval workflow of a quote version: submit (who must approve and why, with
earlier approvals that still stand), decide (approve, reject), recall; and the preview a rep
sees before submitting.

Each decision locks the quote row first (a guarded UPDATE), so concurrent decisions on one quote
run one after the other, and the approval row is decided only if still pending: of two
decisions on the same approval exactly one wins, the other gets 409.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection

from cpq.approvals.figures import QuoteFigures
from cpq.approvals.guidance import guidance
from cpq.approvals.policy import LevelRequirement, Policy, required_levels, requirement_from_json
from cpq.approvals.reapproval import still_approved
from cpq.approvals.routing import NoApprover, approvers_for
from cpq.errors import (
    AlreadyDecided,
    Forbidden,
    InvalidInput,
    NoApproverFound,
    NotFound,
    SnapshotChanged,
)
from cpq.quotes.lifecycle import QuoteAction, QuoteStatus
from cpq.quotes.snapshot import to_json
from cpq.repositories import approvals as approval_rows
from cpq.repositories import quotes as quote_rows
from cpq.repositories.audit import publish
from cpq.services import access
from cpq.services.approval_policy import policy_for
from cpq.services.audit import record
from cpq.services.people import people_directory
from cpq.services.quote_pricing import price_content, terms_of
from cpq.services.quotes import (
    Context,
    Loaded,
    _stale,
    check_revision,
    check_transition,
    load,
)


def _requirement_json(req: LevelRequirement) -> list[dict[str, Any]]:
    return [t.to_json() for t in req.triggers]


def _figures(version: Mapping[str, Any]) -> QuoteFigures:
    if not version["lines"] or version["figures"] is None:
        raise InvalidInput("a quote needs at least one priced line to be submitted", field="lines")
    return QuoteFigures.from_json(version["figures"])


def _approvers(
    conn: Connection, policy: Policy, reqs: Sequence[LevelRequirement], owner: int
) -> dict[str, tuple[int, ...]]:
    people = people_directory(conn)
    found: dict[str, tuple[int, ...]] = {}
    for req in reqs:
        try:
            found[req.level.code] = approvers_for(req.level, owner, people)
        except NoApprover as exc:
            raise NoApproverFound(str(exc), level=req.level.code) from None
    return found


def standing(
    conn: Connection,
    policy: Policy,
    quote_id: str,
    reqs: Sequence[LevelRequirement],
    figures: QuoteFigures,
) -> dict[str, dict[str, Any]]:
    """Levels whose latest approval on this quote still stands for the content now (smart
    re-approval, docs/approvals.md): level code -> that approval."""
    stands: dict[str, dict[str, Any]] = {}
    previous = approval_rows.latest_approved(conn, quote_id)
    for req in reqs:
        then = previous.get(req.level.code)
        if then is None or not then["figures"]:
            continue
        then_req = requirement_from_json(
            {"level": req.level.code, "triggers": then["reasons"]}, policy
        )
        if still_approved(then_req, QuoteFigures.from_json(then["figures"]), req, figures):
            stands[req.level.code] = then
    return stands


def submit(
    conn: Connection, ctx: Context, quote_id: str, if_match: int, comment: str | None
) -> Loaded:
    """Submit the current version: approved at once when the policy needs nobody (or every level
    needed still stands), else pending with the first open level asked. The new status."""
    quote = access.owned_quote(conn, ctx.who, quote_id, ctx.today)
    check_revision(quote, if_match)
    check_transition(quote["status"], QuoteAction.SUBMIT)
    version = quote_rows.version(conn, quote_id, quote["current_version"])
    assert version is not None
    policy = policy_for(ctx.rules_dir)
    figures = _figures(version)
    reqs = required_levels(policy, figures)
    approvers = _approvers(conn, policy, reqs, quote["owner_id"])
    stands = standing(conn, policy, quote_id, reqs, figures)
    rows: list[dict[str, Any]] = []
    first_open: int | None = None
    for step, req in enumerate(reqs, start=1):
        carried = stands.get(req.level.code)
        if carried is None and first_open is None:
            first_open = step
        base = {
            "quote_id": quote_id,
            "version": version["version"],
            "snapshot_hash": version["snapshot_hash"],
            "level": req.level.code,
            "step": step,
            "require": req.level.require.value,
            "reasons": _requirement_json(req),
            "figures": figures.to_json(),
            "created_at": ctx.now,
        }
        if carried is not None:
            rows.append(
                {
                    **base,
                    "approver_id": carried["approver_id"],
                    "status": "approved",
                    "decided_by_id": carried["decided_by_id"],
                    "decided_at": ctx.now,
                    "carried_from_id": carried["id"],
                    "comment": "still stands: nothing that required this level got worse",
                }
            )
            continue
        status = "pending" if step == first_open else "waiting"
        after = req.level.escalate_after
        due = ctx.now + after if after is not None and status == "pending" else None
        rows += [
            {**base, "approver_id": a, "status": status, "due_at": due}
            for a in approvers[req.level.code]
        ]
    action = QuoteAction.SUBMIT if first_open is not None else QuoteAction.SUBMIT_WITHIN_POLICY
    to_status = check_transition(quote["status"], action)
    values = {"status": to_status.value, "updated_at": ctx.now}
    revision = quote_rows.bump(conn, quote_id, if_match, values)
    if revision is None:
        raise _stale(quote)
    quote_rows.update_version(conn, version["id"], {"status": to_status.value})
    approval_rows.add(conn, rows)
    record(
        conn,
        quote,
        version["version"],
        ctx.who,
        "submitted",
        ctx.now,
        from_status=quote["status"],
        to_status=to_status.value,
        comment=comment,
        snapshot_hash=version["snapshot_hash"],
        data={
            "levels": [r.level.code for r in reqs],
            "still_standing": sorted(stands),
            "policy": policy.digest,
        },
    )
    asked = [r for r in rows if r["status"] == "pending"]
    announce_requests(conn, quote, version["version"], asked, ctx.now)
    return Loaded({**quote, **values, "revision": revision}, {**version, "status": to_status.value})


def decidable(
    conn: Connection, ctx: Context, approval_id: int
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The approval and its quote, if the caller may decide it; else 404 (cannot see it) or 403."""
    approval = approval_rows.get(conn, approval_id)
    if approval is None:
        raise NotFound(f"approval {approval_id} does not exist")
    quote = quote_rows.quote(conn, approval["quote_id"])
    assert quote is not None
    if approval["approver_id"] not in access.deciders(conn, ctx.who, ctx.today):
        if access.can_see(conn, ctx.who, quote, ctx.today):
            raise Forbidden(f"approval {approval_id} is not yours to decide")
        raise NotFound(f"approval {approval_id} does not exist")
    if quote["owner_id"] == ctx.who.user_id:
        raise Forbidden("nobody approves their own quote")
    return approval, quote


def decide(
    conn: Connection,
    ctx: Context,
    approval_id: int,
    approve: bool,
    comment: str | None,
    snapshot_hash: str | None,
) -> None:
    approval, quote = decidable(conn, ctx, approval_id)
    if snapshot_hash is not None and snapshot_hash != approval["snapshot_hash"]:
        raise SnapshotChanged(
            "the quote changed since you looked at it: this approval is for other content",
            snapshot_hash=approval["snapshot_hash"],
        )
    # Lock the quote first: decisions on one quote run one after the other.
    if (
        quote_rows.bump(
            conn,
            quote["id"],
            None,
            {"updated_at": ctx.now},
            statuses=[QuoteStatus.PENDING_APPROVAL.value],
        )
        is None
    ):
        raise AlreadyDecided(
            f"quote {quote['number']} is not waiting for approval any more ({quote['status']})"
        )
    decision = "approved" if approve else "rejected"
    if not approval_rows.decide(
        conn, approval_id, decision, by=ctx.who.user_id, comment=comment, at=ctx.now
    ):
        raise AlreadyDecided(f"approval {approval_id} was already decided, voided or escalated")
    version = approval["version"]
    on_behalf = approval["approver_id"] if approval["approver_id"] != ctx.who.user_id else None
    record(
        conn,
        quote,
        version,
        ctx.who,
        f"approval_{decision}",
        ctx.now,
        comment=comment,
        snapshot_hash=approval["snapshot_hash"],
        data={"approval_id": approval_id, "level": approval["level"], "on_behalf_of": on_behalf},
        event=f"approval.{decision}",
    )
    rows = [r for r in approval_rows.of_quote(conn, quote["id"], version) if r["voided_at"] is None]
    if not approve:
        approval_rows.void_rows(conn, [r["id"] for r in rows], ctx.now)
        _finish(conn, ctx, quote, version, QuoteAction.REJECT, approval["snapshot_hash"])
        return
    level = [r for r in rows if r["step"] == approval["step"]]
    if approval["require"] == "any":
        approval_rows.void_rows(conn, [r["id"] for r in level if r["status"] == "pending"], ctx.now)
    elif any(r["status"] == "pending" for r in level):
        return  # others of this level still to decide
    later = sorted({r["step"] for r in rows if r["status"] == "waiting"})
    if not later:
        _finish(conn, ctx, quote, version, QuoteAction.APPROVE, approval["snapshot_hash"])
        return
    opening = [r for r in rows if r["step"] == later[0]]
    after = _escalate_after(ctx, opening[0]["level"])
    approval_rows.open_level(conn, [r["id"] for r in opening], ctx.now + after if after else None)
    announce_requests(conn, quote, version, opening, ctx.now)


def announce_requests(
    conn: Connection,
    quote: Mapping[str, Any],
    version: int,
    requests: Sequence[Mapping[str, Any]],
    at: datetime,
) -> None:
    """An ``approval.requested`` outbox event per approver now asked to decide."""
    for request in requests:
        publish(
            conn,
            {
                "event_type": "approval.requested",
                "quote_id": quote["id"],
                "payload": to_json(
                    {
                        "quote_id": quote["id"],
                        "number": quote["number"],
                        "version": version,
                        "level": request["level"],
                        "approver_id": request["approver_id"],
                        "crm_opportunity_id": quote.get("crm_opportunity_id"),
                        "at": at,
                    }
                ),
                "created_at": at,
            },
        )


def _escalate_after(ctx: Context, level: str) -> timedelta | None:
    policy = policy_for(ctx.rules_dir)
    known = {lv.code: lv for lv in policy.levels}
    return known[level].escalate_after if level in known else None


def _finish(
    conn: Connection,
    ctx: Context,
    quote: dict[str, Any],
    version: int,
    action: QuoteAction,
    snapshot_hash: str,
) -> None:
    to_status = check_transition(QuoteStatus.PENDING_APPROVAL.value, action)
    quote_rows.bump(conn, quote["id"], None, {"status": to_status.value, "updated_at": ctx.now})
    found = quote_rows.version(conn, quote["id"], version)
    assert found is not None
    quote_rows.update_version(conn, found["id"], {"status": to_status.value})
    record(
        conn,
        quote,
        version,
        ctx.who,
        to_status.value,
        ctx.now,
        from_status=QuoteStatus.PENDING_APPROVAL.value,
        to_status=to_status.value,
        snapshot_hash=snapshot_hash,
    )


# --- preview ---------------------------------------------------------------------------------


def preview(conn: Connection, ctx: Context, quote_id: str, line_id: str | None) -> dict[str, Any]:
    """Before submitting: who must approve and why, which earlier approvals still stand, and the
    largest discount (the quote discount, or ``line_id``'s own) needing no approval or only a
    lower level. Every figure comes from pricing the quote for real, on its pinned versions."""
    loaded = load(conn, ctx, quote_id)
    quote, version = loaded.quote, loaded.version
    policy = policy_for(ctx.rules_dir)
    figures = _figures(version)
    reqs = required_levels(policy, figures)
    people = people_directory(conn)
    stands = standing(conn, policy, quote_id, reqs, figures)
    levels = []
    for step, req in enumerate(reqs, start=1):
        try:
            ids: tuple[int, ...] = approvers_for(req.level, quote["owner_id"], people)
            problem = None
        except NoApprover as exc:
            ids, problem = (), str(exc)
        levels.append(
            {
                "step": step,
                "level": req.level.code,
                "name": req.level.name,
                "require": req.level.require.value,
                "approvers": [{"id": i, "name": people[i].name} for i in ids],
                "problem": problem,
                "reasons": _requirement_json(req),
                "still_stands": req.level.code in stands,
            }
        )
    lines = [dict(ln) for ln in version["lines"]]
    if line_id is not None and not any(ln["id"] == line_id for ln in lines):
        raise NotFound(f"quote {quote['number']} has no line {line_id}")

    def figures_at(discount: Decimal) -> QuoteFigures:
        terms, changed = terms_of(version), [dict(ln) for ln in lines]
        if line_id is None:
            terms["quote_discount_percent"] = discount
        else:
            for ln in changed:
                if ln["id"] == line_id:
                    ln["manual_discount"] = {"percent": format(discount, "f")}
                    ln["manual_price"] = None
        priced = price_content(
            conn,
            rules_dir=ctx.rules_dir,
            policy_currency=policy.currency,
            terms=terms,
            lines=changed,
            pricing_date=version["pricing_date"],
            catalog_version=version["catalog_version"],
            rule_set_digest=version["rule_set_digest"],
        )
        assert priced.figures is not None
        return priced.figures

    advice = guidance(policy, figures_at, reqs)
    return {
        "quote_id": quote_id,
        "version": version["version"],
        "snapshot_hash": version["snapshot_hash"],
        "policy": policy.digest,
        "figures": figures.to_json(),
        "approval_required": bool(reqs) and len(stands) < len(reqs),
        "levels": levels,
        "guidance": {
            "discount": "line" if line_id is not None else "quote",
            "line_id": line_id,
            "no_approval": advice.no_approval,
            "within": dict(advice.within),
        },
    }


# --- an approver's view ----------------------------------------------------------------------


def to_decide(
    conn: Connection,
    ctx: Context,
    statuses: Sequence[str],
    limit: int,
    *,
    oldest_first: bool = False,
) -> list[tuple[dict[str, Any], dict[str, Any], dict[str, Any]]]:
    """Approvals the caller decides (their own and, by delegation, others'), newest first (or
    the longest waiting first), each with its quote and the version it is for; never one on the
    caller's own quote."""
    deciders = access.deciders(conn, ctx.who, ctx.today)
    rows = approval_rows.for_approvers(conn, deciders, statuses, limit, oldest_first=oldest_first)
    found = []
    for row in rows:
        quote = quote_rows.quote(conn, row["quote_id"])
        if quote is None or quote["owner_id"] == ctx.who.user_id:
            continue
        version = quote_rows.version(conn, row["quote_id"], row["version"])
        assert version is not None
        found.append((row, quote, version))
    return found
