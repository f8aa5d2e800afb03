"""``/v1/webhooks``: admins subscribe URLs to quote and approval events, read the delivery log
and redeliver. Messages are signed per Standard Webhooks (docs/webhooks.md)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from cpq.api.deps import EngineDep, RowId
from cpq.api.problems import responses
from cpq.api.security import require
from cpq.auth.principal import Principal, Role, Scope
from cpq.errors import Forbidden
from cpq.services import webhooks
from cpq.webhooks.events import EVENT_TYPES

router = APIRouter(prefix="/v1/webhooks", tags=["webhooks"])


def _admin(principal: Annotated[Principal, require(Scope.WEBHOOKS_MANAGE)]) -> Principal:
    if principal.role != Role.ADMIN:
        raise Forbidden("only an admin manages webhook subscriptions")
    return principal


Admin = Annotated[Principal, Depends(_admin)]
EVENTS_HELP = "Event types to receive: " + ", ".join(EVENT_TYPES) + "."


class SubscriptionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    url: str = Field(min_length=1, max_length=2000, description="Where to POST the events.")
    event_types: list[str] = Field(min_length=1, description=EVENTS_HELP)
    description: str | None = Field(default=None, max_length=1000)


class SubscriptionChange(BaseModel):
    model_config = ConfigDict(extra="forbid")
    url: str | None = Field(default=None, min_length=1, max_length=2000)
    event_types: list[str] | None = Field(default=None, min_length=1, description=EVENTS_HELP)
    description: str | None = Field(default=None, max_length=1000)
    active: bool | None = None
    rotate_secret: bool = Field(default=False, description="Make a new signing secret.")


class SubscriptionOut(BaseModel):
    id: str
    url: str
    event_types: list[str]
    description: str | None
    active: bool
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, row: dict[str, Any]) -> SubscriptionOut:
        return cls(**{k: row[k] for k in cls.model_fields})


class SubscriptionWithSecret(SubscriptionOut):
    secret: str = Field(description="The signing secret (whsec_...): verify every message with it.")

    @classmethod
    def of(cls, row: dict[str, Any]) -> SubscriptionWithSecret:
        return cls(**{k: row[k] for k in cls.model_fields})


class AttemptOut(BaseModel):
    at: datetime
    status_code: int | None
    error: str | None
    duration_ms: int


class DeliveryOut(BaseModel):
    id: int
    message_id: str = Field(description="The webhook-id header: the same on every retry.")
    event_type: str
    status: str = Field(description="pending, succeeded, or failed (gave up after 3 days).")
    attempts: int
    next_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None
    attempts_log: list[AttemptOut]

    @classmethod
    def of(cls, row: dict[str, Any]) -> DeliveryOut:
        log = [
            AttemptOut(**{k: a[k] for k in AttemptOut.model_fields}) for a in row["attempts_log"]
        ]
        fields = {k: row[k] for k in cls.model_fields if k != "attempts_log"}
        return cls(**fields, attempts_log=log)


def _now() -> datetime:
    return datetime.now(UTC)


@router.post("", status_code=201, responses=responses(401, 403, 422))
def create_subscription(
    body: SubscriptionIn, who: Admin, engine: EngineDep
) -> SubscriptionWithSecret:
    row = webhooks.create_subscription(
        engine, body.url, body.event_types, body.description, who.user_id, _now()
    )
    return SubscriptionWithSecret.of(row)


@router.get("", responses=responses(401, 403))
def list_subscriptions(who: Admin, engine: EngineDep) -> list[SubscriptionOut]:
    return [SubscriptionOut.of(row) for row in webhooks.subscriptions(engine)]


@router.get("/{subscription_id}", responses=responses(401, 403, 404))
def get_subscription(subscription_id: str, who: Admin, engine: EngineDep) -> SubscriptionWithSecret:
    return SubscriptionWithSecret.of(webhooks.subscription(engine, subscription_id))


@router.patch("/{subscription_id}", responses=responses(401, 403, 404, 422))
def change_subscription(
    subscription_id: str, body: SubscriptionChange, who: Admin, engine: EngineDep
) -> SubscriptionWithSecret:
    changes = body.model_dump(exclude_unset=True)
    row = webhooks.change_subscription(engine, subscription_id, changes, _now())
    return SubscriptionWithSecret.of(row)


@router.delete("/{subscription_id}", status_code=204, responses=responses(401, 403, 404))
def delete_subscription(subscription_id: str, who: Admin, engine: EngineDep) -> Response:
    webhooks.delete_subscription(engine, subscription_id)
    return Response(status_code=204)


@router.get("/{subscription_id}/deliveries", responses=responses(401, 403, 404))
def deliveries(
    subscription_id: str,
    who: Admin,
    engine: EngineDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> list[DeliveryOut]:
    """The delivery log: the latest deliveries, newest first, with every attempt."""
    return [DeliveryOut.of(r) for r in webhooks.delivery_log(engine, subscription_id, limit)]


@router.post(
    "/{subscription_id}/deliveries/{delivery_id}/redeliver",
    status_code=202,
    responses=responses(401, 403, 404),
)
def redeliver(subscription_id: str, delivery_id: RowId, who: Admin, engine: EngineDep) -> Response:
    """Send the delivery again, now (the same message id and bytes)."""
    webhooks.redeliver(engine, subscription_id, delivery_id, _now())
    return Response(status_code=202)
