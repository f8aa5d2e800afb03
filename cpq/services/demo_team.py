"""A demo sales team with known logins and a fixed CRM token, so that the README's examples work
on a fresh `cpq demo`. Never for a real deployment: the password and token are public."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection

from cpq.auth.principal import Role, Scope
from cpq.auth.tokens import TokenParts
from cpq.repositories import people as repo
from cpq.services import people

DEMO_PASSWORD = "demo-password-1"
# Public on purpose (README curl examples); stored, like every token, only as a hash.
DEMO_TOKEN = TokenParts(prefix="demorita", secret="demo-token-for-local-use-only-never-in-prod")
DEMO_TOKEN_NAME = "Demo CRM (acts for rita)"
DEMO_TOKEN_SCOPES = (Scope.QUOTES_READ, Scope.QUOTES_WRITE)


@dataclass(frozen=True, slots=True)
class DemoMember:
    username: str
    display_name: str
    role: Role
    manager: str | None


# Managers first: each member's manager must exist before them.
TEAM = (
    DemoMember("dan", "Dan Director", Role.DIRECTOR, None),
    DemoMember("maria", "Maria Manager", Role.MANAGER, "dan"),
    DemoMember("rita", "Rita Rep", Role.REP, "maria"),
    DemoMember("raj", "Raj Rep", Role.REP, "maria"),
    DemoMember("fiona", "Fiona Finance", Role.FINANCE, None),
    DemoMember("ada", "Ada Admin", Role.ADMIN, None),
)


@dataclass(frozen=True, slots=True)
class DemoTeam:
    members: tuple[DemoMember, ...]
    password: str  # every member's
    token: str  # the CRM token, acting for `token_user`
    token_user: str
    token_scopes: tuple[Scope, ...]
    created: tuple[str, ...]  # what this run added (usernames, "token"); empty on a rerun


def seed_demo_team(conn: Connection) -> DemoTeam:
    """Create whatever of the demo team is missing; existing users and the token are left as
    they are (a rerun changes nothing)."""
    created: list[str] = []
    for member in TEAM:
        if repo.user_by_username(conn, member.username) is None:
            people.create_user(
                conn,
                member.username,
                member.display_name,
                member.role,
                manager_username=member.manager,
                password=DEMO_PASSWORD,
                email=f"{member.username}@demo.example",
            )
            created.append(member.username)
    if repo.token_by_prefix(conn, DEMO_TOKEN.prefix) is None:
        people.create_token(
            conn, DEMO_TOKEN_NAME, "rita", [s.value for s in DEMO_TOKEN_SCOPES], token=DEMO_TOKEN
        )
        created.append("token")
    return DemoTeam(
        members=TEAM,
        password=DEMO_PASSWORD,
        token=str(DEMO_TOKEN),
        token_user="rita",
        token_scopes=DEMO_TOKEN_SCOPES,
        created=tuple(created),
    )
