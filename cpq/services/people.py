"""People and access: users and their reporting line, API tokens, web logins (delegations:
``cpq.services.delegations``).

Services never commit: the request or CLI command that calls them owns the transaction.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection

from cpq.approvals.routing import Person
from cpq.auth import passwords, tokens
from cpq.auth.principal import ALL_SCOPES, APPROVING_ROLES, Principal, Role, Scope
from cpq.catalog.issues import Issue, error
from cpq.db.people import ApiTokenRow, UserRow
from cpq.errors import Conflict, InvalidInput, NotFound, Unauthorized
from cpq.repositories import people as repo
from cpq.repositories.people import Holder

USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{1,99}")
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
TOKEN_USE_RECORDED_EVERY = timedelta(minutes=1)
# One answer for unknown user, wrong password, no password and deactivated user, so a login
# attempt cannot tell which usernames exist.
BAD_LOGIN = "wrong username or password"
_APPROVERS_WORDING = "managers, directors and finance"


def _now() -> datetime:
    return datetime.now(UTC)


def _invalid(issues: list[Issue]) -> InvalidInput:
    return InvalidInput("; ".join(i.message for i in issues), issues=issues)


def _user(conn: Connection, username: str) -> UserRow:
    user = repo.user_by_username(conn, username)
    if user is None:
        raise NotFound(f"no user {username!r}")
    return user


def _uid(user: UserRow) -> int:
    assert user.id is not None  # rows read from the database have ids
    return user.id


def _principal(holder: Holder, scopes: frozenset[Scope], token_id: int | None) -> Principal:
    return Principal(
        user_id=holder.user_id,
        username=holder.username,
        role=Role(holder.role),
        scopes=scopes,
        token_id=token_id,
        display_name=holder.display_name,
        manager_id=holder.manager_id,
    )


# --- users


@dataclass(frozen=True, slots=True)
class UserView:
    id: int
    username: str
    display_name: str
    email: str | None
    role: Role
    manager: str | None  # the manager's username
    active: bool
    can_log_in: bool  # has a password; API-only users do not
    created_at: datetime


def _manager_problem(
    conn: Connection, manager_username: str
) -> tuple[UserRow | None, Issue | None]:
    manager = repo.user_by_username(conn, manager_username)
    if manager is None:
        return None, error("unknown_manager", f"no user {manager_username!r}", column="manager")
    if not manager.active:
        return None, error(
            "inactive_manager", f"{manager_username!r} is deactivated", column="manager"
        )
    if Role(manager.role) not in APPROVING_ROLES:
        return None, error(
            "manager_cannot_approve",
            f"{manager_username!r} is a {manager.role}; a manager must be one of {_APPROVERS_WORDING}",
            column="manager",
        )
    return manager, None


def create_user(
    conn: Connection,
    username: str,
    display_name: str,
    role: Role | str,
    manager_username: str | None = None,
    password: str | None = None,
    email: str | None = None,
) -> UserRow:
    """A new user; without a password the user can act only through API tokens."""
    issues: list[Issue] = []
    if not USERNAME.fullmatch(username):
        issues.append(
            error(
                "bad_username",
                "a username is 2-100 lowercase letters, digits, '.', '_' or '-'",
                column="username",
            )
        )
    if not display_name.strip() or len(display_name) > 200:
        issues.append(error("bad_name", "a name is 1-200 characters", column="display_name"))
    if role not in set(Role):
        issues.append(
            error("bad_role", f"role must be one of {', '.join(Role)}", column="role", value=role)
        )
    if email is not None and (len(email) > 320 or not EMAIL.fullmatch(email)):
        issues.append(error("bad_email", f"{email!r} is not an e-mail address", column="email"))
    if password is not None and (problem := passwords.policy_problem(password)):
        issues.append(error("weak_password", problem, column="password"))
    manager = None
    if manager_username is not None:
        manager, problem_issue = _manager_problem(conn, manager_username)
        issues.extend([problem_issue] if problem_issue else [])
    if issues:
        raise _invalid(issues)
    if repo.user_by_username(conn, username) is not None:
        raise Conflict(f"the username {username!r} is taken")
    user_id = repo.insert_user(
        conn,
        username=username,
        display_name=display_name.strip(),
        email=email,
        role=Role(role).value,
        manager_id=_uid(manager) if manager else None,
        password_hash=passwords.hash_password(password) if password is not None else None,
        active=True,
        created_at=_now(),
    )
    created = repo.user_by_id(conn, user_id)
    assert created is not None
    return created


def set_manager(conn: Connection, username: str, manager_username: str | None) -> None:
    """Move a user in the reporting line; refuses a line that would loop back to the user."""
    user = _user(conn, username)
    manager_id = None
    if manager_username is not None:
        manager, problem = _manager_problem(conn, manager_username)
        if problem:
            raise _invalid([problem])
        assert manager is not None
        manager_id = _uid(manager)
        line = repo.reporting_line(conn)
        seen: set[int] = set()
        boss: int | None = manager_id
        while boss is not None and boss not in seen:
            if boss == user.id:
                raise _invalid(
                    [
                        error(
                            "reporting_cycle",
                            f"{manager_username!r} reports to {username!r}, directly or not; "
                            "the reporting line would go round in a circle",
                            column="manager",
                        )
                    ]
                )
            seen.add(boss)
            boss = line.get(boss)
    repo.update_user(conn, _uid(user), manager_id=manager_id)


def set_password(conn: Connection, username: str, password: str) -> None:
    """A new web login password; the user's open sessions end (a reset is often because the
    old one leaked). API tokens acting for the user are not touched."""
    user = _user(conn, username)
    repo.update_user(conn, _uid(user), password_hash=passwords.hash_password(password))
    repo.revoke_sessions_of(conn, _uid(user), _now())


def deactivate(conn: Connection, username: str) -> None:
    """The user's sessions end; tokens acting for the user stop working (they check `active`).
    The last active admin stays: without one nobody could manage users from the pages."""
    user = _user(conn, username)
    if user.active and Role(user.role) is Role.ADMIN:
        admins = [u for u in repo.all_users(conn) if u.active and Role(u.role) is Role.ADMIN]
        if len(admins) == 1:
            raise Conflict(f"{username!r} is the only active admin; make another admin first")
    repo.update_user(conn, _uid(user), active=False)
    repo.revoke_sessions_of(conn, _uid(user), _now())


def reactivate(conn: Connection, username: str) -> None:
    """Undo a deactivation: the user can log in again (with the same password) and the tokens
    acting for the user that are neither revoked nor expired work again."""
    repo.update_user(conn, _uid(_user(conn, username)), active=True)


def list_users(conn: Connection) -> list[UserView]:
    users = repo.all_users(conn)
    names = {u.id: u.username for u in users}
    return [
        UserView(
            id=_uid(u),
            username=u.username,
            display_name=u.display_name,
            email=u.email,
            role=Role(u.role),
            manager=names.get(u.manager_id) if u.manager_id else None,
            active=u.active,
            can_log_in=u.password_hash is not None,
            created_at=u.created_at,
        )
        for u in users
    ]


def people_directory(conn: Connection) -> Mapping[int, Person]:
    """Everyone by id, as the approval routing reads the reporting line."""
    return {
        _uid(u): Person(
            id=_uid(u),
            name=u.display_name,
            role=Role(u.role),
            manager_id=u.manager_id,
            active=u.active,
        )
        for u in repo.all_users(conn)
    }


# --- API tokens


@dataclass(frozen=True, slots=True)
class TokenView:
    id: int
    name: str
    prefix: str
    username: str
    scopes: tuple[str, ...]
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None

    def status(self, now: datetime) -> str:
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at is not None and self.expires_at <= now:
            return "expired"
        return "active"


def parse_scopes(values: Iterable[str]) -> frozenset[Scope]:
    wanted = list(values)
    unknown = [v for v in wanted if v not in set(Scope)]
    if unknown:
        raise InvalidInput(
            f"unknown scope(s) {', '.join(map(repr, unknown))}; use {', '.join(Scope)}",
            field="scopes",
        )
    if not wanted:
        raise InvalidInput(f"give at least one scope: {', '.join(Scope)}", field="scopes")
    return frozenset(Scope(v) for v in wanted)


def create_token(
    conn: Connection,
    name: str,
    username: str,
    scopes: Iterable[str],
    expires_at: datetime | None = None,
    *,
    token: tokens.TokenParts | None = None,
) -> tuple[ApiTokenRow, str]:
    """A token for a CRM client acting for ``username``; the plaintext is returned only here.

    ``token`` is for the demo's fixed token; otherwise a random one is made."""
    now = _now()
    granted = parse_scopes(scopes)
    if not name.strip() or len(name) > 200:
        raise InvalidInput("a token name is 1-200 characters", field="name")
    if expires_at is not None and expires_at <= now:
        raise InvalidInput("the expiry must be in the future", field="expires_at")
    user = _user(conn, username)
    if not user.active:
        raise InvalidInput(f"{username!r} is deactivated", field="user")
    parts = token or tokens.generate_token()
    while token is None and repo.token_prefix_taken(conn, parts.prefix):
        parts = tokens.generate_token()  # 1 in 2^40 per existing token: practically never
    token_id = repo.insert_token(
        conn,
        name=name.strip(),
        prefix=parts.prefix,
        secret_hash=tokens.sha256_hex(parts.secret),
        user_id=_uid(user),
        scopes=sorted(granted),
        created_at=now,
        expires_at=expires_at,
    )
    row = repo.token_by_id(conn, token_id)
    assert row is not None
    return row, str(parts)


