"""Authored YAML read by libyaml with the YAML 1.2 core schema, exact decimals and lines."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from cpq.yamlfile import parse_yaml


def data(text: str) -> object:
    document, issues = parse_yaml(text, "f.yaml")
    assert issues == [] and document is not None
    return document.data


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("yes", "yes"),  # YAML 1.1 would say True: a product code "NO" must stay "NO"
        ("NO", "NO"),
        ("on", "on"),
        ("true", True),
        ("False", False),
        ("~", None),
        ("", None),
        ("12", 12),
        ("0o17", 15),
        ("0x1F", 31),
        ("1:30", "1:30"),  # YAML 1.1 sexagesimal
        ("5.90", Decimal("5.90")),
        ("1.00000000000000001", Decimal("1.00000000000000001")),
        ("-0.5", Decimal("-0.5")),
        ("2026-03-01", date(2026, 3, 1)),
        ("'12'", "12"),
        ("C-10001", "C-10001"),
    ],
)
def test_scalars_follow_the_yaml_1_2_core_schema_with_exact_decimals(
    text: str, value: object
) -> None:
    loaded = data(f"a: {text}\n")
    assert loaded == {"a": value}
    assert type(loaded["a"]) is type(value)  # type: ignore[index]


def test_every_key_and_item_has_its_line() -> None:
    document, _ = parse_yaml("rules:\n  - id: a\n    then:\n      kind: x\n  - id: b\n", "f.yaml")
    assert document is not None
    assert document.line(("rules", 1, "id")) == 5
    assert document.line(("rules", 0, "then", "kind")) == 4
    assert document.line(("rules", 0, "then", "missing")) == 3  # the nearest parent written


def test_a_key_written_twice_is_an_error_on_its_second_line() -> None:
    document, issues = parse_yaml("a: 1\nb: 2\na: 3\n", "f.yaml")
    assert document is None
    assert [(i.code, i.row) for i in issues] == [("yaml_syntax", 3)]
    assert "'a' is written twice" in issues[0].message


def test_merge_keys_join_and_the_mapping_s_own_keys_win() -> None:
    assert data("base: &b {x: 1, y: 2}\nm:\n  <<: *b\n  y: 3\n") == {
        "base": {"x": 1, "y": 2},
        "m": {"x": 1, "y": 3},
    }


def test_syntax_errors_name_the_line() -> None:
    _, issues = parse_yaml("a: 1\nb: [1, 2\nc: 3\n", "f.yaml")
    assert len(issues) == 1 and issues[0].code == "yaml_syntax" and issues[0].row == 3


def test_an_empty_file_is_none() -> None:
    assert data("") is None
