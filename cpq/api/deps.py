"""Request-scoped dependencies: the engine, a read connection, settings."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Path, Request
from sqlalchemy import Connection, Engine

from cpq.settings import Settings


def get_engine(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


def get_app_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def read_connection(engine: Annotated[Engine, Depends(get_engine)]) -> Iterator[Connection]:
    """One connection, one transaction for a read request; rolled back at the end."""
    with engine.connect() as conn:
        yield conn


EngineDep = Annotated[Engine, Depends(get_engine)]
ReadConn = Annotated[Connection, Depends(read_connection)]
SettingsDep = Annotated[Settings, Depends(get_app_settings)]

# A row id or version number in a path or query: a positive 32-bit integer (the database's
# integer column), so that a larger one is a 422 naming it rather than an overflow in the database.
ROW_ID_MAX = 2**31 - 1
RowId = Annotated[int, Path(ge=1, le=ROW_ID_MAX)]
