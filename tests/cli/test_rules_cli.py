"""`cpq rules check | test | diff` on small rule sets written for each test."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cpq.cli.main import app
from cpq.db.engine import make_engine
from cpq.services.catalog_sync import run_sync
from cpq.settings import get_settings
from cpq.sync.mapping import load_profile
from cpq.sync.sources.files import FolderSource

runner = CliRunner()

DEMO_EXPORT = Path(__file__).resolve().parents[2] / "catalog" / "demo-export"

SETTINGS = "settings: {name: cli-test, rounding: per_line}\n"
RULES = """\
rules:
  - id: sensors-ten
    description: Ten off sensors
    applies_to: {groups: [HW-SENS]}
    then: {kind: discount_percent, percent: 10}

  - id: cable-blocks
    description: Ferrules in blocks of 500
    applies_to: {skus: [CI-FER-075]}
    then: {kind: block, size: 500, price: {EUR: 5.90}}
"""
# TS-PT100-100-M lists at 203.00 EUR: 182.70 after ten off.
EXAMPLES = """\
examples:
  - name: two probes
    context: {currency: EUR, date: 2026-03-02}
    lines:
      - {id: "1", sku: TS-PT100-100-M, quantity: 2}
    expect:
      lines:
        "1": {list_price: 203.00, net_unit_price: 182.70, net_total: 365.40, rules: [sensors-ten]}
      total: 365.40
"""
WRONG_EXAMPLE = """\
  - name: wrong figures
    context: {currency: EUR, date: 2026-03-02}
    lines:
      - {id: "1", sku: TS-PT100-100-M, quantity: 1}
    expect:
      lines:
        "1": {net_unit_price: 180.00}
        "9": {net_total: 1}
      total: 180
