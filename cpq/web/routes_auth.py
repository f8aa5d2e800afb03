"""Log in and out of the pages (the sessions of ``POST /v1/sessions``, the same cookies).

After logging in, the page asked for (a safe ``next``) opens; without one, the user's own start
page: the approvals queue for those who decide approvals, else their quotes."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from cpq.api.auth import set_cookie
from cpq.api.deps import EngineDep, SettingsDep
from cpq.api.security import CSRF_COOKIE, SESSION_COOKIE
from cpq.auth.principal import APPROVING_ROLES, Principal
from cpq.errors import Unauthorized
from cpq.services import people
from cpq.settings import Settings
from cpq.web import login_limits
from cpq.web.render import page
from cpq.web.routing import PageRoute
from cpq.web.session import (
    HOME,
    LOGIN_CSRF_COOKIE,
    SignedInDep,
    local_path,
    login_csrf_matches,
    new_login_csrf,
)

router = APIRouter(include_in_schema=False, route_class=PageRoute)
APPROVALS = "/approvals"


def home_of(who: Principal) -> str:
    """Where a login without a ``next`` lands (base.html.j2 shows "Approvals" to the same)."""
    return APPROVALS if who.role in APPROVING_ROLES else HOME


def _wait_words(seconds: int) -> str:
    if seconds <= 120:
        return f"{seconds} seconds"
    return f"{round(seconds / 60)} minutes"


def _login_page(
    request: Request,
    settings: Settings,
    next_path: str,
    *,
    username: str = "",
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    token = new_login_csrf()
    response = page(
        request,
        "login.html.j2",
        {
            "title": "Log in",
            "next_path": next_path,
            "username": username,
            "error": error,
            "login_csrf": token,
            "user": None,
        },
        status_code,
    )
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        max_age=3600,
        path="/login",
        secure=settings.cookie_secure,
        httponly=True,
        samesite="strict",
    )
    return response


@router.get("/login")
def login_form(
    request: Request,
    settings: SettingsDep,
    next_: Annotated[str | None, Query(alias="next")] = None,
) -> Response:
    return _login_page(request, settings, local_path(next_, default=""))


@router.post("/login")
def log_in(
    request: Request,
    engine: EngineDep,
    settings: SettingsDep,
    username: Annotated[str, Form(max_length=100)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    csrf_token: Annotated[str, Form(max_length=200)] = "",
    next_: Annotated[str, Form(alias="next", max_length=2000)] = "",
) -> Response:
    target = local_path(next_, default="")  # "": the user's own start page
    if not login_csrf_matches(request.cookies.get(LOGIN_CSRF_COOKIE), csrf_token):
        return _login_page(
            request,
            settings,
            target,
            username=username,
            error="The login form had expired. Please log in again.",
            status_code=403,
        )
    if not username.strip() or not password:
        return _login_page(
            request,
            settings,
            target,
            username=username,
            error="Enter your username and your password.",
            status_code=422,
        )
    client = request.client.host if request.client else None
    wait = login_limits.wait_seconds(engine, username, client)
    if wait:
        response = _login_page(
            request,
            settings,
            target,
            username=username,
            error=f"Too many login attempts. Wait {_wait_words(wait)} and try again.",
            status_code=429,
        )
        response.headers["Retry-After"] = str(wait)
        return response
    try:
        with engine.begin() as conn:
            result = people.login(conn, username, password, hours=settings.session_hours)
    except Unauthorized:
        login_limits.failed(engine, username, client)
        return _login_page(
            request,
            settings,
            target,
            username=username,
            error="Wrong username or password.",
            status_code=401,
        )
    response = RedirectResponse(target or home_of(result.principal), status_code=303)
    set_cookie(response, SESSION_COOKIE, result.session_secret, settings, readable=False)
    set_cookie(response, CSRF_COOKIE, result.csrf_token, settings, readable=True)
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return response


@router.post("/logout")
def log_out(signed: SignedInDep, engine: EngineDep, settings: SettingsDep) -> Response:
    with engine.begin() as conn:
        people.logout(conn, signed.session_secret)
    response = RedirectResponse("/login", status_code=303)
    set_cookie(response, SESSION_COOKIE, "", settings, readable=False)
    set_cookie(response, CSRF_COOKIE, "", settings, readable=True)
    return response
