"""`cpq users` and `cpq tokens`."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from cpq.cli.main import app
from cpq.services import people
from cpq.settings import get_settings

runner = CliRunner()


@pytest.fixture(autouse=True)
def settings(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("CPQ_DATABASE_URL", db_url)
    monkeypatch.setenv("CPQ_DATA_DIR", str(tmp_path / "data"))
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def cpq(*args: str, input: str | None = None) -> tuple[int, str]:
    result = runner.invoke(app, list(args), input=input)
    return result.exit_code, result.output


def test_create_users_with_a_prompted_password_and_list_them(engine: Engine) -> None:
    boss = cpq(
        "users",
        "create",
        "mia",
        "--name",
        "Mia Boss",
        "--role",
        "manager",
        "--password",
        "manager password",
    )
    rep = cpq(
        "users",
        "create",
        "ron",
        "--name",
        "Ron Rep",
        "--role",
        "rep",
        "--manager",
        "mia",
        "--email",
        "ron@example.com",
        input="rep password 12\nrep password 12\n",
    )
    bot = cpq("users", "create", "crm", "--name", "CRM", "--role", "rep", "--no-password")
    listed = cpq("users", "list")

    assert boss[0] == rep[0] == bot[0] == 0, (boss, rep, bot)
    assert "rep password 12" not in rep[1]  # hidden input
    assert "API tokens only" in bot[1]
    assert listed[0] == 0
    rows = [[cell.strip() for cell in line.split("│")[1:-1]] for line in listed[1].splitlines()]
    assert [r[1:5] for r in rows if len(r) == 7] == [
        ["crm", "CRM", "rep", "-"],
        ["mia", "Mia Boss", "manager", "-"],
        ["ron", "Ron Rep", "rep", "mia"],
    ]
    with engine.begin() as conn:
        assert people.login(conn, "ron", "rep password 12", hours=1).principal.username == "ron"
        by_name = {u.username: u for u in people.list_users(conn)}
    assert (by_name["ron"].manager, by_name["crm"].can_log_in) == ("mia", False)


def test_user_errors_exit_1_with_every_problem(engine: Engine) -> None:
    bad = cpq(
        "users",
        "create",
        "Bad Name",
        "--name",
        "X",
        "--role",
        "rep",
        "--manager",
        "nobody",
        "--password",
        "short",
    )
    both = cpq(
        "users",
        "create",
        "ok",
        "--name",
        "X",
        "--role",
        "rep",
        "--no-password",
        "--password",
        "long enough pass",
    )
    unknown = cpq("users", "deactivate", "ghost")

    assert bad[0] == both[0] == unknown[0] == 1
    assert "username:" in bad[1] and "password: the password is too short" in bad[1]
    assert "manager: no user 'nobody'" in bad[1]
    assert "exclude each other" in both[1]
    assert "no user 'ghost'" in unknown[1]


def test_set_password_and_deactivate(engine: Engine) -> None:
    cpq("users", "create", "ron", "--name", "Ron", "--role", "rep", "--password", "first password")

    short = cpq("users", "set-password", "ron", input="too short\ntoo short\n")
    changed = cpq("users", "set-password", "ron", "--password", "second password")
    off = cpq("users", "deactivate", "ron")

    assert (short[0], changed[0], off[0]) == (1, 0, 0)
    with engine.connect() as conn:
        (ron,) = people.list_users(conn)
    assert ron.active is False

    on = cpq("users", "reactivate", "ron")
    assert on == (0, "ron reactivated\n")
    with engine.connect() as conn:
        (ron,) = people.list_users(conn)
    assert ron.active is True


def test_token_create_prints_the_secret_once_then_list_and_revoke(engine: Engine) -> None:
    cpq("users", "create", "ron", "--name", "Ron", "--role", "rep", "--no-password")

    created = runner.invoke(
        app,
        [
            "tokens",
            "create",
            "Salesforce",
            "--user",
            "ron",
            "--scope",
            "quotes:read",
            "--scope",
            "quotes:write",
            "--expires-days",
            "30",
        ],
    )
    token = next(line for line in created.stdout.splitlines() if line.startswith("cpq_"))
    with engine.begin() as conn:
        acts_for = people.authenticate_token(conn, token).username
    listed = cpq("tokens", "list")
    revoked = cpq("tokens", "revoke", "1")
    listed_after = cpq("tokens", "list")

    assert created.exit_code == 0, created.output
    assert "will not be shown again" in created.stderr
    assert acts_for == "ron"
    assert listed[0] == 0 and "active" in listed[1] and token not in listed[1]
    assert token.split("_")[1] in listed[1]  # the prefix, to tell tokens apart
    assert revoked[0] == 0 and "revoked" in revoked[1]
    assert "revoked" in listed_after[1]


def test_token_errors_exit_1(engine: Engine) -> None:
    no_user = cpq("tokens", "create", "x", "--user", "ghost", "--scope", "quotes:read")
    bad_scope = cpq("tokens", "create", "x", "--user", "ghost", "--scope", "all")
    no_token = cpq("tokens", "revoke", "42")

    assert no_user == (1, no_user[1]) and "no user 'ghost'" in no_user[1]
    assert bad_scope[0] == 2  # typer refuses a value outside the choices
    assert no_token[0] == 1 and "no API token 42" in no_token[1]
