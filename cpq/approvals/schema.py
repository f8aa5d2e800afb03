"""The shape of the approval policy file (docs/approvals.md), validated with pydantic.

Each section's items are validated on their own, so one bad level does not hide the problems of
the rules after it. Numbers become exact Decimals.
"""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from typing import Annotated, Any, Literal, Self

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from cpq.auth.principal import Role

Code = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}$")]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Currency = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
Percent = Annotated[Decimal, Field(ge=-1000, le=1000)]

_DURATION = re.compile(r"^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?$")


def parse_duration(value: Any) -> timedelta | None:
    """``24h``, ``2d``, ``90m``, ``1d12h``; null: never."""
    if value is None:
        return None
    found = _DURATION.match(value.replace(" ", "")) if isinstance(value, str) else None
    if found is None or not any(found.groups()):
        raise ValueError(f"write a duration like 24h, 2d, 90m or 1d12h, not {value!r}")
    days, hours, minutes = (int(g or 0) for g in found.groups())
    duration = timedelta(days=days, hours=hours, minutes=minutes)
    if duration <= timedelta(0):
        raise ValueError("a duration must be longer than zero")
    return duration


Duration = Annotated[timedelta | None, BeforeValidator(parse_duration)]


class _Schema(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class HeaderSpec(_Schema):
    name: Code
    currency: Currency  # of total_amount: the quote total converted


class ApproversSpec(_Schema):
    reporting_line: Literal["manager", "director"] | None = None
    role: Role | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> Self:
        if (self.reporting_line is None) == (self.role is None):
            raise ValueError(
                "say how to find the approvers: reporting_line (manager or director) "
                "or role (everyone with it), exactly one"
            )
        return self


class LevelSpec(_Schema):
    code: Code
    name: Name
    approvers: ApproversSpec
    require: Literal["any", "all"] = "any"
    escalate_after: Duration = None


class RuleSpec(_Schema):
    id: Code
    description: Text
    when: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
    level: Code


class FiguresSpec(_Schema):
    """An example quote's figures; each left out takes a neutral value (docs/approvals.md)."""

    currency: Currency | None = None
    total: Decimal | None = None
    total_amount: Decimal | None = None
    list_total: Decimal | None = None
    max_line_discount_percent: Percent | None = None
    total_discount_percent: Percent | None = None
    list_discount_percent: Percent | None = None
    margin_percent: Percent | None = None
    payment_terms: Name | None = None
    customer: Name | None = None
    segment: Name | None = None
    skus: list[Name] = []
    groups: list[Name] = []
    line_count: Annotated[int, Field(ge=0)] = 1


class ExampleSpec(_Schema):
    name: Text
    figures: FiguresSpec = FiguresSpec()
    expect: list[Code]  # the level codes needed; [] for none
    triggers: list[Code] | None = None  # when given: exactly the rule ids that trigger


class PolicyFileSpec(_Schema):
    policy: Any = None  # a HeaderSpec, validated on its own
    levels: list[Any] = []
    rules: list[Any] = []
    examples: list[Any] = []
