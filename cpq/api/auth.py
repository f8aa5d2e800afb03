"""Web logins (a session cookie plus a CSRF token) and who the caller is."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Connection

from cpq.api.deps import EngineDep, ReadConn, SettingsDep
from cpq.api.problems import responses
from cpq.api.security import CSRF_COOKIE, CSRF_HEADER, SESSION_COOKIE, PrincipalDep
from cpq.auth.passwords import MAX_LENGTH
from cpq.auth.principal import Principal, Role, Scope
from cpq.errors import InvalidInput
from cpq.services import people
from cpq.settings import Settings

router = APIRouter(prefix="/v1", tags=["access"])


class LoginIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: str = Field(min_length=1, max_length=100)
    password: str = Field(min_length=1, max_length=MAX_LENGTH)


class ManagerOut(BaseModel):
    id: int
    username: str
    display_name: str


class MeOut(BaseModel):
    user_id: int
    username: str
    display_name: str
    role: Role
    scopes: list[Scope]
    token_id: int | None = Field(description="The API token used; null for a web session.")
    manager: ManagerOut | None = Field(description="Who approves for this user.")


class SessionOut(BaseModel):
    user: MeOut
    csrf_token: str = Field(
        description=f"Send back in the {CSRF_HEADER} header on POST, PUT, PATCH and DELETE "
        f"(also in the readable {CSRF_COOKIE} cookie)."
    )
    expires_at: datetime


def _me(conn: Connection, principal: Principal) -> MeOut:
    manager = people.user_by_id(conn, principal.manager_id) if principal.manager_id else None
    return MeOut(
        user_id=principal.user_id,
        username=principal.username,
        display_name=principal.display_name,
        role=principal.role,
        scopes=sorted(principal.scopes),
        token_id=principal.token_id,
        manager=ManagerOut(
            id=principal.manager_id or 0,
            username=manager.username,
            display_name=manager.display_name,
        )
        if manager
        else None,
    )


def set_cookie(
    response: Response, name: str, value: str, settings: Settings, *, readable: bool
) -> None:
    """``max_age`` 0 deletes. The CSRF cookie is readable by the page's script, the session's
    is not; SameSite=Strict keeps both off requests that other sites start."""
    response.set_cookie(
        name,
        value,
        max_age=settings.session_hours * 3600 if value else 0,
        path="/",
        secure=settings.cookie_secure,
        httponly=not readable,
        samesite="strict",
    )


@router.post(
    "/sessions",
    status_code=201,
    response_model=SessionOut,
    responses=responses(401, 422),
    summary="Log in: sets the session cookie and answers the CSRF token",
    openapi_extra={"security": []},  # its 401 is a wrong password, not a missing credential
)
def log_in(
    body: LoginIn, engine: EngineDep, settings: SettingsDep, response: Response
) -> SessionOut:
    with engine.begin() as conn:
        result = people.login(conn, body.username, body.password, hours=settings.session_hours)
        me = _me(conn, result.principal)
    set_cookie(response, SESSION_COOKIE, result.session_secret, settings, readable=False)
    set_cookie(response, CSRF_COOKIE, result.csrf_token, settings, readable=True)
    return SessionOut(user=me, csrf_token=result.csrf_token, expires_at=result.expires_at)


@router.delete(
    "/sessions",
    status_code=204,
    responses=responses(401, 403, 422),
    summary="Log out: ends the web session of the cookie",
)
def log_out(
    request: Request, principal: PrincipalDep, engine: EngineDep, settings: SettingsDep
) -> Response:
    session_secret = request.cookies.get(SESSION_COOKIE)
    if principal.token_id is not None or not session_secret:
        raise InvalidInput(
            "this request came with an API token, not a web session; revoke a token instead"
        )
    with engine.begin() as conn:
        people.logout(conn, session_secret)
    response = Response(status_code=204)
    set_cookie(response, SESSION_COOKIE, "", settings, readable=False)
    set_cookie(response, CSRF_COOKIE, "", settings, readable=True)
    return response


@router.get("/me", response_model=MeOut, responses=responses(401))
def me(principal: PrincipalDep, conn: ReadConn) -> MeOut:
    """The caller: the user, their role and manager, and the scopes of the credential used."""
    return _me(conn, principal)
