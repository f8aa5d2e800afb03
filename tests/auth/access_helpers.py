"""Helpers for access tests: a test-only router of protected routes to probe, an API client,
tokens and logins."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from cpq.api.app import create_app
from cpq.api.security import PrincipalDep, principal_key, require
from cpq.auth.principal import Principal, Scope
from cpq.services import people
from cpq.settings import Settings

PASSWORD = "correct horse battery"

probe = APIRouter(prefix="/test-probe")


@probe.get("/quotes")
def read_quotes(principal: Annotated[Principal, require(Scope.QUOTES_READ)]) -> dict[str, Any]:
    return {"user": principal.username, "token_id": principal.token_id}


@probe.post("/quotes")
def write_quotes(principal: Annotated[Principal, require(Scope.QUOTES_WRITE)]) -> dict[str, Any]:
    return {"user": principal.username}


@probe.post("/anyone")
def anyone(principal: PrincipalDep) -> dict[str, Any]:
    return {"user": principal.username}


@probe.get("/key")
def key(request: Request) -> dict[str, Any]:
    return {"key": principal_key(request)}


def app_client(db_url: str, **settings: Any) -> TestClient:
    app = create_app(Settings(database_url=db_url, **settings))
    app.include_router(probe)
    return TestClient(app, raise_server_exceptions=False)


def token_for(engine: Engine, username: str, *scopes: Scope) -> tuple[int, str]:
    with engine.begin() as conn:
        row, plaintext = people.create_token(conn, "test client", username, list(scopes))
    assert row.id is not None
    return row.id, plaintext


def log_in(client: TestClient, username: str = "rosa", password: str = PASSWORD) -> str:
    """Log in; the client keeps the cookies. Returns the CSRF token."""
    response = client.post("/v1/sessions", json={"username": username, "password": password})
    assert response.status_code == 201, response.text
    csrf: str = response.json()["csrf_token"]
    return csrf
