"""Who is asking: the principal behind a request, from an API token or a web session cookie.

    principal: PrincipalDep                                   # any signed-in caller
    principal: Annotated[Principal, require(Scope.QUOTES_WRITE)]  # and holding a scope

A request with ``Authorization: Bearer <token>`` is a CRM client; otherwise the ``cpq_session``
cookie is a browser, which must also echo its CSRF token on unsafe methods.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request, params

from cpq.api.deps import EngineDep
from cpq.api.idempotency import SESSION_COOKIE as SESSION_COOKIE
from cpq.api.idempotency import caller_id
from cpq.api.openapi import operations
from cpq.auth import tokens
from cpq.auth.principal import Principal, Scope
from cpq.errors import Forbidden, Unauthorized
from cpq.services import people

CSRF_COOKIE = "cpq_csrf"
CSRF_HEADER = "X-CSRF-Token"
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class MissingScope(Forbidden):
    code = "insufficient_scope"
    title = "Insufficient scope"


class CsrfFailed(Forbidden):
    code = "csrf_failed"
    title = "CSRF token missing or wrong"


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if header is None:
        return None
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        raise Unauthorized("use 'Authorization: Bearer <API token>'")
    return value.strip()


def current_principal(request: Request, engine: EngineDep) -> Principal:
    """The principal of a Bearer token or a session cookie; 401 when there is neither, or the
    credential is unknown, expired, revoked, or its user deactivated."""
    token = _bearer(request)
    session_secret = request.cookies.get(SESSION_COOKIE) if token is None else None
    if token is None and not session_secret:
        raise Unauthorized("sign in: send 'Authorization: Bearer <API token>' or log in")
    with engine.connect() as conn:
        if token is not None:
            principal = people.authenticate_token(conn, token)
        else:
            assert session_secret is not None
            principal = people.authenticate_session(conn, session_secret)
        conn.commit()  # a token's last_used_at, written at most once a minute
    if session_secret is not None and request.method not in _SAFE_METHODS:
        presented = request.headers.get(CSRF_HEADER, "")
        if not tokens.csrf_matches(session_secret, presented):
            raise CsrfFailed(
                f"send the csrf_token from the login answer (or the {CSRF_COOKIE} cookie) "
                f"in the {CSRF_HEADER} header"
            )
    request.state.principal = principal
    return principal


PrincipalDep = Annotated[Principal, Depends(current_principal)]


@dataclass(frozen=True)
class _RequireScope(params.Depends):
    """``require(scope)``: a ``Depends`` marker that is also a dependency callable, so both
    ``Annotated[Principal, require(s)]`` and ``Depends(require(s))`` work."""

    # Not named ``scope``: Depends has a field of that name (the dependency's lifetime).
    required: Scope | None = None

    def __call__(self, principal: PrincipalDep) -> Principal:
        assert self.required is not None
        if not principal.can(self.required):
            raise MissingScope(
                f"this needs the {self.required.value!r} scope, which the credential lacks",
                required_scope=self.required.value,
            )
        return principal


def require(scope: Scope) -> Any:
    """A dependency returning the Principal; 403 problem+json when it lacks ``scope``."""
    marker = _RequireScope(required=scope)
    object.__setattr__(marker, "dependency", marker.__call__)
    return marker


def principal_key(request: Request) -> str | None:
    """SHA-256 hex of the credential presented (the Authorization header, else the session
    cookie: the precedence of ``current_principal``), e.g. to keep one client's idempotency keys
    apart from another's; None when there is none. Says nothing about whether it is valid."""
    return caller_id(request.headers.get("authorization"), request.headers.get("cookie"))


# -- the OpenAPI document: how to sign in --

SECURITY_SCHEMES = {
    "apiToken": {
        "type": "http",
        "scheme": "bearer",
        "description": "An API token (`cpq tokens create`): `Authorization: Bearer cpq_...`.",
    },
    "session": {
        "type": "apiKey",
        "in": "cookie",
        "name": SESSION_COOKIE,
        "description": "A web session from `POST /v1/sessions`.",
    },
    "csrf": {
        "type": "apiKey",
        "in": "header",
        "name": CSRF_HEADER,
        "description": "With a web session, every change echoes the session's `csrf_token`.",
    },
    "syncToken": {
        "type": "http",
        "scheme": "bearer",
        "description": "The back office's sync token (`CPQ_SYNC_TOKEN`): "
        "`Authorization: Bearer <sync token>`.",
    },
}
SYNC_TOKEN: dict[str, list[str]] = {"syncToken": []}
# For a safe method: an API token, a web session, or the sync token.
SIGNED_IN_OR_SYNC_TOKEN = [{"apiToken": []}, {"session": []}, SYNC_TOKEN]


def security_amendment(spec: dict[str, Any]) -> None:
    """Declare how each operation that needs a caller (one that can answer 401) is signed in:
    an API token, or a web session (with its CSRF token on changes); an operation that declares
    its own ``security`` (the sync token's) keeps it."""
    spec.setdefault("components", {})["securitySchemes"] = SECURITY_SCHEMES
    for _, method, operation in operations(spec):
        if "401" not in operation.get("responses", {}) or "security" in operation:
            continue
        session: dict[str, list[str]] = {"session": []}
        if method.upper() not in _SAFE_METHODS:
            session["csrf"] = []
        operation["security"] = [{"apiToken": []}, session]
