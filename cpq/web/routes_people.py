"""The admin's pages for people: users (add one, move them in the reporting line, set a new
password, deactivate and reactivate) and the CRM clients' API tokens (create, revoke).

Every change answers with a redirect (post/redirect/get), so reloading never sends it twice. A
new token's secret reaches the page that follows in a short-lived cookie scoped to that page,
which the page deletes as it shows the secret: shown once, never stored in plain text."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import RedirectResponse, Response

from cpq.api.deps import EngineDep, SettingsDep
from cpq.auth import tokens as token_format
from cpq.auth.principal import APPROVING_ROLES, Role, Scope
from cpq.errors import CPQError, Forbidden
from cpq.services import people
from cpq.settings import Settings
from cpq.web.access import AdminDep, PageRefused
from cpq.web.render import page
from cpq.web.session import SignedIn, base

router = APIRouter(include_in_schema=False)

TOKEN_SCOPES = (Scope.QUOTES_READ, Scope.QUOTES_WRITE, Scope.APPROVALS_READ, Scope.APPROVALS_WRITE)
NEW_TOKEN_COOKIE = "cpq_new_token"
NEW_TOKEN_SHOWN_FOR = timedelta(minutes=5)  # the cookie's life, and how new its token must be
Username = Annotated[str, Path(max_length=100)]
Text = Annotated[str, Form(max_length=320)]
NOTICES = {
    "created": "{name} was added.",
    "manager": "The manager of {name} was saved.",
    "password": "{name} has a new password; their open sessions have ended.",
    "deactivate": "{name} was deactivated: their sessions ended and their tokens stopped.",
    "reactivate": "{name} was reactivated.",
}
USER_FIELDS = ("username", "display_name", "email", "role", "manager", "password")
EMPTY_USER = {"username": "", "display_name": "", "email": "", "role": "rep", "manager": ""}


def _done(action: str, username: str) -> Response:
    return RedirectResponse(
        "/admin/users?" + urlencode({"done": action, "user": username}), status_code=303
    )


def _users_page(
    request: Request,
    engine: EngineDep,
    signed: SignedIn,
    *,
    done: tuple[str, str] | None = None,  # (action, username) of the change just made
    problem: tuple[str, str] | None = None,  # (username, what is wrong) of an action on a user
    form: dict[str, str] | None = None,
    field_errors: dict[str, str] | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    with engine.connect() as conn:
        found = people.list_users(conn)
    names = {u.username: u.display_name for u in found}
    action, username = done or ("", "")
    known = action in NOTICES and username in names  # never text of the query's own
    notice = NOTICES[action].format(name=names[username]) if known else None
    context = base(
        signed,
        "Users",
        nav="admin",
        tab="users",
        users=found,
        approvers=[u for u in found if u.active and u.role in APPROVING_ROLES],
        roles=[r.value for r in Role],
        notice=notice,
        error=error,
        problem=problem,
        form=form or EMPTY_USER,
        field_errors=field_errors or {},
        # the form is below the list: the first field to fix takes the focus (and the view)
        first_invalid=next((f for f in USER_FIELDS if f in (field_errors or {})), None),
    )
    return page(request, "admin_users.html.j2", context, status_code)


@router.get("/admin/users")
def users(
    request: Request, signed: AdminDep, engine: EngineDep, done: str = "", user: str = ""
) -> Response:
    return _users_page(request, engine, signed, done=(done, user))


def _field_errors(exc: CPQError) -> dict[str, str]:
    """Each problem under the field it is about (the service names them by column)."""
    issues = exc.extensions.get("issues") or []
    found: dict[str, str] = {}
    for issue in issues:
        found.setdefault(issue.column or "form", issue.message)
    if not issues:
        found[exc.extensions.get("field") or "form"] = exc.detail
    return found


@router.post("/admin/users")
def create_user(
    request: Request,
    signed: AdminDep,
    engine: EngineDep,
    username: Annotated[str, Form(max_length=100)] = "",
    display_name: Annotated[str, Form(max_length=200)] = "",
    email: Text = "",
    role: Annotated[str, Form(max_length=20)] = "",
    manager: Annotated[str, Form(max_length=100)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
) -> Response:
    form = {
        "username": username.strip(),
        "display_name": display_name,
        "email": email.strip(),
        "role": role,
        "manager": manager,
    }
    try:
        with engine.begin() as conn:
            people.create_user(
                conn,
                form["username"],
                display_name,
                role,
                manager or None,
                password or None,  # none: an API-only user, for a CRM client's tokens
                form["email"] or None,
            )
    except CPQError as exc:
        errors = _field_errors(exc)
        if exc.status == 409:  # the username is taken
            errors = {"username": exc.detail}
        return _users_page(
            request,
            engine,
            signed,
            form=form,
            field_errors=errors,
            error="The user was not added: see the fields marked below.",
            status_code=exc.status,
        )
    return _done("created", form["username"])


UserAction = Literal["manager", "password", "deactivate", "reactivate"]


@router.post("/admin/users/{username}/{action}")
def change_user(
    request: Request,
    username: Username,
    action: UserAction,
    signed: AdminDep,
    engine: EngineDep,
    manager: Annotated[str, Form(max_length=100)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
) -> Response:
    """One change to one user; a refusal is said in that user's card, changing nothing."""
    try:
        with engine.begin() as conn:
            if action == "manager":
                people.set_manager(conn, username, manager or None)
            elif action == "password":
                people.set_password(conn, username, password)
            elif action == "reactivate":
                people.reactivate(conn, username)
            elif username == signed.who.username:
                raise Forbidden("You cannot deactivate yourself; ask another admin.")
            else:
                people.deactivate(conn, username)
    except CPQError as exc:
        if exc.status == 404:
            raise PageRefused(signed, exc) from None
        return _users_page(
            request, engine, signed, problem=(username, exc.detail), status_code=exc.status
        )
    return _done(action, username)


