"""Product models checked as configurations at load: every problem with its file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from cpq.catalog.issues import Issue
from cpq.catalog.product_models import check_models
from cpq.configuration.validation import check_configurations
from cpq.sync.product_models import load_product_models

HEAD = """\
bundles:
  - code: K
    name: Kit
    sku: KIT
    attributes:
      - {code: voltage, name: Voltage, values: ["230", "120"], default: "230"}
    option_groups:
      - code: main
        name: Main
        min: 0
        max: 4
        options:
          - {sku: A, quantity: {fixed: 1}}
          - {sku: B, quantity: {fixed: 1}}
          - {sku: C, quantity: {editable: {min: 1, max: 5, default: 1}}}
          - {sku: D, quantity: {editable: {min: 1.5, max: 5, default: 2}}}
      - code: other
        name: Other
        min: 0
        max: 1
        options:
          - {sku: A, quantity: {fixed: 1}}
"""
ITEMS = {sku: True for sku in ("KIT", "A", "B", "C", "D")}


def checked(tmp_path: Path, constraints: str, head: str = HEAD) -> list[Issue]:
    (tmp_path / "kit.yaml").write_text(
        head + ("    constraints:\n" + constraints if constraints else "")
    )
    models, issues = load_product_models(tmp_path)
    assert issues == [], issues
    assert check_models(models, ITEMS) == []
    return check_configurations(models)


def line_of(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if needle in line)


def test_constraints_of_every_kind_that_fit_the_model_pass(tmp_path: Path) -> None:
    constraints = """\
      - {code: r, requires: {option: main/A, any_of: [B]}}
      - {code: e, excludes: {option: B, options: [C]}}
      - {code: i, implies: {option: other/A, adds: [main/A]}}
      - {code: c, compatible: {option: B, when: {voltage: ["230"]}}}
      - {code: n, cardinality: {options: [main/A, B, C], max: 2}}
      - {code: q, quantity: {left: [C], op: "<=", right: [main/A], factor: 3, offset: 1}}
"""
    assert checked(tmp_path, constraints) == []


@pytest.mark.parametrize(
    ("constraint", "code", "needle", "column"),
    [
        (
            "{code: x, requires: {option: Z, any_of: [B]}}",
            "unknown_option",
            "code: x",
            "bundles[0].constraints[0].requires.option",
        ),
        (
            "{code: x, requires: {option: B, any_of: [A]}}",
            "ambiguous_option",
            "code: x",
            "bundles[0].constraints[0].requires.any_of[0]",
        ),
        (
            "{code: x, excludes: {option: B, options: [B]}}",
            "self_reference",
            "code: x",
            "bundles[0].constraints[0].excludes.options",
        ),
        (
            "{code: x, compatible: {option: B, when: {colour: [red]}}}",
            "unknown_attribute",
            "code: x",
            "bundles[0].constraints[0].compatible.when.colour",
        ),
        (
            "{code: x, compatible: {option: B, when: {voltage: ['110']}}}",
            "unknown_value",
            "code: x",
            "bundles[0].constraints[0].compatible.when.voltage",
        ),
        (
            "{code: x, cardinality: {options: [B, C], min: 2, max: 1}}",
            "min_above_max",
            "code: x",
            "bundles[0].constraints[0].cardinality",
        ),
        (
            "{code: x, quantity: {left: [C], op: '>=', right: [D]}}",
            "quantity_not_whole",
            "code: x",
            "bundles[0].constraints[0].quantity.right[0]",
        ),
    ],
)
def test_a_constraint_naming_what_is_not_there_is_reported_at_its_line(
    tmp_path: Path, constraint: str, code: str, needle: str, column: str
) -> None:
    issues = checked(tmp_path, f"      - {constraint}\n")

    text = (tmp_path / "kit.yaml").read_text()
    assert [(i.code, i.file, i.row, i.column) for i in issues] == [
        (code, "kit.yaml", line_of(text, needle), column)
    ]


def test_a_cycle_of_implications_that_contradicts_itself(tmp_path: Path) -> None:
    constraints = """\
      - code: b-brings-c
        implies: {option: B, adds: [C]}
      - code: c-needs-not-b
        excludes: {option: C, options: [B]}
