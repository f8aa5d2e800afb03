"""The principal a request acts as: a user (web session) or a CRM client's token acting for one."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    REP = "rep"
    MANAGER = "manager"
    DIRECTOR = "director"
    FINANCE = "finance"
    ADMIN = "admin"


class Scope(StrEnum):
    QUOTES_READ = "quotes:read"
    QUOTES_WRITE = "quotes:write"
    APPROVALS_READ = "approvals:read"
    APPROVALS_WRITE = "approvals:write"
    WEBHOOKS_MANAGE = "webhooks:manage"  # and the admin role


ALL_SCOPES = frozenset(Scope)

# Roles that decide approvals, and so may delegate or be delegated to.
APPROVING_ROLES = frozenset({Role.MANAGER, Role.DIRECTOR, Role.FINANCE})


@dataclass(frozen=True, slots=True)
class Principal:
    user_id: int
    username: str
    role: Role
    scopes: frozenset[Scope] = ALL_SCOPES  # a web session has all; a token only those granted
    token_id: int | None = None  # the API token the request came with, if any
    display_name: str = ""
    manager_id: int | None = None  # who approves for this user (users.manager_id)

    def can(self, scope: Scope) -> bool:
        return scope in self.scopes
