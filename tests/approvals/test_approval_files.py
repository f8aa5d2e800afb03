"""Loading the policy file: every problem with its file, row and key path; the frozen policy."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from pathlib import Path

import pytest
from approval_builders import HEADER, D

from cpq.approvals.files import load_policy, policy_from_text
from cpq.approvals.policy import Approvers, Level, Require
from cpq.approvals.schema import parse_duration
from cpq.auth.principal import Role
from cpq.catalog.issues import Issue

Found = list[tuple[str, str, int | None, str | None]]


def problems(text: str) -> Found:
    policy, issues, examples = policy_from_text(text, "approvals.yaml")
    if any(i.is_error for i in issues):
        assert policy is None and examples == ()
    return [(i.severity.value, i.code, i.row, i.column) for i in issues]


def messages(text: str) -> list[str]:
    return [str(i) for i in policy_from_text(text, "approvals.yaml")[1]]


BROKEN = """\
policy: {name: demo, currency: EUR}
levels:
  - {code: manager, name: Manager, approvers: {reporting_line: manager}, escalate_after: 24 hours}
  - {code: nobody, name: Nobody, approvers: {}}
  - {code: vp, name: VP, approvers: {reporting_line: finance}}
  - {code: both, name: Both, approvers: {reporting_line: manager, role: finance}}
rules:
  - {id: r1, description: Fine, when: max_line_discount_percent > 10, level: manager}
  - {id: r1, description: Again, when: margin_percent < 25, level: manager}
  - {id: r2, description: Unknown fact, when: discount > 10, level: manager}
  - {id: r3, description: Text and number, when: 'segment == 5', level: manager}
  - {id: r4, description: Number and text, when: 'total_amount > "lots"', level: manager}
  - {id: r5, description: Not a truth, when: total_amount, level: manager}
  - {id: r6, description: Unknown level, when: total_amount > 1, level: ceo}
  - {id: r7, description: Extra key, when: total_amount > 1, level: manager, colour: red}
  - {id: r8, description: Syntax, when: 'max_line_discount_percent >', level: manager}
examples:
  - {name: extra figure, figures: {max_line_discount_percent: 12, colour: 1}, expect: [manager]}
  - {name: unknown names, expect: [ceo], triggers: [nope]}
"""


def test_every_problem_is_reported_with_its_row_and_key_path() -> None:
    assert problems(BROKEN) == [
        ("error", "value_error", 3, "levels[0].escalate_after"),
        ("error", "value_error", 4, "levels[1].approvers"),
        ("error", "literal_error", 5, "levels[2].approvers.reporting_line"),
        ("error", "value_error", 6, "levels[3].approvers"),
        ("error", "duplicate_rule", 9, "rules[1].id"),
        ("error", "bad_expression", 10, "rules[2].when"),
        ("error", "bad_expression", 11, "rules[3].when"),
        ("error", "bad_expression", 12, "rules[4].when"),
        ("error", "bad_expression", 13, "rules[5].when"),
        ("error", "unknown_level", 14, "rules[6].level"),
        ("error", "extra_forbidden", 15, "rules[7].colour"),
        ("error", "bad_expression", 16, "rules[8].when"),
        ("error", "extra_forbidden", 18, "examples[0].figures.colour"),
        ("error", "unknown_level", 19, "examples[1].expect[0]"),
        ("error", "unknown_rule", 19, "examples[1].triggers[0]"),
    ]


def test_the_messages_say_what_is_wrong() -> None:
    found = messages(BROKEN)

    for expected in (
        "approvals.yaml, row 3, column 'levels[0].escalate_after': Value error, write a duration "
        "like 24h, 2d, 90m or 1d12h, not '24 hours'",
        "approvals.yaml, row 9, column 'rules[1].id': rule id 'r1' is already used on row 8",
        "approvals.yaml, row 10, column 'rules[2].when': unknown name 'discount'; known: currency,"
        " customer, groups, line_count, list_discount_percent, list_total, margin_percent,"
        " max_line_discount_percent, payment_terms, segment, skus, total, total_amount,"
        " total_discount_percent",
        "approvals.yaml, row 11, column 'rules[3].when': compares STRING with FLOAT: it can never hold",
        "approvals.yaml, row 12, column 'rules[4].when': EvaluationError: data type mismatch",
        "approvals.yaml, row 13, column 'rules[5].when': must be true or false, is FLOAT",
        "approvals.yaml, row 14, column 'rules[6].level': no level 'ceo'; the levels are: none",
        "approvals.yaml, row 16, column 'rules[8].when': syntax error in "
        "'max_line_discount_percent >'",
        "approvals.yaml, row 19, column 'examples[1].expect[0]': no level 'ceo'; the levels are: "
        "none",
    ):
        assert expected in found


def test_duplicate_levels_and_a_currency_that_is_not_iso() -> None:
    text = """\
policy: {name: demo, currency: EUX}
levels:
  - {code: manager, name: Manager, approvers: {reporting_line: manager}}
  - {code: manager, name: Again, approvers: {role: finance}}
rules:
  - {id: r1, description: Fine, when: max_line_discount_percent > 10, level: manager}
