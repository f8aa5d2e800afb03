"""The demo team: seeded once, a rerun changes nothing, and its logins and token work."""

from __future__ import annotations

from sqlalchemy import Engine, MetaData, func, select

from cpq.services import people
from cpq.services.demo_team import DEMO_PASSWORD, seed_demo_team


def row_counts(engine: Engine) -> dict[str, int]:
    meta = MetaData()
    meta.reflect(engine, only=["users", "api_tokens"])
    with engine.connect() as conn:
        return {
            name: conn.execute(select(func.count()).select_from(table)).scalar_one()
            for name, table in meta.tables.items()
        }


def test_seeding_twice_creates_the_team_once(engine: Engine) -> None:
    with engine.begin() as conn:
        first = seed_demo_team(conn)
    counts = row_counts(engine)
    with engine.begin() as conn:
        users_before = people.list_users(conn)
        second = seed_demo_team(conn)
        users_after = people.list_users(conn)

    assert first.created == ("dan", "maria", "rita", "raj", "fiona", "ada", "token")
    assert second.created == ()
    assert counts == {"users": 6, "api_tokens": 1} == row_counts(engine)
    assert users_after == users_before
    assert first.token == second.token == "cpq_demorita_demo-token-for-local-use-only-never-in-prod"


def test_the_team_reports_up_the_sales_line(engine: Engine) -> None:
    with engine.begin() as conn:
        seed_demo_team(conn)
        line = {u.username: (u.role.value, u.manager) for u in people.list_users(conn)}

    assert line == {
        "ada": ("admin", None),
        "dan": ("director", None),
        "fiona": ("finance", None),
        "maria": ("manager", "dan"),
        "raj": ("rep", "maria"),
        "rita": ("rep", "maria"),
    }


def test_demo_logins_and_token_work(engine: Engine) -> None:
    with engine.begin() as conn:
        team = seed_demo_team(conn)
    with engine.begin() as conn:
        maria = people.login(conn, "maria", DEMO_PASSWORD, hours=1).principal
        crm = people.authenticate_token(conn, team.token)
        (token,) = people.list_tokens(conn)

    assert (maria.username, maria.role.value) == ("maria", "manager")
    assert (crm.username, sorted(crm.scopes)) == ("rita", ["quotes:read", "quotes:write"])
    assert token.prefix == "demorita"
