"""Who approves a level for a rep's quote: up the rep's reporting line, or everyone in a role."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from cpq.approvals.policy import SALES_LINE, Level
from cpq.auth.principal import Role


@dataclass(frozen=True, slots=True)
class Person:
    id: int
    name: str
    role: Role
    manager_id: int | None
    active: bool = True


class NoApprover(Exception):
    """Nobody can approve a level for a rep; the message names both."""

    def __init__(self, level: Level, rep_id: int, why: str) -> None:
        super().__init__(
            f"no approver for level {level.code!r} ({level.name}) of rep {rep_id}: {why}"
        )
        self.level = level
        self.rep_id = rep_id


def _rank(role: Role) -> int | None:
    return SALES_LINE.index(role) if role in SALES_LINE else None


def approvers_for(level: Level, rep_id: int, people: Mapping[int, Person]) -> tuple[int, ...]:
    """The ids of the people who approve ``level`` for a quote of rep ``rep_id``, never the rep.

    Up the reporting line: the first active person above the rep whose role is at least the
    level's on the sales line (rep < manager < director), so a rep who reports straight to a
    director gets the director at the manager level; inactive people and people off the sales
    line (finance, admin) are passed over on the way up. By role: every active person with it.
    """
    wanted = level.approvers
    if wanted.role is not None:
        found = tuple(
            sorted(
                p.id
                for p in people.values()
                if p.active and p.role is wanted.role and p.id != rep_id
            )
        )
        if not found:
            raise NoApprover(level, rep_id, f"nobody active has the role {wanted.role}")
        return found
    assert wanted.reporting_line is not None
    needed = _rank(wanted.reporting_line)
    assert needed is not None
    rep = people.get(rep_id)
    if rep is None:
        raise NoApprover(level, rep_id, "the rep is unknown")
    seen = {rep_id}
    boss_id = rep.manager_id
    while boss_id is not None and boss_id not in seen:  # a circle ends the walk
        seen.add(boss_id)
        boss = people.get(boss_id)
        if boss is None:
            break
        rank = _rank(boss.role)
        if boss.active and rank is not None and rank >= needed:
            return (boss.id,)
        boss_id = boss.manager_id
    raise NoApprover(
        level, rep_id, f"no active {wanted.reporting_line} or above up the reporting line"
    )
