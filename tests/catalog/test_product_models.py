"""Product models: YAML loading with line numbers, schema errors, cross checks, records."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from cpq.catalog.entities import PRODUCT_MODELS
from cpq.catalog.issues import Issue
from cpq.catalog.product_models import ProductModel, check_models, to_records
from cpq.sync.product_models import load_product_models

ROOT = Path(__file__).resolve().parents[2]

ITEMS = {sku: True for sku in ("KIT-A", "KIT-B", "KIT-C", "KIT-D", "S1", "S2", "S3")}
ITEMS["OLD"] = False

# One bundle; the line numbers below refer to this text.
VALID = """\
bundles:
  - code: A
    name: Kit A
    sku: KIT-A
    option_groups:
      - code: main
        name: Main
        min: 1
        max: 1
        options:
          - sku: S1
            default: true
            quantity: {fixed: 1}
          - sku: S2
            quantity: {editable: {min: 1, max: 5, default: 2}}
"""
OPTION_S2 = "bundles[0].option_groups[0].options[1]"


def load(folder: Path, files: dict[str, str]) -> tuple[list[ProductModel], list[Issue]]:
    folder.mkdir(exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return load_product_models(folder)


def located(issues: list[Issue]) -> list[tuple[str, str, str | None, int | None, str | None]]:
    return [(i.severity.value, i.code, i.file, i.row, i.column) for i in issues]


def checked(folder: Path, files: dict[str, str]) -> list[Issue]:
    models, issues = load(folder, files)
    assert issues == []
    return check_models(models, ITEMS)


def bundle(code: str, child: str | None = None, sku: str | None = None) -> str:
    """A bundle with one group of one option: item S1, or the bundle ``child`` nested."""
    option = f"          - sku: {sku or f'KIT-{child}'}\n            bundle: {child}\n"
    return (
        f"  - code: {code}\n    name: Bundle {code}\n    sku: KIT-{code}\n    option_groups:\n"
        "      - code: main\n        name: Main\n        min: 1\n        max: 1\n"
        "        options:\n"
        + (option if child else "          - sku: S1\n")
        + "            quantity: {fixed: 1}\n"
    )


def line_of(text: str, needle: str, after: int = 0) -> int:
    """The 1-based number of the first line from line ``after`` on that contains ``needle``."""
    lines = text.splitlines()
    return next(n for n in range(after, len(lines)) if needle in lines[n]) + 1


# -- loading -----------------------------------------------------------------------------------
def test_a_valid_file_loads_with_no_issues(tmp_path: Path) -> None:
    models, issues = load(tmp_path, {"kit.yaml": VALID})
    assert issues == []
    assert [(m.bundle.code, m.file, m.path) for m in models] == [("A", "kit.yaml", ("bundles", 0))]
    assert check_models(models, ITEMS) == []


def test_a_missing_folder_holds_no_models(tmp_path: Path) -> None:
    assert load_product_models(tmp_path / "absent") == ([], [])


def test_files_are_read_sorted_and_only_yaml(tmp_path: Path) -> None:
    (tmp_path / "folder.yaml").mkdir(parents=True)
    files = {"b.yml": f"bundles:\n{bundle('B')}", "a.yaml": f"bundles:\n{bundle('C')}"}
    models, issues = load(tmp_path, {**files, "notes.txt": "bundles: [oops"})
    assert issues == []
    assert [(m.file, m.bundle.code) for m in models] == [("a.yaml", "C"), ("b.yml", "B")]


def test_a_yaml_syntax_error_is_one_issue_with_its_line(tmp_path: Path) -> None:
    text = VALID.replace("quantity: {fixed: 1}", "quantity: {fixed: 1")
    models, issues = load(
        tmp_path, {"kit.yaml": text, "ok.yaml": VALID.replace("code: A", "code: B")}
    )
    assert [m.bundle.code for m in models] == ["B"]
    assert located(issues) == [("error", "yaml_syntax", "kit.yaml", 14, None)]


def test_a_duplicate_yaml_key_is_a_syntax_error(tmp_path: Path) -> None:
    _, issues = load(
        tmp_path, {"kit.yaml": VALID.replace("    name: Kit A\n", "    name: A\n" * 2)}
    )
    assert located(issues) == [("error", "yaml_syntax", "kit.yaml", 4, None)]


def test_a_file_that_is_not_utf8_is_an_issue(tmp_path: Path) -> None:
    (tmp_path / "kit.yaml").write_bytes(VALID.replace("Kit A", "Kit \xe9").encode("latin-1"))
    _, issues = load_product_models(tmp_path)
    assert located(issues) == [("error", "yaml_encoding", "kit.yaml", None, None)]


def test_every_schema_error_is_reported_at_its_line_and_key_path(tmp_path: Path) -> None:
    text = (
        VALID.replace("name: Kit A", "name: Kit A\n    colour: red")  # line 4: unknown key
        .replace("min: 1\n        max: 1", "min: one\n        max: 1")  # line 9
        .replace("{fixed: 1}", "{fixed: 0}")  # line 14
        .replace("max: 5, default: 2", "max: 5, default: 2.1234567")  # line 16
    )
    models, issues = load(tmp_path, {"kit.yaml": text})
    assert models == []
    assert located(issues) == [
        ("error", "extra_forbidden", "kit.yaml", 4, "bundles[0].colour"),
        ("error", "int_parsing", "kit.yaml", 9, "bundles[0].option_groups[0].min"),
        (
            "error",
            "greater_than",
            "kit.yaml",
            14,
            "bundles[0].option_groups[0].options[0].quantity.fixed",
        ),
        ("error", "decimal_max_places", "kit.yaml", 16, f"{OPTION_S2}.quantity.editable.default"),
    ]
    assert [i.value for i in issues] == ["red", "one", "0", "2.1234567"]


def test_a_missing_key_is_reported_at_its_parent(tmp_path: Path) -> None:
    _, issues = load(tmp_path, {"kit.yaml": VALID.replace("        max: 1\n", "")})
    assert located(issues) == [
        ("error", "missing", "kit.yaml", 6, "bundles[0].option_groups[0].max")
    ]
    assert issues[0].value is None


def test_a_quantity_rule_needs_exactly_one_kind(tmp_path: Path) -> None:
    text = VALID.replace("{fixed: 1}", "{fixed: 1, per_parent_unit: 2}").replace(
        "quantity: {editable", "quantity: {}\n            x: {editable"
    )
    _, issues = load(tmp_path, {"kit.yaml": text})
    assert located(issues) == [
        (
            "error",
            "quantity_rule",
            "kit.yaml",
            13,
            "bundles[0].option_groups[0].options[0].quantity",
        ),
        ("error", "quantity_rule", "kit.yaml", 15, f"{OPTION_S2}.quantity"),
        ("error", "extra_forbidden", "kit.yaml", 16, f"{OPTION_S2}.x"),
    ]


def test_a_document_that_is_not_a_mapping(tmp_path: Path) -> None:
    _, issues = load(tmp_path, {"kit.yaml": "- just\n- a list\n", "empty.yaml": ""})
    assert located(issues) == [
        ("error", "model_type", "empty.yaml", 1, None),
        ("error", "model_type", "kit.yaml", 1, None),
    ]


# -- checks ------------------------------------------------------------------------------------
def test_unknown_and_inactive_skus(tmp_path: Path) -> None:
    text = VALID.replace("sku: KIT-A", "sku: KIT-Z").replace("sku: S2", "sku: OLD")
    issues = checked(tmp_path, {"kit.yaml": text})
    assert located(issues) == [
        ("error", "unknown_sku", "kit.yaml", 4, "bundles[0].sku"),
        ("warning", "inactive_sku", "kit.yaml", 14, f"{OPTION_S2}.sku"),
    ]
    assert [i.value for i in issues] == [None, None]
    assert "KIT-Z" in issues[0].message


def test_duplicate_bundle_codes_across_files_name_both_places(tmp_path: Path) -> None:
    other = f"# another file\nbundles:\n{bundle('B')}{bundle('A')}"
    issues = checked(tmp_path, {"a.yaml": VALID, "b.yaml": other})
    row = line_of(other, "code: A")
    assert located(issues) == [("error", "duplicate_bundle", "b.yaml", row, "bundles[1].code")]
    assert "a.yaml row 2" in issues[0].message


def test_duplicate_option_sku_and_group_code(tmp_path: Path) -> None:
    group = VALID[VALID.index("      - code: main") :].replace("sku: S1", "sku: S3")
    text = VALID.replace("sku: S2", "sku: S1") + group
    issues = checked(tmp_path, {"kit.yaml": text})
    assert located(issues) == [
        ("error", "duplicate_option", "kit.yaml", 14, f"{OPTION_S2}.sku"),
        ("error", "duplicate_group", "kit.yaml", 16, "bundles[0].option_groups[1].code"),
    ]


def test_selection_limits(tmp_path: Path) -> None:
    text = VALID.replace("min: 1\n        max: 1", "min: 3\n        max: 2")
    issues = checked(tmp_path, {"kit.yaml": text})
    at = "bundles[0].option_groups[0].min"
    assert located(issues) == [
        ("error", "min_above_max", "kit.yaml", 8, at),
        ("error", "min_above_options", "kit.yaml", 8, at),
    ]


def test_more_defaults_than_max(tmp_path: Path) -> None:
    text = VALID.replace(
        "          - sku: S2\n", "          - sku: S2\n            default: true\n"
    )
    issues = checked(tmp_path, {"kit.yaml": text})
    assert located(issues) == [
        ("error", "too_many_defaults", "kit.yaml", 15, f"{OPTION_S2}.default"),
    ]


def test_editable_default_outside_its_range(tmp_path: Path) -> None:
    text = VALID.replace("max: 5, default: 2", "max: 5, default: 6")
    issues = checked(tmp_path, {"kit.yaml": text})
    assert located(issues) == [
        ("error", "bad_quantity", "kit.yaml", 15, f"{OPTION_S2}.quantity.editable"),
    ]


def test_unknown_nested_bundle_and_mismatched_sku(tmp_path: Path) -> None:
    text = f"bundles:\n{bundle('A', 'Q')}{bundle('B', 'A', sku='S2')}"
    issues = checked(tmp_path, {"kit.yaml": text})
    second = line_of(text, "code: B")
    option = "bundles[{}].option_groups[0].options[0]"
    assert located(issues) == [
        (
            "error",
            "unknown_sku",
            "kit.yaml",
            line_of(text, "sku: KIT-Q"),
            f"{option.format(0)}.sku",
        ),
        (
            "error",
            "unknown_bundle",
            "kit.yaml",
            line_of(text, "bundle: Q"),
            f"{option.format(0)}.bundle",
        ),
        (
            "error",
            "bundle_sku_mismatch",
            "kit.yaml",
            line_of(text, "sku: S2", second),
            f"{option.format(1)}.sku",
        ),
    ]


def test_three_levels_of_nesting_are_allowed_four_are_not(tmp_path: Path) -> None:
    three = f"bundles:\n{bundle('A', 'B')}{bundle('B', 'C')}{bundle('C')}"
    assert checked(tmp_path / "three", {"three.yaml": three}) == []
    four = f"bundles:\n{bundle('D', 'A')}{bundle('A', 'B')}{bundle('B', 'C')}{bundle('C')}"
    issues = checked(tmp_path / "four", {"four.yaml": four})
    assert located(issues) == [
        (
            "error",
            "nesting_too_deep",
            "four.yaml",
            line_of(four, "bundle: A"),
            "bundles[0].option_groups[0].options[0].bundle",
        )
    ]
    assert "D > A > B > C" in issues[0].message


def test_a_cycle_is_reported_on_each_bundle_in_it(tmp_path: Path) -> None:
    text = f"bundles:\n{bundle('A', 'B')}{bundle('B', 'A')}{bundle('C', 'A')}{bundle('D', 'D')}"
    issues = checked(tmp_path, {"kit.yaml": text})
    at = "bundles[{}].option_groups[0].options[0].bundle"
    assert located(issues) == [
        ("error", "bundle_cycle", "kit.yaml", line_of(text, "bundle: B"), at.format(0)),
        ("error", "bundle_cycle", "kit.yaml", line_of(text, "bundle: A"), at.format(1)),
        ("error", "bundle_cycle", "kit.yaml", line_of(text, "bundle: D"), at.format(3)),
    ]
    assert [i.message.split(": ")[1] for i in issues] == ["A > B > A", "B > A > B", "D > D"]


# -- records -----------------------------------------------------------------------------------
def test_records_follow_the_entity_fields(tmp_path: Path) -> None:
    models, _ = load(tmp_path, {"kit.yaml": VALID})
    [record] = to_records(models)
    fields = dict(zip(PRODUCT_MODELS.field_names, record, strict=True))
    assert {k: v for k, v in fields.items() if k != "definition"} == {
        "code": "A",
        "name": "Kit A",
        "sku": "KIT-A",
        "file": "kit.yaml",
    }
    definition = json.loads(str(fields["definition"]))
    assert definition["option_groups"][0]["options"] == [
        {"sku": "S1", "default": True, "quantity": {"fixed": "1"}},
        {
            "sku": "S2",
            "default": False,
            "quantity": {"editable": {"min": "1", "max": "5", "default": "2"}},
        },
    ]


def test_records_do_not_depend_on_layout_or_other_bundles(tmp_path: Path) -> None:
    first, _ = load(tmp_path / "one", {"kit.yaml": VALID})
    reformatted = (
        "# reordered keys, comments, flow style and 1.0 for 1\n"
        "bundles:\n"
        f"{bundle('Z')}"
        "  - name: Kit A\n    code: A\n    sku: KIT-A\n    option_groups:\n"
        "    - {code: main, name: Main, max: 1, min: 1, options: [\n"
        "        {sku: S1, quantity: {fixed: 1.0}, default: true},\n"
        "        {sku: S2, quantity: {editable: {default: 2, max: 5.00, min: 1}}}]}\n"
    )
    second, issues = load(tmp_path / "two", {"kit.yaml": reformatted})
    assert issues == []
    assert to_records(first) == to_records(second)[1:]  # same record, other line and position
    again, _ = load_product_models(tmp_path / "two")
    assert to_records(again) == to_records(second)
    definition = str(to_records(first)[0][PRODUCT_MODELS.index("definition")])
    assert definition == json.dumps(json.loads(definition), sort_keys=True, separators=(",", ":"))


# -- the shipped models ------------------------------------------------------------------------
def test_the_shipped_models_are_valid_against_the_demo_items() -> None:
    with (ROOT / "catalog" / "demo-export" / "items.csv").open(encoding="utf-8") as f:
        items = {row["sku"]: row["active"] == "true" for row in csv.DictReader(f)}
    models, issues = load_product_models(ROOT / "catalog" / "models")
    assert issues == []
    assert check_models(models, items) == []
    assert 3 <= len(models) <= 5
    nested = {m.bundle.code: m for m in models}

    def depth(code: str) -> int:
        groups = nested[code].bundle.option_groups
        below = [depth(o.bundle) for g in groups for o in g.options if o.bundle is not None]
        return 1 + max(below, default=0)

    assert max(depth(code) for code in nested) == 3