def list_tokens(conn: Connection) -> list[TokenView]:
    return [
        TokenView(
            id=t.id or 0,
            name=t.name,
            prefix=t.prefix,
            username=username,
            scopes=tuple(t.scopes),
            created_at=t.created_at,
            expires_at=t.expires_at,
            revoked_at=t.revoked_at,
            last_used_at=t.last_used_at,
        )
        for t, username in repo.tokens_with_usernames(conn)
    ]


def revoke_token(conn: Connection, token_id: int) -> ApiTokenRow:
    """Revoke now; revoking a revoked token changes nothing."""
    repo.revoke_token(conn, token_id, _now())
    row = repo.token_by_id(conn, token_id)
    if row is None:
        raise NotFound(f"no API token {token_id}")
    return row


# --- authentication


def authenticate_token(conn: Connection, presented: str) -> Principal:
    """The principal an API token acts as. May write ``last_used_at`` (at most once a minute):
    the caller commits."""
    now = _now()
    parts = tokens.parse_token(presented)
    record = repo.token_for_auth(conn, parts.prefix) if parts else None
    if (
        parts is None
        or record is None
        or not tokens.secret_matches(parts.secret, record.secret_hash)
    ):
        raise Unauthorized("the API token is not valid")
    if record.revoked_at is not None:
        raise Unauthorized("the API token was revoked")
    if record.expires_at is not None and record.expires_at <= now:
        raise Unauthorized("the API token has expired")
    if not record.holder.active:
        raise Unauthorized("the user this API token acts for is deactivated")
    if record.last_used_at is None or record.last_used_at <= now - TOKEN_USE_RECORDED_EVERY:
        repo.mark_token_used(conn, record.id, now, TOKEN_USE_RECORDED_EVERY)
    # A scope name a later version dropped grants nothing.
    scopes = frozenset(Scope(s) for s in record.scopes if s in set(Scope))
    return _principal(record.holder, scopes, record.id)


