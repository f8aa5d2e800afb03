"""Loading rule files: every problem at once, each with its file, row and column."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from cpq.catalog.issues import Issue
from cpq.pricing.rules.files import LoadedRules, load_rule_set, rule_set_from_texts

SETTINGS = "settings: {name: test}\n"


def load(
    *, settings: str | None = SETTINGS, **files: str
) -> tuple[LoadedRules | None, list[Issue]]:
    texts = {name: textwrap.dedent(text).lstrip("\n").encode() for name, text in files.items()}
    if settings is not None:
        texts["settings.yaml"] = settings.encode()
    return rule_set_from_texts(texts)


def where(issues: list[Issue]) -> list[tuple[str, str | None, int | None, str | None]]:
    return [(i.code, i.file, i.row, i.column) for i in issues]


def test_a_good_rule_set_loads() -> None:
    loaded, issues = load(
        **{
            "rules.yaml": """
            rules:
              - id: ten-off
                description: 10% off hardware
                applies_to: {groups: [HW]}
                then: {kind: discount_percent, percent: 10}
            """
        }
    )
    assert issues == []
    assert loaded is not None
    (rule,) = loaded.rule_set.rules
    assert (rule.id, rule.kind, rule.file, rule.line) == (
        "ten-off",
        "discount_percent",
        "rules.yaml",
        2,
    )
    assert loaded.rule_set.name == "test"
    assert loaded.rule_set.rounding == "per_line"


def test_yaml_syntax_error() -> None:
    loaded, issues = load(
        **{
            "rules.yaml": """
            rules:
              - id: a
                description: [unclosed
                then: {kind: discount_percent, percent: 10}
            """
        }
    )
    assert loaded is None
    assert where(issues) == [("yaml_syntax", "rules.yaml", 4, None)]


def test_unknown_key() -> None:
    loaded, issues = load(
        **{
            "rules.yaml": """
            rules:
              - id: a
                description: A
                priorty: 3
                then: {kind: discount_percent, percent: 10}
            """
        }
    )
    assert loaded is None
    assert where(issues) == [("extra_forbidden", "rules.yaml", 4, "rules[0].priorty")]


def test_bad_kind() -> None:
    loaded, issues = load(
        **{
            "rules.yaml": """
            rules:
              - id: a
                description: A
                then: {kind: discount_precent, percent: 10}
            """
        }
    )
    assert loaded is None
    assert where(issues) == [("union_tag_invalid", "rules.yaml", 4, "rules[0].then")]
    assert "discount_precent" in issues[0].message


def test_missing_settings() -> None:
    loaded, issues = load(
        settings=None,
        **{
            "rules.yaml": """
            rules:
              - id: a
                description: A
                then: {kind: discount_percent, percent: 10}
            """
        },
    )
    assert loaded is None
    assert [i.code for i in issues] == ["no_settings"]


def test_settings_given_twice() -> None:
    loaded, issues = load(**{"more.yaml": "settings: {name: other}\n"})
    assert loaded is None
    # "more.yaml" sorts before "settings.yaml", so the second block is in settings.yaml
    assert where(issues) == [("duplicate_settings", "settings.yaml", 1, "settings")]


def test_duplicate_rule_id_across_two_files() -> None:
    rule = """
    rules:
      - id: a
        description: A
        then: {kind: discount_percent, percent: 10}
    """
    loaded, issues = load(
        **{"a.yaml": rule, "b.yaml": "# the same again\n" + textwrap.dedent(rule).lstrip("\n")}
    )
    assert loaded is None
    assert where(issues) == [("duplicate_rule", "b.yaml", 3, "rules[0].id")]
    assert "a.yaml, row 2" in issues[0].message


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("foo > 1", "unknown name 'foo'"),
        ("sku ==", "syntax error"),
        ('quantity >= "ten"', "data type mismatch"),
        ("quantity + 1", "must be true or false, is FLOAT"),
    ],
    ids=["unknown-name", "syntax", "wrong-type", "not-boolean"],
)
def test_bad_expression(expression: str, message: str) -> None:
    loaded, issues = load(
        **{
            "rules.yaml": f"""
            rules:
              - id: a
                description: A
                when:
                  expression: '{expression}'
                then: {{kind: discount_percent, percent: 10}}
            """
        }
    )
    assert loaded is None
    assert where(issues) == [("bad_expression", "rules.yaml", 5, "rules[0].when.expression")]
    assert message in issues[0].message


def test_a_line_fact_in_an_order_level_rule() -> None:
    loaded, issues = load(
        **{
            "rules.yaml": """
            rules:
              - id: a
                description: A
                when:
                  expression: 'sku == "A" and quote_total > 100'
                then:
                  kind: order_discount
                  basis: amount
                  tiers: [{threshold: 1, percent: 1}]
            """
        }
    )
    assert loaded is None
    assert where(issues) == [("bad_expression", "rules.yaml", 5, "rules[0].when.expression")]
    assert "'sku' is a line fact" in issues[0].message


def test_an_order_level_rule_cannot_name_skus_or_a_line_quantity() -> None:
    loaded, issues = load(
        **{
            "rules.yaml": """
            rules:
              - id: a
                description: A
                applies_to: {skus: [A]}
                when: {quantity: {min: 5}}
                then:
                  kind: order_discount
                  basis: quantity
                  tiers: [{threshold: 1, percent: 1}]
            """
        }
    )
    assert loaded is None
    assert where(issues) == [("quote_rule_line_condition", "rules.yaml", 5, "rules[0].when")]


@pytest.mark.parametrize(
    ("tiers", "row", "column"),
    [
        (
            [
                "{up_to: 10, price: {EUR: 100}}",
                "{up_to: 20, price: {EUR: 110}}",
                "{price: {EUR: 90}}",
            ],
            8,
            "rules[0].then.tiers[1]",
        ),
        (
            ["{up_to: 10, percent: 10}", "{up_to: 20, percent: 15}", "{percent: 12}"],
            9,
            "rules[0].then.tiers[2]",
        ),
    ],
    ids=["price", "percent"],
)
def test_a_rising_range_schedule(tiers: list[str], row: int, column: str) -> None:
    body = "\n".join(f"        - {t}" for t in tiers)
    loaded, issues = load(
        **{
            "rules.yaml": "rules:\n  - id: a\n    description: A\n    then:\n      kind: volume_range\n"
            f"      tiers:\n{body}\n"
        }
    )
    assert loaded is None
    assert where(issues) == [("rising_schedule", "rules.yaml", row, column)]


def test_a_slab_schedule_may_rise() -> None:
    # graduated tiers price different units: a dearer top tier is a choice, not a mistake
    loaded, issues = load(
        **{
            "rules.yaml": """
            rules:
              - id: a
                description: A
                then:
                  kind: volume_slab
                  tiers:
                    - {up_to: 10, price: {EUR: 100}}
                    - {price: {EUR: 110}}
            """
        }
    )
    assert issues == []
    assert loaded is not None


def test_tiers_out_of_order() -> None:
    loaded, issues = load(
        **{
            "rules.yaml": """
            rules:
              - id: a
                description: A
                then:
                  kind: volume_slab
                  tiers:
                    - {up_to: 50, price: {EUR: 100}}
                    - {up_to: 10, price: {EUR: 90}}
                    - {price: {EUR: 80}}
                    - {price: {EUR: 70}}
            """
        }
    )
    assert loaded is None
    assert where(issues) == [("bad_tiers", "rules.yaml", 6, "rules[0].then.tiers")] * 2
    assert [i.message for i in issues] == [
        "tier 2: up_to 10 must be above the previous 50",
        "tier 3: only the last tier may have no upper bound",
    ]


def test_a_derived_list_cycle() -> None:
    loaded, issues = load(
        **{
            "lists.yaml": """
            price_lists:
              - {code: X, name: X, base: Y, percent: -1}
              - {code: Y, name: Y, base: X, percent: -1}
              - {code: OK, name: OK, base: STD-EUR, percent: -1}
            """
        }
    )
    assert loaded is None
    # each list on the circle is at fault
    assert where(issues) == [
        ("price_list_cycle", "lists.yaml", 2, "price_lists[0].base"),
        ("price_list_cycle", "lists.yaml", 3, "price_lists[1].base"),
    ]
    assert issues[0].message.endswith("X -> Y -> X")


def test_a_list_based_on_a_cycle_is_not_itself_reported_as_a_cycle() -> None:
    loaded, issues = load(
        **{
            "lists.yaml": """
            price_lists:
              - {code: X, name: X, base: Y, percent: -1}
              - {code: Y, name: Y, base: X, percent: -1}
              - {code: Z, name: Z, base: X, percent: -1}
            """
        }
    )
    assert loaded is None
    assert where(issues) == [
        ("price_list_cycle", "lists.yaml", 2, "price_lists[0].base"),
        ("price_list_cycle", "lists.yaml", 3, "price_lists[1].base"),
    ]


def test_every_problem_of_every_file_is_reported_at_once() -> None:
    # given three broken files and no settings
    loaded, issues = load(
        settings=None,
        **{
            "a.yaml": """
            rules:
              - id: a
                description: A
                priorty: 3
                then: {kind: discount_percent, percent: 10}
              - id: b
                description: B
                then: {kind: nope}
            """,
            "b.yaml": """
            rules:
              - id: c
                description: C
                when: {expression: 'foo > 1'}
                then: {kind: discount_percent, percent: 10}
              - id: d
                description: D
                then:
                  kind: volume_range
                  tiers: [{up_to: 5, percent: 10}, {percent: 5}]
            """,
            "c.yaml": "rules: [\n",
        },
    )
    # then
    assert loaded is None
    assert where(issues) == [
        ("extra_forbidden", "a.yaml", 4, "rules[0].priorty"),
        ("union_tag_invalid", "a.yaml", 8, "rules[1].then"),
        ("yaml_syntax", "c.yaml", 2, None),
        ("no_settings", None, None, None),
        ("bad_expression", "b.yaml", 4, "rules[0].when.expression"),
        ("rising_schedule", "b.yaml", 10, "rules[1].then.tiers[1]"),
    ]


def test_a_folder_without_rule_files(tmp_path: Path) -> None:
    loaded, issues = load_rule_set(tmp_path)
    assert loaded is None
    assert [i.code for i in issues] == ["no_rule_files"]


def test_a_folder_of_rule_files(tmp_path: Path) -> None:
    (tmp_path / "settings.yaml").write_text(SETTINGS)
    (tmp_path / "rules.yaml").write_text(
        "rules:\n  - id: a\n    description: A\n    then: {kind: discount_percent, percent: 10}\n"
    )
    (tmp_path / "notes.txt").write_text("not a rule file")
    loaded, issues = load_rule_set(tmp_path)
    assert issues == []
    assert loaded is not None
    assert [r.id for r in loaded.rule_set.rules] == ["a"]


def test_a_bad_rule_does_not_hide_the_problems_of_the_other_rules_in_its_file() -> None:
    # given one invalid rule, one with a bad expression and an ambiguous pair, in one file
    loaded, issues = load(
        **{
            "r.yaml": """
            rules:
              - id: a
                description: A
                then: {kind: discount_percent, percent: 120}
              - id: b
                description: B
                when: {expression: 'quantity >= "ten"'}
                then: {kind: discount_percent, percent: 10}
              - id: c
                description: C
                applies_to: {skus: [X]}
                then: {kind: fixed_price, price: {EUR: 1}}
              - id: d
                description: D
                applies_to: {skus: [X]}
                then: {kind: fixed_price, price: {EUR: 2}}
            """
        }
    )
    # then every one is reported
    assert loaded is None
    assert where(issues) == [
        ("less_than_equal", "r.yaml", 4, "rules[0].then.discount_percent.percent"),
        ("bad_expression", "r.yaml", 7, "rules[1].when.expression"),
        ("ambiguous_rules", "r.yaml", 13, "priority"),
    ]
