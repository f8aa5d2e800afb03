"""Which levels a quote's figures need: thresholds, chain order, triggers, failing closed."""

from __future__ import annotations

import pytest
from approval_builders import D, figures, policy

from cpq.approvals.policy import (
    Approvers,
    LevelRequirement,
    Trigger,
    required_levels,
    requirement_from_json,
)
from cpq.auth.principal import Role

POLICY = policy(
    """
    rules:
      - {id: margin, description: Margin below 25%, when: margin_percent < 25, level: finance}
      - {id: line-10, description: Line over 10%, when: max_line_discount_percent > 10, level: manager}
      - {id: line-20, description: Line over 20%, when: max_line_discount_percent > 20, level: director}
      - id: edge
        description: Edge gateways over 5% off the quote
        when: '"HW-GW-EDGE" in groups and total_discount_percent > 5'
        level: manager
      - {id: big, description: Over 100k EUR, when: total_amount > 100000, level: director}
      - id: terms
        description: Long payment terms
        when: payment_terms != null and payment_terms not in ["NET30", "PREPAID"]
        level: finance
    """
)


def codes(found: tuple[LevelRequirement, ...]) -> list[str]:
    return [r.level.code for r in found]


def test_a_quote_within_every_threshold_needs_no_approval() -> None:
    assert required_levels(POLICY, figures(max_line_discount_percent=10, margin_percent=25)) == ()


@pytest.mark.parametrize(
    ("discount", "levels"),
    [
        ("10", []),
        ("10.0001", ["manager"]),
        ("20", ["manager"]),
        ("20.0001", ["manager", "director"]),
    ],
)
def test_both_sides_of_each_threshold(discount: str, levels: list[str]) -> None:
    assert codes(required_levels(POLICY, figures(max_line_discount_percent=discount))) == levels


def test_levels_come_in_chain_order_with_their_rules_in_policy_order() -> None:
    found = required_levels(
        POLICY,
        figures(
            margin_percent=12,
            max_line_discount_percent=25,
            total_discount_percent=6,
            groups=frozenset({"HW", "HW-GW", "HW-GW-EDGE"}),
            payment_terms="NET90",
        ),
    )

    assert codes(found) == ["manager", "director", "finance"]
    assert [[t.rule_id for t in r.triggers] for r in found] == [
        ["line-10", "edge"],
        ["line-20"],
        ["margin", "terms"],
    ]


def test_a_trigger_keeps_the_facts_its_rule_read() -> None:
    found = required_levels(
        POLICY,
        figures(total_discount_percent="7.5", groups=frozenset({"HW", "HW-GW-EDGE"})),
    )

    assert found[0].triggers == (
        Trigger(
            "edge",
            "Edge gateways over 5% off the quote",
            {"groups": ["HW", "HW-GW-EDGE"], "total_discount_percent": "7.5"},
        ),
    )


def test_an_unknown_margin_fails_closed() -> None:
    (finance,) = required_levels(POLICY, figures(margin_percent=None))

    assert finance.level.code == "finance"
    (trigger,) = finance.triggers
    assert trigger.unjudged
    assert trigger.facts == {"margin_percent": None}
    assert trigger.description == "Margin below 25% (not judged: margin_percent unknown)"


def test_no_exchange_rate_fails_closed() -> None:
    found = required_levels(POLICY, figures(currency="USD", total_amount=None))

    assert codes(found) == ["director"]
    assert found[0].triggers[0].unjudged


def test_a_rule_cannot_opt_out_of_an_unknown_figure() -> None:
    lenient = policy(
        """
        rules:
          - id: margin
            description: Margin below 25% when known
            when: margin_percent != null and margin_percent < 25
            level: finance
        """
    )

    assert required_levels(lenient, figures(margin_percent=30)) == ()
    (finance,) = required_levels(lenient, figures(margin_percent=None))
    assert finance.triggers[0].unjudged


def test_missing_text_facts_are_values_not_unknowns() -> None:
    assert required_levels(POLICY, figures(payment_terms=None)) == ()
    assert codes(required_levels(POLICY, figures(payment_terms="NET45"))) == ["finance"]
    assert required_levels(POLICY, figures(payment_terms="NET30")) == ()


def test_a_condition_that_fails_on_the_figures_fails_closed() -> None:
    # Divided by a line count of zero: rule-engine raises; the rule triggers unjudged.
    odd = policy(
        """
        rules:
          - {id: avg, description: Average line over 50k, when: total / line_count > 50000, level: manager}
        """
    )

    assert required_levels(odd, figures(total=1000, line_count=2)) == ()
    (manager,) = required_levels(odd, figures(total=1000, line_count=0))

    assert manager.triggers[0].unjudged
    assert "not judged" in manager.triggers[0].description


def test_requirements_survive_json() -> None:
    found = required_levels(POLICY, figures(margin_percent=None, max_line_discount_percent=11))

    back = tuple(requirement_from_json(r.to_json(), POLICY) for r in found)

    assert back == found


def test_the_policy_knows_its_chain() -> None:
    assert [POLICY.position(code) for code in ("manager", "director", "finance")] == [0, 1, 2]
    assert POLICY.level("finance").approvers == Approvers(role=Role.FINANCE)
    assert POLICY.label.startswith("test@") and len(POLICY.digest) == 64
    with pytest.raises(KeyError, match="no approval level 'vp'"):
        POLICY.position("vp")


@pytest.mark.parametrize(
    "kwargs",
    [{}, {"reporting_line": Role.MANAGER, "role": Role.FINANCE}, {"reporting_line": Role.FINANCE}],
)
def test_approvers_are_found_one_way(kwargs: dict[str, Role]) -> None:
    with pytest.raises(ValueError):
        Approvers(**kwargs)


def test_figures_compare_exactly() -> None:
    assert codes(required_levels(POLICY, figures(total_amount="100000.00"))) == []
    assert codes(required_levels(POLICY, figures(total_amount=D("100000.0001")))) == ["director"]
