"""The discount-approval policy: an approval chain of levels, and rules that say which figures of a
quote need which level (docs/approvals.md). ``required_levels`` judges a quote's figures.

A rule that reads a figure the quote could not work out (the margin of a line without cost, the
total without an exchange rate to the policy currency) fails closed: it triggers, marked unjudged.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from enum import StrEnum
from typing import Any

from cpq.approvals.conditions import UNKNOWABLE, Condition, facts_of, json_value
from cpq.approvals.figures import QuoteFigures
from cpq.auth.principal import Role

# The sales reporting line, lowest first; a level found on it takes this role or a higher one.
SALES_LINE: tuple[Role, ...] = (Role.REP, Role.MANAGER, Role.DIRECTOR)


class Require(StrEnum):
    ALL = "all"  # every approver of the level
    ANY = "any"  # one of them


@dataclass(frozen=True, slots=True)
class Approvers:
    """Who approves a level: exactly one of the two."""

    reporting_line: Role | None = None  # the first up the rep's line with this role or higher
    role: Role | None = None  # everyone with this role (e.g. finance)

    def __post_init__(self) -> None:
        if (self.reporting_line is None) == (self.role is None):
            raise ValueError("approvers are found by reporting_line or by role, exactly one")
        if self.reporting_line is not None and self.reporting_line not in SALES_LINE[1:]:
            raise ValueError("reporting_line names a role of the sales line: manager or director")

    def describe(self) -> str:
        if self.reporting_line is not None:
            return f"reporting line: {self.reporting_line} or above"
        return f"role: {self.role}"


@dataclass(frozen=True, slots=True)
class Level:
    code: str
    name: str
    approvers: Approvers
    require: Require
    escalate_after: timedelta | None


@dataclass(frozen=True, slots=True)
class ApprovalRule:
    id: str
    description: str
    level: str  # a level code of the policy
    condition: Condition
    file: str | None = None
    line: int | None = None


@dataclass(frozen=True, slots=True)
class Policy:
    name: str
    digest: str  # SHA-256 of the policy file's bytes
    currency: str  # of total_amount
    levels: tuple[Level, ...]  # the approval chain, in order
    rules: tuple[ApprovalRule, ...]
    _positions: Mapping[str, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        positions = {level.code: n for n, level in enumerate(self.levels)}
        if len(positions) != len(self.levels):
            raise ValueError("level codes must be unique")
        unknown = sorted({r.level for r in self.rules} - positions.keys())
        if unknown:
            raise ValueError(f"rules name unknown levels: {', '.join(unknown)}")
        object.__setattr__(self, "_positions", positions)

    @property
    def label(self) -> str:
        return f"{self.name}@{self.digest[:12]}"

    def level(self, code: str) -> Level:
        return self.levels[self.position(code)]

    def position(self, code: str) -> int:
        """The level's place in the chain (0 first); KeyError for an unknown code."""
        try:
            return self._positions[code]
        except KeyError:
            raise KeyError(f"no approval level {code!r} in policy {self.label}") from None


@dataclass(frozen=True, slots=True)
class Trigger:
    """A rule that requires its level, with the facts its condition read and their values."""

    rule_id: str
    description: str
    facts: Mapping[str, Any]  # JSON-safe
    unjudged: bool = False  # a fact it reads is unknown: it triggers to be safe

    def to_json(self) -> dict[str, Any]:
        return {
            "rule_id": self.rule_id,
            "description": self.description,
            "facts": dict(self.facts),
            "unjudged": self.unjudged,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Trigger:
        return cls(
            str(data["rule_id"]),
            str(data["description"]),
            dict(data["facts"]),
            bool(data.get("unjudged", False)),
        )


@dataclass(frozen=True, slots=True)
class LevelRequirement:
    level: Level
    triggers: tuple[Trigger, ...]  # in the policy's rule order

    def to_json(self) -> dict[str, Any]:
        return {"level": self.level.code, "triggers": [t.to_json() for t in self.triggers]}


def judge(rule: ApprovalRule, facts: Mapping[str, Any]) -> Trigger | None:
    """The trigger when ``rule`` requires its level for a quote with ``facts``, else None."""
    read = rule.condition.symbols
    seen = {name: json_value(facts[name]) for name in read}
    unknown = [name for name in read if name in UNKNOWABLE and facts[name] is None]
    if unknown:
        why = f"not judged: {', '.join(unknown)} unknown"
        return Trigger(rule.id, f"{rule.description} ({why})", seen, unjudged=True)
    holds = rule.condition.evaluate(facts)
    if holds is None:
        why = "not judged: the condition fails on these figures"
        return Trigger(rule.id, f"{rule.description} ({why})", seen, unjudged=True)
    return Trigger(rule.id, rule.description, seen) if holds else None


def required_levels(policy: Policy, figures: QuoteFigures) -> tuple[LevelRequirement, ...]:
    """The levels ``figures`` need, in chain order, each with the rules that require it;
    empty when the quote needs no approval."""
    facts = facts_of(figures)
    found: dict[str, list[Trigger]] = {}
    for rule in policy.rules:
        trigger = judge(rule, facts)
        if trigger is not None:
            found.setdefault(rule.level, []).append(trigger)
    return tuple(
        LevelRequirement(level, tuple(found[level.code]))
        for level in policy.levels
        if level.code in found
    )


def requirement_from_json(data: Mapping[str, Any], policy: Policy) -> LevelRequirement:
    """A stored ``LevelRequirement.to_json()`` back, its level looked up in ``policy``."""
    return LevelRequirement(
        policy.level(str(data["level"])),
        tuple(Trigger.from_json(t) for t in data["triggers"]),
    )