# --- API tokens


def _tokens_page(
    request: Request,
    engine: EngineDep,
    signed: SignedIn,
    *,
    presented: str | None = None,  # the new token's cookie
    error: str | None = None,
    form: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Response:
    now = datetime.now(UTC)
    with engine.connect() as conn:
        found = people.list_tokens(conn)
        holders = [u for u in people.list_users(conn) if u.active]
    context = base(
        signed,
        "API tokens",
        nav="admin",
        tab="tokens",
        tokens=[(t, t.status(now)) for t in reversed(found)],
        holders=holders,
        scopes=[s.value for s in TOKEN_SCOPES],
        created=_just_created(found, presented, now),
        error=error,
        notice=None,
        form=form or {"name": "", "user": "", "scopes": [], "expires_days": "365"},
    )
    return page(request, "admin_tokens.html.j2", context, status_code)


def _new_token_cookie(response: Response, value: str, settings: Settings) -> None:
    response.set_cookie(
        NEW_TOKEN_COOKIE,
        value,
        max_age=int(NEW_TOKEN_SHOWN_FOR.total_seconds()) if value else 0,
        path="/admin/tokens",
        secure=settings.cookie_secure,
        httponly=True,
        samesite="strict",
    )


def _just_created(
    found: list[people.TokenView], presented: str | None, now: datetime
) -> tuple[str, str] | None:
    """(name, secret) of the token the cookie carries, if it is one of ``found`` made a moment
    ago and still active; anything else in the cookie is ignored."""
    parts = token_format.parse_token(presented or "")
    if parts is None:
        return None
    for token in found:
        age = now - token.created_at.replace(tzinfo=token.created_at.tzinfo or UTC)
        if token.prefix == parts.prefix and token.status(now) == "active":
            return (token.name, str(parts)) if age <= NEW_TOKEN_SHOWN_FOR else None
    return None


@router.get("/admin/tokens")
def tokens(
    request: Request, signed: AdminDep, engine: EngineDep, settings: SettingsDep
) -> Response:
    presented = request.cookies.get(NEW_TOKEN_COOKIE)
    answer = _tokens_page(request, engine, signed, presented=presented)
    if presented is not None:
        _new_token_cookie(answer, "", settings)  # shown once: a reload has it no more
    answer.headers["Cache-Control"] = "no-store"
    return answer


@router.post("/admin/tokens")
def create_token(
    request: Request,
    signed: AdminDep,
    engine: EngineDep,
    settings: SettingsDep,
    name: Annotated[str, Form(max_length=200)] = "",
    user: Annotated[str, Form(max_length=100)] = "",
    scopes: Annotated[list[str], Form()] = [],  # noqa: B006 - FastAPI copies defaults
    expires_days: Annotated[str, Form(max_length=5)] = "",
) -> Response:
    form = {"name": name, "user": user, "scopes": scopes, "expires_days": expires_days}
    days = expires_days.strip()
    if days and (not days.isdigit() or not 1 <= int(days) <= 3650):
        return _tokens_page(
            request,
            engine,
            signed,
            error="Expires after: a number of days from 1 to 3650, or empty for never.",
            form=form,
            status_code=422,
        )
    expires = datetime.now(UTC) + timedelta(days=int(days)) if days else None
    try:
        with engine.begin() as conn:
            _, secret = people.create_token(conn, name, user, scopes, expires)
    except CPQError as exc:
        return _tokens_page(
            request, engine, signed, error=exc.detail, form=form, status_code=exc.status
        )
    answer = RedirectResponse("/admin/tokens", status_code=303)
    _new_token_cookie(answer, secret, settings)
    return answer


@router.post("/admin/tokens/{token_id}/revoke")
def revoke_token(request: Request, token_id: int, signed: AdminDep, engine: EngineDep) -> Response:
    try:
        with engine.begin() as conn:
            people.revoke_token(conn, token_id)
    except CPQError as exc:
        raise PageRefused(signed, exc) from None
    return RedirectResponse("/admin/tokens", status_code=303)
