"""Tables of quotes, their versions, approvals, the audit trail, the outbox of events for
webhooks, idempotency keys and counters. Persistence only: input is validated elsewhere.

``quote_events`` is append-only: database triggers (see the migration) refuse UPDATE and DELETE.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Column, Index, LargeBinary, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from cpq.db.types import ExactDecimal


class CounterRow(SQLModel, table=True):
    """Named sequences shared by every process (quote numbers): bumped with UPDATE ... RETURNING."""

    __tablename__ = "counters"
    name: str = Field(primary_key=True, max_length=50)
    value: int = 0


class RuleSetRow(SQLModel, table=True):
    """The files of every pricing rule set a quote was priced with, so that the quote can be
    priced again with exactly those rules (its rule set is pinned) after the files change."""

    __tablename__ = "rule_sets"
    digest: str = Field(primary_key=True, max_length=64)
    name: str = Field(max_length=200)
    files: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime


class QuoteRow(SQLModel, table=True):
    __tablename__ = "quotes"
    __table_args__ = (Index("ix_quotes_owner_created", "owner_id", "created_at"),)
    id: str = Field(primary_key=True, max_length=36)  # a UUID: ids reveal nothing
    number: str = Field(max_length=32, unique=True)
    owner_id: int = Field(foreign_key="users.id")
    status: str = Field(max_length=20, index=True)  # the current version's
    current_version: int = 1
    revision: int = 1  # bumped by every change: the ETag
    customer: str | None = Field(default=None, max_length=200, index=True)
    crm_opportunity_id: str | None = Field(default=None, max_length=200, index=True)
    crm_account_id: str | None = Field(default=None, max_length=200)
    created_at: datetime
    updated_at: datetime


class QuoteVersionRow(SQLModel, table=True):
    __tablename__ = "quote_versions"
    __table_args__ = (UniqueConstraint("quote_id", "version"),)
    id: int | None = Field(default=None, primary_key=True)
    quote_id: str = Field(foreign_key="quotes.id", max_length=36)
    version: int
    status: str = Field(max_length=20)
    # terms
    currency: str = Field(max_length=3)
    customer: str | None = Field(default=None, max_length=200)
    price_list: str | None = Field(default=None, max_length=200)
    codes: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    payment_terms: str | None = Field(default=None, max_length=50)
    term_months: int | None = None
    quote_discount_percent: Decimal | None = Field(default=None, sa_type=ExactDecimal())
    # why the rep gives it: for the approver, never on the customer's document
    quote_discount_reason: str | None = Field(default=None, max_length=500)
    valid_until: date
    # BCP 47 (de-DE, en-GB, de-CH): how the quote's documents write numbers, dates and words
    locale: str = Field(
        default="en-US", max_length=35, sa_column_kwargs={"server_default": "en-US"}
    )
    title: str | None = Field(default=None, sa_type=Text)
    notes: str | None = Field(default=None, sa_type=Text)
    # what the rep asked for (validated line inputs, as JSON)
    lines: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    # the pricing, pinned: catalog version, rule set, date; the priced result; its hash
    pricing_date: date
    catalog_version: int | None = None
    rule_set_digest: str | None = Field(default=None, max_length=64)
    priced: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    figures: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    total: Decimal | None = Field(default=None, sa_type=ExactDecimal())
    snapshot_hash: str | None = Field(default=None, max_length=64)
    priced_at: datetime | None = None
    created_at: datetime
    superseded_at: datetime | None = None


class ApprovalRow(SQLModel, table=True):
    """One approver's part in one level of a quote version's approval chain."""

    __tablename__ = "approvals"
    __table_args__ = (
        Index("ix_approvals_quote_version", "quote_id", "version"),
        Index("ix_approvals_approver_status", "approver_id", "status"),
    )
    id: int | None = Field(default=None, primary_key=True)
    quote_id: str = Field(foreign_key="quotes.id", max_length=36)
    version: int
    snapshot_hash: str = Field(max_length=64)  # the exact priced content this approval is for
    level: str = Field(max_length=50)
    step: int  # the level's place in the chain, from 1
    require: str = Field(max_length=8)  # all | any (of the level's approvers)
    approver_id: int = Field(foreign_key="users.id")
    # waiting (an earlier level is open), pending, approved, rejected, escalated (handed to the
    # next level up), void (never decided: content changed, recalled, another approver decided
    # an ``any`` level). A decision keeps its status; ``voided_at`` says it no longer applies.
    status: str = Field(max_length=16)
    voided_at: datetime | None = None
    reasons: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    figures: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    decided_by_id: int | None = Field(default=None, foreign_key="users.id")  # a delegate, maybe
    decided_at: datetime | None = None
    comment: str | None = Field(default=None, sa_type=Text)
    due_at: datetime | None = None  # escalated when still pending then
    escalated_from_id: int | None = None
    carried_from_id: int | None = None  # an earlier approval that still stands (smart re-approval)
    created_at: datetime


class QuoteEventRow(SQLModel, table=True):
    """The audit trail: every transition and decision. Append-only (triggers refuse changes)."""

    __tablename__ = "quote_events"
    __table_args__ = (Index("ix_quote_events_quote", "quote_id", "id"),)
    id: int | None = Field(default=None, primary_key=True)
    quote_id: str = Field(max_length=36)
    version: int
    at: datetime
    actor_id: int | None = None  # None: the service itself (escalation, expiry)
    token_id: int | None = None  # the API token it came through, if any
    action: str = Field(max_length=40)
    from_status: str | None = Field(default=None, max_length=20)
    to_status: str | None = Field(default=None, max_length=20)
    comment: str | None = Field(default=None, sa_type=Text)
    snapshot_hash: str | None = Field(default=None, max_length=64)
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class OutboxEventRow(SQLModel, table=True):
    """A state change to announce by webhook, written in the same transaction as the change."""

    __tablename__ = "outbox_events"
    id: int | None = Field(default=None, primary_key=True)
    event_type: str = Field(max_length=60)
    quote_id: str | None = Field(default=None, max_length=36, index=True)  # None: sync.completed
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime
    delivered_at: datetime | None = Field(default=None, index=True)
    attempts: int = 0


class IdempotencyKeyRow(SQLModel, table=True):
    """A POST's ``Idempotency-Key``: the request it was first used with and the stored answer."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("principal", "key"),)
    id: int | None = Field(default=None, primary_key=True)
    principal: str = Field(max_length=64)  # whose key: keys of different callers never meet
    key: str = Field(max_length=255)
    method: str = Field(max_length=10)
    path: str = Field(sa_type=Text)
    request_hash: str = Field(max_length=64)
    state: str = Field(max_length=12)  # in_flight | done
    status_code: int | None = None
    response_headers: dict[str, str] = Field(
        default_factory=dict, sa_column=Column(JSON, nullable=False)
    )
    response_body: bytes | None = Field(default=None, sa_type=LargeBinary)
    created_at: datetime = Field(index=True)
    locked_until: datetime  # an in-flight key older than this was abandoned (a crash)
