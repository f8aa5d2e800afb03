"""A policy's examples: neutral figures for what they leave out, and what a failure says."""

from __future__ import annotations

from approval_builders import D, load

from cpq.approvals.examples import figures_of_spec, run_example, run_examples, untested_rules
from cpq.approvals.figures import QuoteFigures
from cpq.approvals.schema import FiguresSpec

RULES = """\
rules:
  - {id: line-10, description: Line over 10%, when: max_line_discount_percent > 10, level: manager}
  - {id: big, description: Big deal, when: total_amount > 100000, level: director}
  - {id: margin, description: Thin margin, when: margin_percent < 25, level: finance}
"""


def test_figures_left_out_are_neutral() -> None:
    assert figures_of_spec(FiguresSpec(), "EUR") == QuoteFigures(
        currency="EUR",
        total=D(0),
        total_amount=D(0),
        list_total=D(0),
        max_line_discount_percent=D(0),
        total_discount_percent=D(0),
        list_discount_percent=D(0),
        margin_percent=D(100),
        payment_terms=None,
        customer=None,
        segment=None,
        skus=frozenset(),
        groups=frozenset(),
        line_count=1,
    )


def test_the_policy_amount_follows_the_total_only_in_the_policy_currency() -> None:
    def spec(**data: object) -> QuoteFigures:
        return figures_of_spec(FiguresSpec.model_validate(data), "EUR")

    assert spec(total=500).total_amount == D(500)
    assert spec(total=500, list_total=800).list_total == D(800)
    assert spec(currency="USD", total=500).total_amount is None
    assert spec(currency="USD", total=500, total_amount=460).total_amount == D(460)
    assert spec(total=500, total_amount=None).total_amount is None
    assert spec(margin_percent=None).margin_percent is None


def test_an_example_passes_or_says_what_differs() -> None:
    policy, examples = load(
        RULES
        + """\
examples:
  - {name: fine, figures: {max_line_discount_percent: 11}, expect: [manager]}
  - {name: unknown margin, figures: {margin_percent: null}, expect: [], triggers: [big]}
"""
    )

    fine, wrong = run_examples(policy, examples)

    assert fine.passed and fine.levels == ("manager",) and fine.triggers == ("line-10",)
    assert not wrong.passed
    assert wrong.mismatches == (
        "levels: expected [], got [finance] (rules that triggered: [margin])",
        "rules: expected [big], got [margin]",
    )
    assert wrong.example.where == "'unknown margin' (approvals.yaml:12)"
    assert untested_rules(policy, [fine, wrong]) == ["big"]
    assert run_example(policy, examples[0]) == fine


def test_expected_levels_are_compared_as_a_set_in_chain_order() -> None:
    policy, (example,) = load(
        RULES
        + """\
examples:
  - {name: all, figures: {max_line_discount_percent: 11, total_amount: 100001, margin_percent: 1},
     expect: [finance, director, manager]}
"""
    )

    assert example.expect == ("manager", "director", "finance")
    assert run_example(policy, example).passed