"""
    issues = checked(tmp_path, constraints)

    text = (tmp_path / "kit.yaml").read_text()
    assert [(i.code, i.row, i.column) for i in issues] == [
        (
            "contradictory_implications",
            line_of(text, "{sku: B,"),
            "bundles[0].option_groups[0].options[1]",
        )
    ]
    message = issues[0].message
    assert message.startswith(
        "B can never be chosen in bundle K: B brings C (constraint b-brings-c"
    )
    assert f"kit.yaml row {line_of(text, 'code: c-needs-not-b')}" in message


def test_an_option_that_can_never_be_chosen(tmp_path: Path) -> None:
    constraints = """\
      - {code: c-at-120, compatible: {option: C, when: {voltage: ["120"]}}}
      - {code: c-not-120, compatible: {option: C, when: {voltage: ["230"]}}}
"""
    issues = checked(tmp_path, constraints)

    assert [(i.code, i.column) for i in issues] == [
        ("option_never_selectable", "bundles[0].option_groups[0].options[2]")
    ]
    assert "C only when Voltage is 120" in issues[0].message


def test_an_attribute_value_that_can_never_be_chosen(tmp_path: Path) -> None:
    head = HEAD.replace("min: 0\n        max: 4", "min: 1\n        max: 1", 1)
    constraints = """\
      - {code: all-230-a, compatible: {option: main/A, when: {voltage: ["230"]}}}
      - {code: all-230-b, compatible: {option: B, when: {voltage: ["230"]}}}
      - {code: all-230-c, compatible: {option: C, when: {voltage: ["230"]}}}
      - {code: all-230-d, compatible: {option: D, when: {voltage: ["230"]}}}
"""
    issues = checked(tmp_path, constraints, head)

    assert [(i.code, i.column) for i in issues] == [
        ("value_never_selectable", "bundles[0].attributes[0].values")
    ]
    assert issues[0].message.startswith("Voltage = 120 can never be chosen in bundle K")


def test_a_bundle_with_no_valid_configuration(tmp_path: Path) -> None:
    head = HEAD.replace("min: 0\n        max: 1", "min: 1\n        max: 1")
    constraints = "      - {code: never-a, excludes: {option: other/A, options: [B]}}\n"
    constraints += "      - {code: needs-b, requires: {option: other/A, any_of: [B]}}\n"
    issues = checked(tmp_path, constraints, head)

    text = (tmp_path / "kit.yaml").read_text()
    assert [(i.code, i.row, i.column) for i in issues] == [
        ("no_valid_configuration", line_of(text, "code: K"), "bundles[0].code")
    ]
    assert "Other: exactly 1 selected" in issues[0].message


def test_a_nested_bundle_is_checked_in_its_own_file(tmp_path: Path) -> None:
    (tmp_path / "outer.yaml").write_text(
        """\
bundles:
  - code: OUT
    name: Outer
    sku: KIT
    option_groups:
      - code: inner
        name: Inner
        min: 0
        max: 1
        options:
          - {sku: A, bundle: IN, quantity: {fixed: 1}}
"""
    )
    (tmp_path / "inner.yaml").write_text(
        """\
bundles:
  - code: IN
    name: Inner
    sku: A
    option_groups:
      - code: g
        name: G
        min: 0
        max: 2
        options:
          - {sku: B, quantity: {fixed: 1}}
          - {sku: C, quantity: {fixed: 1}}
    constraints:
      - {code: loop, implies: {option: B, adds: [C]}}
      - {code: back, excludes: {option: C, options: [B]}}
"""
    )
    models, issues = load_product_models(tmp_path)
    assert issues == [] and check_models(models, ITEMS) == []

    found = check_configurations(models)

    # Found from both bundles, reported once, in the file that holds the option.
    assert [(i.code, i.file, i.row) for i in found] == [
        ("contradictory_implications", "inner.yaml", 11)
    ]


def test_the_demo_models_are_valid_configurations() -> None:
    models, issues = load_product_models(Path(__file__).resolve().parents[2] / "catalog" / "models")
    assert issues == []
    assert check_configurations(models) == []
