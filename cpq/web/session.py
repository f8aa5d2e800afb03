"""Who is signed in to the pages, and the CSRF check of their forms.

A page reads the ``cpq_session`` cookie of ``POST /v1/sessions`` (the same sessions, the same
cookie attributes): ``SignedIn`` gives the principal and the CSRF token the page puts in its
forms. Unsafe methods must send that token back, as the form field ``csrf_token`` or the
``X-CSRF-Token`` header (htmx sends it from ``hx-headers`` on ``<body>``). Without a session a
page redirects to ``/login?next=<the page>``.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Annotated, Any
from urllib.parse import quote, urlsplit

import anyio
from fastapi import Depends, Request
from sqlalchemy import Engine

from cpq.api.deps import EngineDep
from cpq.api.security import CSRF_HEADER, SESSION_COOKIE
from cpq.auth import tokens
from cpq.auth.principal import Principal
from cpq.errors import Unauthorized
from cpq.services import people
from cpq.services.quotes import Context
from cpq.settings import Settings

CSRF_FIELD = "csrf_token"
# Before there is a session, the login form is tied to the browser by this cookie (double
# submit), so another site cannot log someone in under its own account.
LOGIN_CSRF_COOKIE = "cpq_login_csrf"
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
HOME = "/quotes"


class LoginRequired(Exception):
    """No valid session: the page answers with a redirect to the login page."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


class CsrfRejected(Exception):
    """An unsafe request without the session's CSRF token."""


@dataclass(frozen=True, slots=True)
class SignedIn:
    who: Principal
    csrf_token: str
    session_secret: str = field(repr=False)


def local_path(candidate: str | None, default: str = HOME) -> str:
    """``candidate`` if it is a path on this site (``/quotes?x=1``), else ``default``: a login
    link must never send anyone elsewhere (``//evil``, ``https://evil``, ``/\\evil``)."""
    if not candidate or not candidate.startswith("/") or candidate.startswith(("//", "/\\")):
        return default
    if any(ch in candidate for ch in "\\\r\n\t") or any(ord(ch) < 32 for ch in candidate):
        return default
    parts = urlsplit(candidate)
    if parts.scheme or parts.netloc:
        return default
    return candidate


def login_url(next_path: str) -> str:
    return f"/login?next={quote(local_path(next_path), safe='/')}"


def _requested_path(request: Request) -> str:
    """Where to come back after logging in: the page asked for, or for a form post (which
    cannot be repeated by a redirect) the page it was sent from."""
    if request.method in _SAFE_METHODS and not request.headers.get("HX-Request"):
        query = request.url.query
        return request.url.path + (f"?{query}" if query else "")
    came_from = request.headers.get("HX-Current-URL") or request.headers.get("referer") or ""
    parts = urlsplit(came_from)
    return parts.path + (f"?{parts.query}" if parts.query else "") if parts.path else HOME


async def _presented_csrf(request: Request) -> str:
    header = request.headers.get(CSRF_HEADER)
    if header:
        return header
    content_type = request.headers.get("content-type", "")
    if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        form = await request.form()  # Starlette keeps it: the route's Form fields read it again
        value = form.get(CSRF_FIELD)
        return value if isinstance(value, str) else ""
    return ""


def _authenticate(engine: Engine, secret: str) -> Principal:
    with engine.connect() as conn:
        return people.authenticate_session(conn, secret)


async def signed_in(request: Request, engine: EngineDep) -> SignedIn:
    """The signed-in user of a page (a session cookie only: API tokens do not open pages);
    redirects to the login page without one. Unsafe methods must carry the CSRF token."""
    secret = request.cookies.get(SESSION_COOKIE)
    if not secret:
        raise LoginRequired(_requested_path(request))
    try:
        who = await anyio.to_thread.run_sync(_authenticate, engine, secret)
    except Unauthorized:
        raise LoginRequired(_requested_path(request)) from None
    if request.method not in _SAFE_METHODS and not tokens.csrf_matches(
        secret, await _presented_csrf(request)
    ):
        raise CsrfRejected()
    return SignedIn(who, tokens.csrf_token(secret), secret)


SignedInDep = Annotated[SignedIn, Depends(signed_in)]


def context_of(signed: SignedIn, settings: Settings) -> Context:
    """The services' context of the signed-in user."""
    return Context.of(signed.who, settings)


def base(signed: SignedIn, title: str, **more: Any) -> dict[str, Any]:
    """What the base template needs: the title, the user, the CSRF token."""
    return {"title": title, "user": signed.who, "csrf_token": signed.csrf_token, **more}


def new_login_csrf() -> str:
    return secrets.token_urlsafe(32)


def login_csrf_matches(cookie: str | None, presented: str | None) -> bool:
    return (
        bool(cookie) and bool(presented) and secrets.compare_digest(cookie or "", presented or "")
    )
