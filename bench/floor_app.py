"""The floor of the quote benchmark: the least a FastAPI write endpoint can cost on this stack.

One POST endpoint that validates a small JSON body and INSERTs one row, on the same stack as
``cpq serve`` (FastAPI, a sync route in the thread pool, a SQLAlchemy Core engine made by
``cpq.db.engine.make_engine``, uvicorn with its default loop and access log), without
authentication, pricing or anything else. Served by ``bench/quotes_bench.py``:

    CPQ_FLOOR_DATABASE_URL=... uvicorn floor_app:create_app --factory --app-dir bench --workers 2
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel, Field
from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Engine,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    insert,
)

from cpq.db.engine import make_engine

URL_VARIABLE = "CPQ_FLOOR_DATABASE_URL"

metadata = MetaData()
FLOOR_EVENTS = Table(
    "floor_events",
    metadata,
    # BIGINT autoincrement on PostgreSQL; SQLite only autoincrements an INTEGER primary key
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    Column("reference", String(40), nullable=False),
    Column("amount", Numeric(18, 2), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)


class EventIn(BaseModel):
    reference: str = Field(min_length=1, max_length=40)
    amount: Decimal


def create_tables(engine: Engine) -> None:
    metadata.create_all(engine)


def create_app(database_url: str | None = None) -> FastAPI:
    engine = make_engine(database_url or os.environ[URL_VARIABLE])
    app = FastAPI(title="floor")

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/events", status_code=201)
    def record(body: EventIn) -> dict[str, Any]:
        with engine.begin() as conn:
            new_id = conn.execute(
                insert(FLOOR_EVENTS)
                .values(reference=body.reference, amount=body.amount, created_at=datetime.now(UTC))
                .returning(FLOOR_EVENTS.c.id)
            ).scalar_one()
        return {"id": new_id}

    return app
