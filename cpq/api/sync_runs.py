"""Sync history, and a back office pushing its export over HTTP.

The back office pushes with the sync token (``CPQ_SYNC_TOKEN``); the history is read with it too,
or by an admin (a web session, or an API token acting for an admin)."""

from __future__ import annotations

import hmac
import shutil
import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Header, Query, Request, UploadFile
from fastapi.responses import JSONResponse

from cpq.api import pagination
from cpq.api.deps import EngineDep, ReadConn, RowId, SettingsDep
from cpq.api.problems import responses
from cpq.api.schemas import Page, SyncRunOut
from cpq.api.security import SIGNED_IN_OR_SYNC_TOKEN, SYNC_TOKEN, current_principal
from cpq.auth.principal import Role
from cpq.errors import Forbidden, InvalidInput, NotFound, Unauthorized
from cpq.repositories import sync_runs
from cpq.services.catalog_sync import run_sync
from cpq.sync.mapping import PROFILE_NAMES, load_profile
from cpq.sync.sources.files import FolderSource

router = APIRouter(prefix="/v1/sync-runs", tags=["sync"])

_SUFFIXES = (".csv", ".jsonl", ".xlsx")


def _is_sync_token(settings: SettingsDep, authorization: str | None) -> bool:
    if settings.sync_token is None or authorization is None:
        return False
    expected = f"Bearer {settings.sync_token.get_secret_value()}"
    return hmac.compare_digest(authorization.encode(), expected.encode())


def _history_reader(request: Request, engine: EngineDep, settings: SettingsDep) -> None:
    """The sync token, else an admin's credential: the history names the export files and every
    problem they had, which is back-office business."""
    if _is_sync_token(settings, request.headers.get("authorization")):
        return
    if current_principal(request, engine).role != Role.ADMIN:
        raise Forbidden("only an admin, or the sync token, reads the sync history")


_HISTORY: dict[str, Any] = {
    "dependencies": [Depends(_history_reader)],
    "openapi_extra": {"security": SIGNED_IN_OR_SYNC_TOKEN},
}


@router.get("", response_model=Page[SyncRunOut], responses=responses(401, 403, 422), **_HISTORY)
def list_sync_runs(
    conn: ReadConn,
    limit: Annotated[int, Query(ge=1, le=200)] = 20,
    cursor: Annotated[str | None, Query()] = None,
) -> dict[str, Any]:
    state = pagination.decode(cursor, "before")
    rows = sync_runs.page(conn, before=state["before"] if state else None, limit=limit + 1)
    more = len(rows) > limit
    rows = rows[:limit]
    return {
        "data": [r.model_dump() for r in rows],
        "next_cursor": pagination.encode(before=rows[-1].id) if more else None,
        "catalog_version": None,
    }


@router.get("/{run_id}", response_model=SyncRunOut, responses=responses(401, 403, 404), **_HISTORY)
def get_sync_run(conn: ReadConn, run_id: RowId) -> dict[str, Any]:
    run = sync_runs.get(conn, run_id)
    if run is None:
        raise NotFound(f"no sync run {run_id}")
    return run.model_dump()


def _authorize(settings: SettingsDep, authorization: str | None) -> None:
    if settings.sync_token is None:
        raise Forbidden("syncing over HTTP is switched off; set CPQ_SYNC_TOKEN to allow it")
    if not _is_sync_token(settings, authorization):
        raise Unauthorized("a valid 'Authorization: Bearer <sync token>' header is required")


@router.post(
    "",
    response_model=SyncRunOut,
    status_code=201,
    responses={
        **responses(401, 403, 409, 422, 502),
        200: {"model": SyncRunOut, "description": "Nothing changed"},
    },
    summary="Sync the catalog from uploaded export files",
    openapi_extra={"security": [SYNC_TOKEN]},
)
def create_sync_run(
    engine: EngineDep,
    settings: SettingsDep,
    files: Annotated[list[UploadFile], File(description="CSV, JSON Lines or XLSX export files")],
    profile: Annotated[str, Form(description=f"One of: {', '.join(PROFILE_NAMES)}")] = "canonical",
    authorization: Annotated[str | None, Header()] = None,
) -> Any:
    _authorize(settings, authorization)
    if profile not in PROFILE_NAMES:
        raise InvalidInput(
            f"unknown profile {profile!r}; use one of {', '.join(PROFILE_NAMES)}", field="profile"
        )
    with tempfile.TemporaryDirectory(prefix="cpq-upload-") as tmp:
        for upload in files:
            name = Path(upload.filename or "").name
            if not name.lower().endswith(_SUFFIXES):
                raise InvalidInput(
                    f"file {name!r}: only .csv, .jsonl and .xlsx exports are accepted",
                    field="files",
                )
            with (Path(tmp) / name).open("wb") as out:
                shutil.copyfileobj(upload.file, out)
        outcome = run_sync(
            engine,
            FolderSource(Path(tmp)),
            load_profile(profile),
            models_dir=settings.product_models_dir,
            max_issues=settings.max_reported_issues,
        )
    with engine.connect() as conn:
        run = sync_runs.get(conn, outcome.run_id)
    assert run is not None
    status = 201 if outcome.status == "succeeded" else 200
    return JSONResponse(
        SyncRunOut.model_validate(run.model_dump()).model_dump(mode="json"), status_code=status
    )