def authenticate_session(conn: Connection, session_secret: str) -> Principal:
    record = repo.session_for_auth(conn, tokens.session_id(session_secret))
    if record is None or record.revoked_at is not None:
        raise Unauthorized("not logged in, or logged out: log in again")
    if record.expires_at <= _now():
        raise Unauthorized("the session has expired: log in again")
    if not record.holder.active:
        raise Unauthorized("the user is deactivated")
    return _principal(record.holder, ALL_SCOPES, None)


@dataclass(frozen=True, slots=True)
class LoginResult:
    session_secret: str  # the cookie's value; only its hash is stored
    csrf_token: str
    expires_at: datetime
    principal: Principal

    def __repr__(self) -> str:
        return f"LoginResult(principal={self.principal!r}, expires_at={self.expires_at!r})"


def login(conn: Connection, username: str, password: str, *, hours: int) -> LoginResult:
    """A new web session for the right password. Every failure takes the same path and time
    (an argon2 check) and gives the same answer."""
    user = repo.user_by_username(conn, username.strip().lower())
    verdict = passwords.verify_password(password, user.password_hash if user else None)
    if user is None or not verdict.ok or not user.active:
        raise Unauthorized(BAD_LOGIN)
    if verdict.new_hash is not None:  # hashed with older parameters: upgrade while we know it
        repo.update_user(conn, _uid(user), password_hash=verdict.new_hash)
    now = _now()
    secret = tokens.new_session_secret()
    expires_at = now + timedelta(hours=hours)
    repo.insert_session(
        conn,
        id=tokens.session_id(secret),
        user_id=_uid(user),
        created_at=now,
        expires_at=expires_at,
    )
    holder = Holder(_uid(user), user.username, user.display_name, user.role, user.manager_id, True)
    return LoginResult(
        secret, tokens.csrf_token(secret), expires_at, _principal(holder, ALL_SCOPES, None)
    )


def logout(conn: Connection, session_secret: str) -> None:
    repo.revoke_session(conn, tokens.session_id(session_secret), _now())


def user_by_id(conn: Connection, user_id: int) -> UserRow | None:
    return repo.user_by_id(conn, user_id)
