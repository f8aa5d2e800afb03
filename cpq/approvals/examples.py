"""A policy's worked examples: figures of a quote and the levels they must need.

Figures an example leaves out take neutral values: the policy currency, a zero total (its
``total_amount`` the same when the currency is the policy's, else unknown), the list total equal
to the total, no discounts, a 100% margin, no payment terms, customer or segment, no SKUs or
groups, one line.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from cpq.approvals.figures import QuoteFigures
from cpq.approvals.policy import Policy, required_levels
from cpq.approvals.schema import FiguresSpec

ZERO = Decimal(0)
NEUTRAL_MARGIN = Decimal(100)


@dataclass(frozen=True, slots=True)
class Example:
    name: str
    figures: QuoteFigures
    expect: tuple[str, ...]  # level codes, in chain order
    triggers: tuple[str, ...] | None  # rule ids, in policy order; None: not checked
    file: str | None = None
    line: int | None = None

    @property
    def where(self) -> str:
        """``"name" (file:line)``: how a report names an example."""
        at = f"{self.file}:{self.line}" if self.line is not None else self.file or "-"
        return f"{self.name!r} ({at})"


@dataclass(frozen=True, slots=True)
class ExampleResult:
    example: Example
    levels: tuple[str, ...]  # what the policy required
    triggers: tuple[str, ...]  # the rules that triggered
    mismatches: tuple[str, ...]  # empty: the example passes

    @property
    def passed(self) -> bool:
        return not self.mismatches


def figures_of_spec(spec: FiguresSpec, policy_currency: str) -> QuoteFigures:
    given = spec.model_fields_set
    currency = spec.currency or policy_currency
    total = spec.total if spec.total is not None else ZERO
    if "total_amount" in given:
        total_amount = spec.total_amount
    else:
        total_amount = total if currency == policy_currency else None
    return QuoteFigures(
        currency=currency,
        total=total,
        total_amount=total_amount,
        list_total=spec.list_total if spec.list_total is not None else total,
        max_line_discount_percent=spec.max_line_discount_percent or ZERO,
        total_discount_percent=spec.total_discount_percent or ZERO,
        list_discount_percent=spec.list_discount_percent or ZERO,
        margin_percent=spec.margin_percent if "margin_percent" in given else NEUTRAL_MARGIN,
        payment_terms=spec.payment_terms,
        customer=spec.customer,
        segment=spec.segment,
        skus=frozenset(spec.skus),
        groups=frozenset(spec.groups),
        line_count=spec.line_count,
    )


def _listed(codes: Sequence[str]) -> str:
    return "[" + ", ".join(codes) + "]"


def run_example(policy: Policy, example: Example) -> ExampleResult:
    required = required_levels(policy, example.figures)
    levels = tuple(r.level.code for r in required)
    position = {rule.id: n for n, rule in enumerate(policy.rules)}
    fired = tuple(
        sorted(
            {t.rule_id for r in required for t in r.triggers},
            key=lambda rule_id: position.get(rule_id, len(position)),
        )
    )
    mismatches: list[str] = []
    if set(levels) != set(example.expect):
        mismatches.append(
            f"levels: expected {_listed(example.expect)}, got {_listed(levels)}"
            f" (rules that triggered: {_listed(fired)})"
        )
    if example.triggers is not None and set(fired) != set(example.triggers):
        mismatches.append(f"rules: expected {_listed(example.triggers)}, got {_listed(fired)}")
    return ExampleResult(example, levels, fired, tuple(mismatches))


def run_examples(policy: Policy, examples: Sequence[Example]) -> list[ExampleResult]:
    return [run_example(policy, example) for example in examples]


def untested_rules(policy: Policy, results: Sequence[ExampleResult]) -> list[str]:
    """The ids of rules no example triggers: their thresholds are not pinned by any example."""
    fired = {rule_id for result in results for rule_id in result.triggers}
    return [rule.id for rule in policy.rules if rule.id not in fired]