"""
    assert problems(text) == [
        ("error", "unknown_currency", 1, "policy.currency"),
        ("error", "duplicate_level", 4, "levels[1].code"),
    ]
    assert "level code 'manager' is already used on row 3" in messages(text)[1]


def test_a_missing_header_and_unknown_sections() -> None:
    text = "levels: []\nrules: []\nextras: 1\n"

    assert problems(text) == [("error", "extra_forbidden", 3, "extras")]
    assert problems("levels: []\nrules: []\n") == [
        ("error", "no_header", 1, None),
        ("warning", "no_rules", 2, "rules"),
    ]


def test_unused_levels_and_quote_currency_amounts_are_warnings() -> None:
    text = HEADER + "rules:\n  - {id: big, description: Big, when: total > 5000, level: manager}\n"

    policy, issues, _ = policy_from_text(text, "approvals.yaml")

    assert policy is not None
    assert [(i.severity.value, i.code, i.row, i.column) for i in issues] == [
        ("warning", "unused_level", 4, "levels[1]"),
        ("warning", "unused_level", 5, "levels[2]"),
        ("warning", "quote_currency_amount", 7, "rules[0].when"),
    ]
    fine = HEADER + (
        'rules:\n  - {id: big, description: Big, when: currency == "EUR" and total > 5000,'
        " level: manager}\n"
    )
    assert [i.code for i in policy_from_text(fine, "approvals.yaml")[1]] == [
        "unused_level",
        "unused_level",
    ]


@pytest.mark.parametrize(
    ("text", "row"),
    [("policy: {name: [\n", 2), ("policy: {name: a}\npolicy: {name: b}\n", 2)],
)
def test_yaml_errors_have_a_row(text: str, row: int) -> None:
    policy, issues, _ = policy_from_text(text, "approvals.yaml")

    assert policy is None
    assert [(i.code, i.row) for i in issues] == [("yaml_syntax", row)]


def test_an_empty_file_is_an_error() -> None:
    assert problems("# nothing yet\n") == [("error", "empty_policy", None, None)]


def test_a_valid_file_loads_into_the_frozen_policy(tmp_path: Path) -> None:
    text = (
        HEADER
        + """\
rules:
  - {id: line-10, description: Line over 10%, when: max_line_discount_percent > 10, level: manager}
  - {id: big, description: Big deal, when: total_amount > 100000, level: director}
  - {id: margin, description: Thin margin, when: margin_percent < 25, level: finance}
examples:
  - name: both
    figures: {max_line_discount_percent: 11, margin_percent: 20}
    expect: [finance, manager]
"""
    )
    (tmp_path / "approvals.yaml").write_text(text, encoding="utf-8")

    policy, issues, examples = load_policy(tmp_path)

    assert issues == []
    assert policy is not None
    assert policy.name == "test" and policy.currency == "EUR"
    assert policy.digest == hashlib.sha256(text.encode()).hexdigest()
    assert policy.levels == (
        Level(
            "manager",
            "Sales manager",
            Approvers(reporting_line=Role.MANAGER),
            Require.ANY,
            timedelta(hours=24),
        ),
        Level(
            "director", "Sales director", Approvers(reporting_line=Role.DIRECTOR), Require.ANY, None
        ),
        Level("finance", "Finance", Approvers(role=Role.FINANCE), Require.ANY, None),
    )
    assert [(r.id, r.level, r.file, r.line) for r in policy.rules] == [
        ("line-10", "manager", "approvals.yaml", 7),
        ("big", "director", "approvals.yaml", 8),
        ("margin", "finance", "approvals.yaml", 9),
    ]
    assert policy.rules[0].condition.symbols == ("max_line_discount_percent",)
    (example,) = examples
    assert (example.name, example.expect, example.line) == ("both", ("manager", "finance"), 11)
    assert example.figures.max_line_discount_percent == D(11)
    assert example.figures.margin_percent == D(20)


def test_a_missing_policy_file_fails_closed(tmp_path: Path) -> None:
    policy, issues, examples = load_policy(tmp_path)

    assert (policy, examples) == (None, ())
    assert issues == [
        Issue(
            issues[0].severity,
            "no_policy",
            f"no approval policy: {tmp_path / 'approvals.yaml'} is missing; without one no quote "
            "can be submitted for approval",
            file=str(tmp_path / "approvals.yaml"),
        )
    ]
    assert issues[0].is_error


def test_a_file_that_is_not_utf8(tmp_path: Path) -> None:
    (tmp_path / "approvals.yaml").write_bytes(b"policy: {name: caf\xe9}\n")

    policy, issues, _ = load_policy(tmp_path)

    assert policy is None
    assert [(i.code, i.file) for i in issues] == [("yaml_encoding", "approvals.yaml")]


@pytest.mark.parametrize(
    ("written", "duration"),
    [
        ("24h", timedelta(hours=24)),
        ("2d", timedelta(days=2)),
        ("90m", timedelta(minutes=90)),
        ("1d12h", timedelta(hours=36)),
        ("1d 6h 30m", timedelta(hours=30, minutes=30)),
        (None, None),
    ],
)
def test_durations(written: str | None, duration: timedelta | None) -> None:
    assert parse_duration(written) == duration


@pytest.mark.parametrize("written", ["0h", "24", "h", "", "PT24H", 24, "1h2d"])
def test_bad_durations(written: object) -> None:
    with pytest.raises(ValueError):
        parse_duration(written)
