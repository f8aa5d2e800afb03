"""Webhook subscriptions, their deliveries (one per subscription and outbox event, with the exact
message to send) and each delivery attempt (the delivery log). Persistence only."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel


class WebhookSubscriptionRow(SQLModel, table=True):
    __tablename__ = "webhook_subscriptions"
    id: str = Field(primary_key=True, max_length=36)
    url: str = Field(sa_type=Text)
    event_types: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    secret: str = Field(max_length=100)  # needed to sign: kept as given, shown once
    description: str | None = Field(default=None, sa_type=Text)
    active: bool = True
    created_by: int | None = Field(default=None, foreign_key="users.id")
    created_at: datetime
    updated_at: datetime


class WebhookDeliveryRow(SQLModel, table=True):
    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        UniqueConstraint("subscription_id", "outbox_event_id"),
        Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    subscription_id: str = Field(foreign_key="webhook_subscriptions.id", max_length=36)
    outbox_event_id: int = Field(foreign_key="outbox_events.id")
    message_id: str = Field(max_length=64)  # webhook-id: the same on every retry
    event_type: str = Field(max_length=60)
    body: str = Field(sa_type=Text)  # the JSON sent, the same bytes on every retry
    status: str = Field(max_length=12)  # pending, succeeded, failed (gave up)
    attempts: int = 0
    next_attempt_at: datetime | None = None
    last_status_code: int | None = None
    last_error: str | None = Field(default=None, sa_type=Text)
    created_at: datetime
    delivered_at: datetime | None = None


class WebhookAttemptRow(SQLModel, table=True):
    __tablename__ = "webhook_attempts"
    id: int | None = Field(default=None, primary_key=True)
    delivery_id: int = Field(foreign_key="webhook_deliveries.id", index=True)
    at: datetime
    status_code: int | None = None
    error: str | None = Field(default=None, sa_type=Text)
    duration_ms: int = 0
    response: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
