"""The quote lifecycle: which action moves a quote version from which status to which.

draft -> pending_approval -> approved | rejected -> sent -> accepted | declined; expired and
cancelled from any open status. Editing is allowed while nothing binding rests on the content
(draft, pending_approval, rejected) and takes the quote back to draft; an approved or sent quote
changes only through a new version (``revise``).
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum


class QuoteStatus(StrEnum):
    DRAFT = "draft"
    PENDING_APPROVAL = "pending_approval"
    APPROVED = "approved"
    REJECTED = "rejected"
    SENT = "sent"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    EXPIRED = "expired"
    CANCELLED = "cancelled"


class QuoteAction(StrEnum):
    EDIT = "edit"  # terms, lines or a reprice
    SUBMIT = "submit"  # approval needed
    SUBMIT_WITHIN_POLICY = "submit_within_policy"  # no approval needed, or all still stands
    APPROVE = "approve"  # the last level of the chain approved
    REJECT = "reject"
    RECALL = "recall"
    SEND = "send"
    ACCEPT = "accept"
    DECLINE = "decline"
    EXPIRE = "expire"
    CANCEL = "cancel"
    REVISE = "revise"  # a new version, in draft, copied from this one


S = QuoteStatus
A = QuoteAction
_OPEN = (S.DRAFT, S.PENDING_APPROVAL, S.APPROVED, S.REJECTED, S.SENT)

TRANSITIONS: Mapping[tuple[QuoteStatus, QuoteAction], QuoteStatus] = {
    (S.DRAFT, A.EDIT): S.DRAFT,
    (S.PENDING_APPROVAL, A.EDIT): S.DRAFT,
    (S.REJECTED, A.EDIT): S.DRAFT,
    (S.DRAFT, A.SUBMIT): S.PENDING_APPROVAL,
    (S.DRAFT, A.SUBMIT_WITHIN_POLICY): S.APPROVED,
    (S.PENDING_APPROVAL, A.APPROVE): S.APPROVED,
    (S.PENDING_APPROVAL, A.REJECT): S.REJECTED,
    (S.PENDING_APPROVAL, A.RECALL): S.DRAFT,
    (S.APPROVED, A.SEND): S.SENT,
    (S.SENT, A.ACCEPT): S.ACCEPTED,
    (S.SENT, A.DECLINE): S.DECLINED,
    **{(status, A.EXPIRE): S.EXPIRED for status in _OPEN},
    **{(status, A.CANCEL): S.CANCELLED for status in _OPEN},
    # The old version keeps its status (read-only from then on); the new one starts in draft.
    **{
        (status, A.REVISE): S.DRAFT
        for status in (S.APPROVED, S.REJECTED, S.SENT, S.DECLINED, S.EXPIRED)
    },
}

FINAL = frozenset({S.ACCEPTED, S.DECLINED, S.EXPIRED, S.CANCELLED})


class IllegalTransition(Exception):
    def __init__(self, status: QuoteStatus, action: QuoteAction) -> None:
        allowed = ", ".join(a.value for a in allowed_actions(status)) or "none"
        super().__init__(
            f"a quote in status {status.value} cannot {action.value.replace('_', ' ')} "
            f"(allowed now: {allowed})"
        )
        self.status = status
        self.action = action


def next_status(status: QuoteStatus, action: QuoteAction) -> QuoteStatus:
    try:
        return TRANSITIONS[status, action]
    except KeyError:
        raise IllegalTransition(status, action) from None


def allowed_actions(status: QuoteStatus) -> tuple[QuoteAction, ...]:
    """What may be asked of a quote in ``status`` (``approve``/``reject`` come from approvers)."""
    return tuple(a for a in QuoteAction if (status, a) in TRANSITIONS)


def editable(status: QuoteStatus) -> bool:
    return (status, A.EDIT) in TRANSITIONS
