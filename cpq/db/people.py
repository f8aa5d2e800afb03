"""Tables of the people who use the service: users and their reporting line, API tokens for CRM
clients, web sessions, approval delegations. Persistence only: input is validated elsewhere."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Column, Index, Text
from sqlmodel import Field, SQLModel


class UserRow(SQLModel, table=True):
    __tablename__ = "users"
    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=100, unique=True)
    display_name: str = Field(max_length=200)
    email: str | None = Field(default=None, max_length=320)
    role: str = Field(max_length=16)  # rep, manager, director, finance, admin
    manager_id: int | None = Field(default=None, foreign_key="users.id", index=True)
    password_hash: str | None = Field(default=None, sa_type=Text)  # argon2; None: no web login
    active: bool = True
    created_at: datetime


class ApiTokenRow(SQLModel, table=True):
    """A CRM client's token. Only a SHA-256 of the secret is kept; ``prefix`` finds the row."""

    __tablename__ = "api_tokens"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    prefix: str = Field(max_length=32, unique=True)
    secret_hash: str = Field(max_length=64)
    user_id: int = Field(foreign_key="users.id", index=True)  # the rep the client acts for
    scopes: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    created_at: datetime
    expires_at: datetime | None = None
    revoked_at: datetime | None = None
    last_used_at: datetime | None = None


class WebSessionRow(SQLModel, table=True):
    """A logged-in browser. ``id`` is the SHA-256 of the cookie's secret, never the secret."""

    __tablename__ = "web_sessions"
    id: str = Field(primary_key=True, max_length=64)
    user_id: int = Field(foreign_key="users.id", index=True)
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None = None


class DelegationRow(SQLModel, table=True):
    """While away (``starts_on``..``ends_on``, inclusive), ``delegate`` decides for ``delegator``."""

    __tablename__ = "delegations"
    __table_args__ = (Index("ix_delegations_delegator_dates", "delegator_id", "starts_on"),)
    id: int | None = Field(default=None, primary_key=True)
    delegator_id: int = Field(foreign_key="users.id")
    delegate_id: int = Field(foreign_key="users.id", index=True)
    starts_on: date
    ends_on: date
    reason: str | None = Field(default=None, sa_type=Text)
    created_at: datetime
    revoked_at: datetime | None = None
