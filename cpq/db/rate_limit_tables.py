"""The token buckets of the API rate limit, one row per caller, shared by every API process.

Persistence only (cpq.repositories.rate_limits takes tokens with one atomic statement). Times
are seconds since the epoch, so that the refill is plain arithmetic on SQLite and PostgreSQL.
"""

from __future__ import annotations

from sqlmodel import Field, SQLModel


class RateLimitRow(SQLModel, table=True):
    __tablename__ = "rate_limits"
    key: str = Field(primary_key=True, max_length=100)  # token:<prefix>, user:<id>, ip:<address>
    tokens: float  # left in the bucket at updated_at
    updated_at: float  # seconds since the epoch
    granted: bool  # whether the last request took a token (read back by RETURNING)