"""


def write_rules(folder: Path, rules: str = RULES, examples: str = EXAMPLES) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "settings.yaml").write_text(SETTINGS)
    (folder / "rules.yaml").write_text(rules)
    (folder / "examples.yaml").write_text(examples)
    return folder


@pytest.fixture(autouse=True)
def settings(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("CPQ_DATABASE_URL", db_url)
    monkeypatch.setenv("CPQ_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("CPQ_RULES_DIR", str(tmp_path / "default-rules"))
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture
def synced(db_url: str) -> None:
    engine = make_engine(db_url)
    run_sync(engine, FolderSource(DEMO_EXPORT), load_profile("canonical"), models_dir=None)
    engine.dispose()


def flat(text: str) -> str:
    return " ".join(text.split())


# --- check ---------------------------------------------------------------------------------


def test_check_summarises_a_valid_rule_set_by_kind(tmp_path: Path) -> None:
    folder = write_rules(tmp_path / "rules")

    result = runner.invoke(app, ["rules", "check", str(folder)])

    assert result.exit_code == 0, result.output
    rows = [
        " ".join(cells.split())
        for line in result.stdout.splitlines()
        if (cells := line.replace("│", " ").strip())
        and cells.split()[0] in ("block", "discount_percent")
    ]
    assert rows == ["block price 1", "discount_percent discount 1"]
    assert f"ok: 2 rule(s), 0 derived price list(s), 1 example(s) in {folder}" in flat(
        result.stdout
    )


def test_check_defaults_to_the_configured_folder(tmp_path: Path) -> None:
    write_rules(tmp_path / "default-rules")

    result = runner.invoke(app, ["rules", "check"])

    assert result.exit_code == 0, result.output
    assert "Rule set cli-test@" in result.stdout


def test_check_lists_every_problem_with_file_row_and_column(tmp_path: Path) -> None:
    folder = write_rules(tmp_path / "rules", rules=RULES.replace("percent: 10}", "percent: 150}"))
    (folder / "more.yaml").write_text("rules: [oops\n")
    (folder / "terms.yaml").write_text(
        "rules:\n"
        "  - id: half-done\n"
        "    description: A condition that does not compile\n"
        "    when: {expression: 'quantity >'}\n"
        "    then: {kind: discount_percent, percent: 5}\n"
    )

    result = runner.invoke(app, ["rules", "check", str(folder)])

    assert result.exit_code == 1
    lines = [ln for ln in result.output.splitlines() if ": error " in ln]
    assert [ln.split(": error ")[0] for ln in lines] == [
        "more.yaml:2:-",
        "rules.yaml:5:rules[0].then.discount_percent.percent",
        "terms.yaml:4:rules[0].when.expression",
    ]
    assert "does not load: 3 error(s)" in result.output


def test_check_warns_of_names_the_catalog_does_not_have(tmp_path: Path, synced: None) -> None:
    # given a rule naming a SKU the synced catalog does not have
    folder = write_rules(tmp_path / "rules", rules=RULES.replace("[HW-SENS]", "[HW-SENZ]"))

    on_database = runner.invoke(app, ["rules", "check", str(folder)])
    on_export = runner.invoke(app, ["rules", "check", str(folder), "--export", str(DEMO_EXPORT)])

    # then it still loads, and the name is a warning at the rule's line
    for result, where in ((on_database, "catalog version 1"), (on_export, "the catalog")):
        assert result.exit_code == 0, result.output
        warnings = [ln for ln in result.output.splitlines() if ": warning " in ln]
        assert [ln.split(": warning ")[0] for ln in warnings] == ["rules.yaml:2:applies_to.groups"]
        assert f"'HW-SENZ', which is not in {where}" in flat(result.output)


def test_check_without_a_catalog_says_so(tmp_path: Path) -> None:
    result = runner.invoke(app, ["rules", "check", str(write_rules(tmp_path / "rules"))])

    assert result.exit_code == 0, result.output
    assert "no catalog to check names against" in flat(result.output)


def test_check_of_a_folder_without_rule_files_fails(tmp_path: Path) -> None:
    result = runner.invoke(app, ["rules", "check", str(tmp_path / "nowhere")])

    assert result.exit_code == 1
    assert "no_rule_files" in result.output


# --- test ----------------------------------------------------------------------------------


def test_examples_pass_against_an_export_folder(tmp_path: Path) -> None:
    folder = write_rules(tmp_path / "rules")

    result = runner.invoke(app, ["rules", "test", str(folder), "--export", str(DEMO_EXPORT)])

    assert result.exit_code == 0, result.output
    assert "pass 'two probes' (examples.yaml:2)" in result.stdout
    assert "1 passed, 0 failed (cli-test@" in result.stdout
    assert f"on export {DEMO_EXPORT})" in result.stdout


def test_failing_examples_name_every_mismatch_and_exit_1(tmp_path: Path) -> None:
    folder = write_rules(tmp_path / "rules", examples=EXAMPLES + WRONG_EXAMPLE)

    result = runner.invoke(app, ["rules", "test", str(folder), "--export", str(DEMO_EXPORT)])

    assert result.exit_code == 1
    out = result.stdout.splitlines()
    assert out[:5] == [
        "pass 'two probes' (examples.yaml:2)",
        "FAIL 'wrong figures' (examples.yaml:10)",
        "  'wrong figures' (examples.yaml:10): line 1 net_unit_price: expected 180.00, got 182.70",
        "  'wrong figures' (examples.yaml:10): line 9: expected in the quote, but there is no such line",
        "  'wrong figures' (examples.yaml:10): total: expected 180, got 182.70",
    ]
    assert "1 passed, 1 failed" in out[5]


def test_examples_run_against_the_latest_synced_catalog(tmp_path: Path, synced: None) -> None:
    folder = write_rules(tmp_path / "rules", examples=EXAMPLES + WRONG_EXAMPLE)

    result = runner.invoke(app, ["rules", "test", str(folder)])

    assert result.exit_code == 1
    assert "pass 'two probes' (examples.yaml:2)" in result.stdout
    assert "FAIL 'wrong figures' (examples.yaml:10)" in result.stdout
    assert "1 passed, 1 failed" in result.stdout
    assert "on catalog version 1)" in result.stdout

    passing = write_rules(tmp_path / "passing")
    assert runner.invoke(app, ["rules", "test", str(passing)]).exit_code == 0


def test_examples_need_a_catalog(tmp_path: Path) -> None:
    result = runner.invoke(app, ["rules", "test", str(write_rules(tmp_path / "rules"))])

    assert result.exit_code == 1
    assert "no catalog has been synced yet" in flat(result.output)


def test_a_rule_set_without_examples_fails_the_test(tmp_path: Path) -> None:
    folder = write_rules(tmp_path / "rules", examples="")

    result = runner.invoke(app, ["rules", "test", str(folder), "--export", str(DEMO_EXPORT)])

    assert result.exit_code == 1
    assert "no examples in" in result.output


def test_an_example_on_an_unknown_sku_fails_with_the_issue(tmp_path: Path) -> None:
    unknown = EXAMPLES.replace("TS-PT100-100-M", "NOPE")
    folder = write_rules(tmp_path / "rules", examples=unknown)

    result = runner.invoke(app, ["rules", "test", str(folder), "--export", str(DEMO_EXPORT)])

    assert result.exit_code == 1
    assert (
        "'two probes' (examples.yaml:2): pricing failed: column 'lines[0].sku': no item 'NOPE'"
        in result.stdout
    )


# --- diff ----------------------------------------------------------------------------------

DIFF = ["--date", "2026-03-02", "--sample", "12", "--seed", "5"]


def test_diff_of_an_identical_rule_set_changes_nothing(tmp_path: Path, synced: None) -> None:
    current = write_rules(tmp_path / "current")
    candidate = write_rules(tmp_path / "candidate")

    result = runner.invoke(app, ["rules", "diff", str(candidate), "--current", str(current), *DIFF])

    assert result.exit_code == 0, result.output
    text = flat(result.stdout)
    assert "no stored quotes; 12 generated baskets" in text
    assert "unchanged 12, up 0, down 0, failed before 0, failed after 0" in text
    assert "no total changes" in text


def test_diff_shows_the_totals_a_new_discount_lowers(tmp_path: Path, synced: None) -> None:
    current = write_rules(tmp_path / "current")
    discount = RULES + (
        "  - id: everything-five\n"
        "    description: Five off everything for C-10001\n"
        "    when: {customers: [C-10001]}\n"
        "    combination: additive\n"
        "    then: {kind: discount_percent, percent: 5}\n"
    )
    candidate = write_rules(tmp_path / "candidate", rules=discount)

    human = runner.invoke(app, ["rules", "diff", str(candidate), "--current", str(current), *DIFF])
    as_json = runner.invoke(
        app, ["rules", "diff", str(candidate), "--current", str(current), *DIFF, "--json"]
    )

    assert human.exit_code == 0, human.output
    assert as_json.exit_code == 0, as_json.output
    report = json.loads(as_json.stdout)
    assert (report["source"], report["stored_quotes"], report["generated_baskets"]) == (
        "no stored quotes; 12 generated baskets",
        0,
        12,
    )
    # Baskets go round the 20 demo customers: only the first is C-10001's.
    assert report["summary"] == {
        "unchanged": 11,
        "up": 0,
        "down": 1,
        "failed_before": 0,
        "failed_after": 0,
    }
    (down,) = [b for b in report["baskets"] if b["status"] == "down"]
    assert down["name"] == "basket 001 (C-10001, EUR)"
    assert down["lines"]
    assert all("everything-five" in line["rules_after"] for line in down["lines"])
    assert all("everything-five" not in line["rules_before"] for line in down["lines"])
    assert report["current"] != report["candidate"]
    text = flat(human.stdout)
    assert "unchanged 11, up 0, down 1" in text
    assert "1 total(s) change" in text
    assert f"{down['before']} │ {down['after']} │ {down['change']} │" in text
    assert down["change"].startswith("-")


def test_diff_of_a_candidate_that_does_not_load_exits_1_with_its_issues(
    tmp_path: Path, synced: None
) -> None:
    current = write_rules(tmp_path / "current")
    candidate = write_rules(tmp_path / "candidate", rules=RULES.replace("size: 500", "size: 0"))

    result = runner.invoke(app, ["rules", "diff", str(candidate), "--current", str(current)])

    assert result.exit_code == 1
    assert "rules.yaml:10:rules[1].then.block.size: error greater_than" in result.output
    assert "the candidate rule set in" in result.output
