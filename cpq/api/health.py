"""Liveness and readiness probes."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from cpq.api.deps import EngineDep
from cpq.api.problems import problem_response, responses
from cpq.db.migrate import current_revision, head_revision
from cpq.repositories.catalog_store import head_version

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz() -> dict[str, str]:
    """The process is up."""
    return {"status": "ok"}


@router.get("/readyz", responses=responses(503))
def readyz(request: Request, engine: EngineDep) -> Any:
    """The database answers and its schema is at the latest migration."""
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        revision = current_revision(engine)
    except SQLAlchemyError as exc:
        return problem_response(
            request, 503, "not_ready", "Not ready", f"database unreachable: {type(exc).__name__}"
        )
    head = head_revision()
    if revision != head:
        detail = f"database schema is at {revision or 'nothing'}, code expects {head}: run 'cpq db upgrade'"
        return problem_response(request, 503, "not_ready", "Not ready", detail)
    with engine.connect() as conn:
        version = head_version(conn)
    return JSONResponse({"status": "ready", "migration": revision, "catalog_version": version})
