"""`cpq approvals check | test`, on the demo policy and on small policies written per test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from approval_builders import HEADER
from typer.testing import CliRunner

from cpq.cli.main import app
from cpq.settings import get_settings

runner = CliRunner()

DEMO_RULES = Path(__file__).resolve().parents[2] / "pricing_rules"

RULES = """\
rules:
  - {id: line-10, description: Line over 10%, when: max_line_discount_percent > 10, level: manager}
  - {id: line-20, description: Line over 20%, when: max_line_discount_percent > 20, level: director}
  - {id: margin, description: Thin margin, when: margin_percent < 25, level: finance}
"""
EXAMPLES = """\
examples:
  - name: within
    figures: {max_line_discount_percent: 10}
    expect: []
  - name: manager
    figures: {max_line_discount_percent: 10.01}
    expect: [manager]
    triggers: [line-10]
  - name: everyone
    figures: {max_line_discount_percent: 21, margin_percent: 20}
    expect: [manager, director, finance]
"""
WRONG = """\
  - name: wrong levels
    figures: {max_line_discount_percent: 25}
    expect: [manager]
  - name: wrong rules
    figures: {margin_percent: null}
    expect: [finance]
    triggers: [line-10]
"""


def write(folder: Path, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "approvals.yaml").write_text(text)
    return folder


@pytest.fixture(autouse=True)
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("CPQ_RULES_DIR", str(tmp_path / "default-rules"))
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_the_demo_policy_checks() -> None:
    result = runner.invoke(app, ["approvals", "check", str(DEMO_RULES)])

    assert result.exit_code == 0, result.output
    assert "ok: 3 level(s), 8 rule(s), 24 example(s)" in result.stdout


def test_the_demo_policys_examples_pass_and_cover_every_rule() -> None:
    result = runner.invoke(app, ["approvals", "test", str(DEMO_RULES)])

    assert result.exit_code == 0, result.output
    assert "24 passed, 0 failed (demo@" in result.stdout
    assert "FAIL" not in result.stdout
    assert "no example triggers" not in result.stderr


def test_check_defaults_to_the_settings_rules_folder(tmp_path: Path) -> None:
    write(tmp_path / "default-rules", HEADER + RULES + EXAMPLES)

    result = runner.invoke(app, ["approvals", "check"])

    assert result.exit_code == 0, result.output
    assert "ok: 3 level(s), 3 rule(s), 3 example(s)" in result.stdout
    assert "Approval chain of test@" in result.stdout


def test_check_lists_every_problem_and_fails(tmp_path: Path) -> None:
    broken = RULES.replace("margin_percent < 25", "margin < 25").replace(
        "level: director", "level: ceo"
    )
    folder = write(tmp_path / "rules", HEADER + broken)

    result = runner.invoke(app, ["approvals", "check", str(folder)])

    assert result.exit_code == 1
    assert "approvals.yaml:8:rules[1].level: error unknown_level: no level 'ceo'" in result.stderr
    assert "approvals.yaml:9:rules[2].when: error bad_expression: unknown name 'margin'" in (
        result.stderr
    )
    assert "does not load: 2 error(s)" in result.stderr


def test_check_a_folder_without_a_policy(tmp_path: Path) -> None:
    result = runner.invoke(app, ["approvals", "check", str(tmp_path)])

    assert result.exit_code == 1
    assert "error no_policy: no approval policy" in result.stderr


def test_test_runs_the_examples(tmp_path: Path) -> None:
    folder = write(tmp_path / "rules", HEADER + RULES + EXAMPLES)

    result = runner.invoke(app, ["approvals", "test", str(folder)])

    assert result.exit_code == 0, result.output
    assert "pass 'within' (approvals.yaml:11)" in result.stdout
    assert "3 passed, 0 failed" in result.stdout


def test_test_shows_each_failure_and_exits_1(tmp_path: Path) -> None:
    folder = write(tmp_path / "rules", HEADER + RULES + EXAMPLES + WRONG)

    result = runner.invoke(app, ["approvals", "test", str(folder)])

    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert "FAIL 'wrong levels' (approvals.yaml:21)" in lines
    assert (
        "  levels: expected [manager], got [manager, director] "
        "(rules that triggered: [line-10, line-20])"
    ) in lines
    assert "FAIL 'wrong rules' (approvals.yaml:24)" in lines
    assert "  rules: expected [line-10], got [margin]" in lines
    assert "3 passed, 2 failed" in result.stdout


def test_test_warns_of_rules_no_example_triggers(tmp_path: Path) -> None:
    folder = write(tmp_path / "rules", HEADER + RULES + EXAMPLES.split("  - name: everyone")[0])

    result = runner.invoke(app, ["approvals", "test", str(folder)])

    assert result.exit_code == 0, result.output
    assert "warning: no example triggers rule 'line-20'" in result.stderr
    assert "warning: no example triggers rule 'margin'" in result.stderr


def test_test_without_examples_fails(tmp_path: Path) -> None:
    folder = write(tmp_path / "rules", HEADER + RULES)

    result = runner.invoke(app, ["approvals", "test", str(folder)])

    assert result.exit_code == 1
    assert "no examples in" in result.stderr
