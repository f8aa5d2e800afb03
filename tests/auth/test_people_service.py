"""Users, tokens and logins through the service, on a real database."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import pytest
from access_helpers import PASSWORD
from sqlalchemy import Engine, MetaData, String, Text, select, update

from cpq.approvals.routing import Person
from cpq.auth import tokens
from cpq.auth.principal import ALL_SCOPES, Role, Scope
from cpq.db.people import ApiTokenRow, UserRow, WebSessionRow
from cpq.errors import Conflict, InvalidInput, NotFound, Unauthorized
from cpq.services import people

_tokens = ApiTokenRow.__table__  # type: ignore[attr-defined]
_users = UserRow.__table__  # type: ignore[attr-defined]
_sessions = WebSessionRow.__table__  # type: ignore[attr-defined]


def every_text_value(engine: Engine) -> list[str]:
    """Every text column value of every table: what a leaked database would show."""
    meta = MetaData()
    meta.reflect(engine)
    found: list[str] = []
    with engine.connect() as conn:
        for table in meta.sorted_tables:
            columns = [c for c in table.columns if isinstance(c.type, String | Text)]
            for row in conn.execute(select(*columns)) if columns else []:
                found.extend(str(v) for v in row if v is not None)
    return found


# --- users


def test_every_problem_of_a_new_user_is_reported_at_once(
    engine: Engine, team: dict[str, int]
) -> None:
    with engine.begin() as conn, pytest.raises(InvalidInput) as caught:
        people.create_user(conn, "Bad Name", " ", "boss", "nobody", "short", "not-an-email")

    issues = caught.value.extensions["issues"]
    assert [(i.column, i.code) for i in issues] == [
        ("username", "bad_username"),
        ("display_name", "bad_name"),
        ("role", "bad_role"),
        ("email", "bad_email"),
        ("password", "weak_password"),
        ("manager", "unknown_manager"),
    ]


def test_a_taken_username_is_a_conflict(engine: Engine, team: dict[str, int]) -> None:
    with engine.begin() as conn, pytest.raises(Conflict, match="'rosa' is taken"):
        people.create_user(conn, "rosa", "Another Rosa", Role.REP, "mark", PASSWORD)


def test_a_manager_must_be_able_to_approve(engine: Engine, team: dict[str, int]) -> None:
    with engine.begin() as conn, pytest.raises(InvalidInput) as caught:
        people.create_user(conn, "rick", "Rick", Role.REP, "rosa", PASSWORD)

    assert [i.code for i in caught.value.extensions["issues"]] == ["manager_cannot_approve"]


def test_the_reporting_line_cannot_loop(engine: Engine, team: dict[str, int]) -> None:
    with engine.begin() as conn:
        people.set_manager(conn, "dora", "fay")  # fine: nobody above fay
        with pytest.raises(InvalidInput) as caught:
            people.set_manager(conn, "dora", "mark")  # mark reports to dora
        with pytest.raises(InvalidInput):
            people.set_manager(conn, "mark", "mark")

    assert [i.code for i in caught.value.extensions["issues"]] == ["reporting_cycle"]
    with engine.connect() as conn:
        by_name = {u.username: u for u in people.list_users(conn)}
    assert (by_name["dora"].manager, by_name["mark"].manager) == ("fay", "dora")


def test_list_users_shows_roles_managers_and_who_can_log_in(
    engine: Engine, team: dict[str, int]
) -> None:
    with engine.connect() as conn:
        users = people.list_users(conn)

    assert [(u.username, u.role, u.manager, u.can_log_in, u.active) for u in users] == [
        ("bot", Role.REP, "mark", False, True),
        ("dora", Role.DIRECTOR, None, True, True),
        ("fay", Role.FINANCE, None, True, True),
        ("mark", Role.MANAGER, "dora", True, True),
        ("rosa", Role.REP, "mark", True, True),
    ]


def test_people_directory_gives_the_routing_its_people(
    engine: Engine, team: dict[str, int]
) -> None:
    with engine.begin() as conn:
        people.deactivate(conn, "fay")
        directory = people.people_directory(conn)

    assert directory[team["rosa"]] == Person(team["rosa"], "Rosa", Role.REP, team["mark"], True)
    assert directory[team["fay"]] == Person(team["fay"], "Fay", Role.FINANCE, None, False)
    assert set(directory) == set(team.values())


def test_no_password_is_stored_in_plain_text(engine: Engine, team: dict[str, int]) -> None:
    with engine.begin() as conn:
        people.set_password(conn, "rosa", "a brand new password")
        people.login(conn, "rosa", "a brand new password", hours=1)

    values = every_text_value(engine)
    with engine.connect() as conn:
        stored = conn.execute(select(_users.c.password_hash).where(_users.c.username == "rosa"))
    assert stored.scalar_one().startswith("$argon2id$")
    assert not [v for v in values if PASSWORD in v or "a brand new password" in v]


def test_unknown_user_for_password_change_is_not_found(engine: Engine) -> None:
    with engine.begin() as conn, pytest.raises(NotFound):
        people.set_password(conn, "ghost", "a brand new password")


# --- tokens


def test_a_token_authenticates_as_its_user_with_its_scopes(
    engine: Engine, team: dict[str, int]
) -> None:
    with engine.begin() as conn:
        row, plaintext = people.create_token(conn, "CRM", "rosa", ["quotes:read"])
    with engine.begin() as conn:
        principal = people.authenticate_token(conn, plaintext)

    assert (principal.user_id, principal.username, principal.role) == (
        team["rosa"],
        "rosa",
        Role.REP,
    )
    assert (principal.scopes, principal.token_id, principal.manager_id) == (
        frozenset({Scope.QUOTES_READ}),
        row.id,
        team["mark"],
    )


def test_the_tokens_table_holds_only_a_hash_of_the_secret(
    engine: Engine, team: dict[str, int]
) -> None:
    with engine.begin() as conn:
        row, plaintext = people.create_token(conn, "CRM", "rosa", ["quotes:read"])
    secret = plaintext.removeprefix(f"cpq_{row.prefix}_")

    assert len(secret) >= 43
    assert row.secret_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert not [v for v in every_text_value(engine) if secret in v]


def test_token_input_is_checked(engine: Engine, team: dict[str, int]) -> None:
    past = datetime.now(UTC) - timedelta(days=1)
    with engine.begin() as conn:
        with pytest.raises(InvalidInput, match="unknown scope"):
            people.create_token(conn, "CRM", "rosa", ["quotes:read", "everything"])
        with pytest.raises(InvalidInput, match="at least one scope"):
            people.create_token(conn, "CRM", "rosa", [])
        with pytest.raises(InvalidInput, match="in the future"):
            people.create_token(conn, "CRM", "rosa", ["quotes:read"], past)
        with pytest.raises(NotFound):
            people.create_token(conn, "CRM", "ghost", ["quotes:read"])


@pytest.mark.parametrize(
    "presented",
    ["", "nonsense", "cpq_0123456789_" + "x" * 43, "cpq_0123456789_" + "x" * 42 + "_"],
)
def test_an_unknown_token_is_unauthorized(
    engine: Engine, team: dict[str, int], presented: str
) -> None:
    with engine.begin() as conn, pytest.raises(Unauthorized, match="not valid"):
        people.authenticate_token(conn, presented)


def test_a_right_prefix_with_a_wrong_secret_is_unauthorized(
    engine: Engine, team: dict[str, int]
) -> None:
    with engine.begin() as conn:
        row, _ = people.create_token(conn, "CRM", "rosa", ["quotes:read"])

    with engine.begin() as conn, pytest.raises(Unauthorized, match="not valid"):
        people.authenticate_token(conn, f"cpq_{row.prefix}_{'y' * 43}")


def test_revoked_and_expired_tokens_and_inactive_users_are_unauthorized(
    engine: Engine, team: dict[str, int]
) -> None:
    with engine.begin() as conn:
        revoked, revoked_text = people.create_token(conn, "a", "rosa", ["quotes:read"])
        expired, expired_text = people.create_token(
            conn, "b", "rosa", ["quotes:read"], datetime.now(UTC) + timedelta(hours=1)
        )
        _, bot_text = people.create_token(conn, "c", "bot", ["quotes:read"])
        people.revoke_token(conn, revoked.id or 0)
        conn.execute(
            update(_tokens)
            .where(_tokens.c.id == expired.id)
            .values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
        people.deactivate(conn, "bot")

    with engine.begin() as conn:
        for text, message in [
            (revoked_text, "revoked"),
            (expired_text, "expired"),
            (bot_text, "deactivated"),
        ]:
            with pytest.raises(Unauthorized, match=message):
                people.authenticate_token(conn, text)


def test_revoking_twice_keeps_the_first_time_and_unknown_ids_are_not_found(
    engine: Engine, team: dict[str, int]
) -> None:
    with engine.begin() as conn:
        row, _ = people.create_token(conn, "a", "rosa", ["quotes:read"])
        first = people.revoke_token(conn, row.id or 0)
        second = people.revoke_token(conn, row.id or 0)
        with pytest.raises(NotFound):
            people.revoke_token(conn, 9999)

    assert first.revoked_at is not None and second.revoked_at == first.revoked_at


def test_last_use_is_written_at_most_once_a_minute(engine: Engine, team: dict[str, int]) -> None:
    with engine.begin() as conn:
        row, plaintext = people.create_token(conn, "CRM", "rosa", ["quotes:read"])

    def last_used() -> datetime | None:
        with engine.connect() as conn:
            value: datetime | None = conn.execute(
                select(_tokens.c.last_used_at).where(_tokens.c.id == row.id)
            ).scalar_one()
        return value

    with engine.begin() as conn:
        people.authenticate_token(conn, plaintext)
    first = last_used()
    with engine.begin() as conn:
        people.authenticate_token(conn, plaintext)
    second = last_used()
    with engine.begin() as conn:
        conn.execute(
            update(_tokens)
            .where(_tokens.c.id == row.id)
            .values(last_used_at=datetime.now(UTC) - timedelta(seconds=61))
        )
        people.authenticate_token(conn, plaintext)
    third = last_used()

    assert first is not None and second == first
    assert third is not None and third >= first


def test_list_tokens_shows_status_and_never_a_secret(engine: Engine, team: dict[str, int]) -> None:
    with engine.begin() as conn:
        a, _ = people.create_token(conn, "a", "rosa", ["quotes:read", "quotes:write"])
        b, _ = people.create_token(conn, "b", "bot", ["quotes:read"])
        people.revoke_token(conn, b.id or 0)
        tokens = people.list_tokens(conn)

    now = datetime.now(UTC)
    assert [(t.id, t.name, t.username, t.scopes, t.status(now)) for t in tokens] == [
        (a.id, "a", "rosa", ("quotes:read", "quotes:write"), "active"),
        (b.id, "b", "bot", ("quotes:read",), "revoked"),
    ]


# --- logins and sessions


def test_login_gives_a_session_whose_cookie_secret_is_not_stored(
    engine: Engine, team: dict[str, int]
) -> None:
    with engine.begin() as conn:
        result = people.login(conn, " Rosa ", PASSWORD, hours=12)
    with engine.begin() as conn:
        principal = people.authenticate_session(conn, result.session_secret)

    assert (principal.username, principal.scopes, principal.token_id) == ("rosa", ALL_SCOPES, None)
    assert result.expires_at - datetime.now(UTC) > timedelta(hours=11, minutes=59)
    assert result.session_secret not in repr(result)
    assert not [v for v in every_text_value(engine) if result.session_secret in v]


@pytest.mark.parametrize(
    ("username", "password"),
    [("rosa", "wrong password!"), ("ghost", PASSWORD), ("bot", PASSWORD), ("rosa", "")],
)
def test_every_failed_login_gives_the_same_answer(
    engine: Engine, team: dict[str, int], username: str, password: str
) -> None:
    with engine.begin() as conn, pytest.raises(Unauthorized) as caught:
        people.login(conn, username, password, hours=12)

    assert caught.value.detail == "wrong username or password"


def test_a_deactivated_user_can_no_longer_log_in_and_their_sessions_end(
    engine: Engine, team: dict[str, int]
) -> None:
    with engine.begin() as conn:
        result = people.login(conn, "rosa", PASSWORD, hours=12)
        people.deactivate(conn, "rosa")

    with engine.begin() as conn:
        with pytest.raises(Unauthorized) as caught:
            people.login(conn, "rosa", PASSWORD, hours=12)
        with pytest.raises(Unauthorized):
            people.authenticate_session(conn, result.session_secret)
    assert caught.value.detail == "wrong username or password"


def test_a_new_password_ends_the_users_sessions_but_not_their_tokens(
    engine: Engine, team: dict[str, int]
) -> None:
    with engine.begin() as conn:
        session = people.login(conn, "rosa", PASSWORD, hours=12)
        _, secret = people.create_token(conn, "CRM", "rosa", ["quotes:read"], None)
        people.set_password(conn, "rosa", "a brand new password")

    with engine.begin() as conn:
        with pytest.raises(Unauthorized):
            people.authenticate_session(conn, session.session_secret)
        with pytest.raises(Unauthorized):
            people.login(conn, "rosa", PASSWORD, hours=12)
        assert people.login(conn, "rosa", "a brand new password", hours=12).session_secret
        assert people.authenticate_token(conn, secret).username == "rosa"


def test_a_reactivated_user_logs_in_again_with_the_same_password(
    engine: Engine, team: dict[str, int]
) -> None:
    with engine.begin() as conn:
        _, secret = people.create_token(conn, "CRM", "rosa", ["quotes:read"], None)
        people.deactivate(conn, "rosa")
    with engine.begin() as conn:
        with pytest.raises(Unauthorized):
            people.authenticate_token(conn, secret)
        people.reactivate(conn, "rosa")

    with engine.begin() as conn:
        assert people.login(conn, "rosa", PASSWORD, hours=12).session_secret
        assert people.authenticate_token(conn, secret).username == "rosa"
        with pytest.raises(NotFound):
            people.reactivate(conn, "ghost")


def test_the_last_active_admin_cannot_be_deactivated(engine: Engine, team: dict[str, int]) -> None:
    with engine.begin() as conn:
        people.create_user(conn, "ada", "Ada", Role.ADMIN, None, PASSWORD)
        with pytest.raises(Conflict) as caught:
            people.deactivate(conn, "ada")
        assert caught.value.detail == "'ada' is the only active admin; make another admin first"
        people.create_user(conn, "alan", "Alan", Role.ADMIN, None, PASSWORD)
        people.deactivate(conn, "ada")
        with pytest.raises(Conflict):
            people.deactivate(conn, "alan")

    with engine.connect() as conn:
        active = {u.username: u.active for u in people.list_users(conn)}
    assert (active["ada"], active["alan"]) == (False, True)


def test_logged_out_and_expired_sessions_are_unauthorized(
    engine: Engine, team: dict[str, int]
) -> None:
    with engine.begin() as conn:
        gone = people.login(conn, "rosa", PASSWORD, hours=12)
        old = people.login(conn, "mark", PASSWORD, hours=12)
        people.logout(conn, gone.session_secret)
        conn.execute(
            update(_sessions)
            .where(_sessions.c.id == tokens.session_id(old.session_secret))
            .values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )

    with engine.begin() as conn:
        with pytest.raises(Unauthorized, match="logged out"):
            people.authenticate_session(conn, gone.session_secret)
        with pytest.raises(Unauthorized, match="expired"):
            people.authenticate_session(conn, old.session_secret)
        with pytest.raises(Unauthorized):
            people.authenticate_session(conn, "never-issued")
