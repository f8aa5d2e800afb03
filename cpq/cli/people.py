"""``cpq users`` and ``cpq tokens``: the people who use the service and the CRM clients' tokens."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text
from sqlalchemy import Connection

from cpq.auth.principal import Role, Scope
from cpq.db import migrate
from cpq.db.engine import make_engine
from cpq.errors import CPQError
from cpq.services import people
from cpq.settings import get_settings

users_app = typer.Typer(help="Users, their roles and reporting line.", no_args_is_help=True)
tokens_app = typer.Typer(help="API tokens of CRM clients.", no_args_is_help=True)

out = Console()
err = Console(stderr=True, log_path=False)

EXIT_FAILED = 1


def _say(console: Console, text: str, style: str | None = None) -> None:
    # Text, not markup: names and messages are user-written.
    console.print(Text(text, style=style or ""), soft_wrap=True)


@contextmanager
def _transaction() -> Iterator[Connection]:
    """One transaction, committed once at the end; a domain error exits 1 with its message."""
    engine = make_engine(get_settings().database_url)
    try:
        if not migrate.is_at_head(engine):
            migrate.upgrade(engine)
        with engine.begin() as conn:
            yield conn
    except CPQError as exc:
        issues = exc.extensions.get("issues") or []
        for issue in issues:
            _say(err, f"{issue.column or '-'}: {issue.message}", "red")
        if not issues:
            _say(err, f"error: {exc.detail}", "bold red")
        raise typer.Exit(EXIT_FAILED) from None
    finally:
        engine.dispose()


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value else "-"


# --- users


@users_app.command("create")
def create_user(
    username: Annotated[str, typer.Argument(help="Login name: lowercase letters, digits, . _ -")],
    name: Annotated[str, typer.Option("--name", help="Display name")],
    role: Annotated[Role, typer.Option(help="What the user may do")],
    manager: Annotated[
        str | None, typer.Option(help="Username of who approves for this user")
    ] = None,
    email: Annotated[str | None, typer.Option()] = None,
    password: Annotated[
        str | None, typer.Option(help="Prompted for (hidden) when not given")
    ] = None,
    no_password: Annotated[
        bool, typer.Option("--no-password", help="No web login: acts only through API tokens")
    ] = False,
) -> None:
    """Add a user."""
    if no_password and password is not None:
        _say(err, "error: --password and --no-password exclude each other", "bold red")
        raise typer.Exit(EXIT_FAILED)
    if not no_password and password is None:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    with _transaction() as conn:
        user = people.create_user(conn, username, name, role, manager, password, email)
    login = "web login and API tokens" if password else "API tokens only"
    _say(out, f"created user {user.username} ({user.role}, id {user.id}; {login})", "green")


@users_app.command("list")
def list_users() -> None:
    """Every user with role, manager and status."""
    with _transaction() as conn:
        users = people.list_users(conn)
    table = Table("id")
    for column in ("username", "name", "role", "manager", "login", "active"):
        table.add_column(column, no_wrap=column != "name")
    for u in users:
        table.add_row(
            str(u.id),
            Text(u.username),
            Text(u.display_name),
            u.role.value,
            Text(u.manager or "-"),
            "password" if u.can_log_in else "tokens only",
            "yes" if u.active else "no",
        )
    out.print(table)


@users_app.command("set-password")
def set_password(
    username: str,
    password: Annotated[
        str | None, typer.Option(help="Prompted for (hidden) when not given")
    ] = None,
) -> None:
    """Set a user's web login password."""
    if password is None:
        password = typer.prompt("New password", hide_input=True, confirmation_prompt=True)
    with _transaction() as conn:
        people.set_password(conn, username, password)
    _say(out, f"password of {username} changed", "green")


@users_app.command("set-manager")
def set_manager(
    username: str,
    manager: Annotated[str | None, typer.Option(help="Omit to clear")] = None,
) -> None:
    """Move a user in the reporting line."""
    with _transaction() as conn:
        people.set_manager(conn, username, manager)
    _say(out, f"{username} now reports to {manager or 'nobody'}", "green")


@users_app.command("deactivate")
def deactivate(username: str) -> None:
    """Stop a user: web sessions end, tokens acting for the user stop working."""
    with _transaction() as conn:
        people.deactivate(conn, username)
    _say(out, f"{username} deactivated", "green")


@users_app.command("reactivate")
def reactivate(username: str) -> None:
    """Let a deactivated user log in again; their unrevoked, unexpired tokens work again."""
    with _transaction() as conn:
        people.reactivate(conn, username)
    _say(out, f"{username} reactivated", "green")


# --- tokens


@tokens_app.command("create")
def create_token(
    name: Annotated[str, typer.Argument(help="What the token is for, e.g. 'Salesforce sync'")],
    user: Annotated[str, typer.Option("--user", help="Username the client acts for")],
    scope: Annotated[list[Scope], typer.Option("--scope", help="Repeat for each scope granted")],
    expires_days: Annotated[
        int | None, typer.Option(min=1, help="Expire after this many days [default: never]")
    ] = None,
) -> None:
    """Create a token; its secret is printed once, here, and never again."""
    expires_at = datetime.now(UTC) + timedelta(days=expires_days) if expires_days else None
    with _transaction() as conn:
        row, plaintext = people.create_token(conn, name, user, [s.value for s in scope], expires_at)
    _say(out, f"token {row.id} ({', '.join(row.scopes)}) acting for {user}:", "green")
    out.print(Text(plaintext), soft_wrap=True)
    _say(err, "Store it now: it will not be shown again (only a hash of it is kept).", "yellow")


@tokens_app.command("list")
def list_tokens() -> None:
    """Every token with its status; secrets are never shown."""
    now = datetime.now(UTC)
    with _transaction() as conn:
        found = people.list_tokens(conn)
    table = Table("id", "name", "user", "scopes", "status", "expires", "last used")
    table.add_column("prefix", no_wrap=True)  # what tells tokens apart: never cut
    for t in found:
        table.add_row(
            str(t.id),
            Text(t.name),
            Text(t.username),
            " ".join(t.scopes),
            t.status(now),
            _when(t.expires_at),
            _when(t.last_used_at),
            t.prefix,
        )
    out.print(table)


@tokens_app.command("revoke")
def revoke_token(token_id: Annotated[int, typer.Argument(metavar="ID")]) -> None:
    """Revoke a token now: requests with it answer 401."""
    with _transaction() as conn:
        row = people.revoke_token(conn, token_id)
    _say(out, f"token {row.id} ({row.name}) revoked at {_when(row.revoked_at)}", "green")
