"""A rule set's examples: the request they describe, and every mismatch with exact wording."""

from __future__ import annotations

from datetime import date
from typing import Any

from builders import D, catalog, entry, item, rules

from cpq.catalog.issues import error
from cpq.pricing.engine import PricingEngine
from cpq.pricing.errors import PricingError
from cpq.pricing.examples import check_example, request_of, run_examples
from cpq.pricing.inputs import (
    DiscountKind,
    LineInput,
    ManualDiscount,
    PricingContext,
    PricingRequest,
)
from cpq.pricing.rules.files import Located
from cpq.pricing.rules.schema import ExampleSpec

CATALOG = catalog([item("A"), item("B", groups=("SW",))], [entry("A", "100"), entry("B", "40")])
RULES = rules(
    """
    rules:
      - id: a-ten
        description: Ten off A
        applies_to: {skus: [A]}
        then: {kind: discount_percent, percent: 10}
    """
)


def example(expect: dict[str, Any], **overrides: Any) -> Located:
    spec = {
        "name": "two lines",
        "context": {"currency": "EUR", "date": "2026-03-02"},
        "lines": [{"id": "1", "sku": "A", "quantity": 3}, {"id": "2", "sku": "B", "quantity": 2}],
        "expect": expect,
        **overrides,
    }
    return Located("rules.yaml", 12, ExampleSpec.model_validate(spec))


def priced(located: Located) -> Any:
    return PricingEngine(RULES).price(request_of(located.spec), CATALOG)


def test_an_example_becomes_the_request_it_describes() -> None:
    spec = ExampleSpec.model_validate(
        {
            "name": "everything",
            "context": {
                "currency": "EUR",
                "date": "2026-03-02",
                "customer": "C-1",
                "segment": "smb",
                "territory": "DACH",
                "price_list": "PRT-EUR",
                "codes": ["SPRING", "X"],
                "term_months": 24,
                "quote_discount_percent": 2.5,
            },
            "lines": [
                {
                    "id": "1",
                    "sku": "CAB",
                    "quantity": "1.5",
                    "unit": "box",
                    "manual_price": 80,
                    "term_months": 12,
                    "options": [
                        {
                            "id": "1.1",
                            "sku": "IO",
                            "quantity": 2,
                            "manual_discount": {"percent": 5},
                            "options": [
                                {"id": "1.1.1", "sku": "T", "quantity": 1},
                            ],
                        }
                    ],
                },
                {"id": "2", "sku": "B", "quantity": 4, "manual_discount": {"amount": "1.25"}},
            ],
            "expect": {},
        }
    )

    request = request_of(spec)

    assert request == PricingRequest(
        PricingContext(
            currency="EUR",
            pricing_date=date(2026, 3, 2),
            customer="C-1",
            segment="smb",
            territory="DACH",
            price_list="PRT-EUR",
            codes=frozenset({"SPRING", "X"}),
            term_months=24,
            quote_discount=ManualDiscount(DiscountKind.PERCENT, D("2.5")),
        ),
        (
            LineInput(
                "1",
                "CAB",
                D("1.5"),
                unit="box",
                manual_price=D(80),
                term_months=12,
                options=(
                    LineInput(
                        "1.1",
                        "IO",
                        D(2),
                        manual_discount=ManualDiscount(DiscountKind.PERCENT, D(5)),
                        options=(LineInput("1.1.1", "T", D(1)),),
                    ),
                ),
            ),
            LineInput(
                "2", "B", D(4), manual_discount=ManualDiscount(DiscountKind.AMOUNT, D("1.25"))
            ),
        ),
    )
    assert isinstance(request.lines[0].quantity, type(D(0)))


def test_an_example_whose_figures_match_passes() -> None:
    located = example(
        {
            "lines": {
                "1": {
                    "list_price": 100,  # 100.00 in the quote: compared as numbers
                    "net_unit_price": "90.00",
                    "net_total": 270,
                    "final_amount": 270,
                    "rules": ["a-ten"],
                    "flags": [],
                },
                "2": {"net_total": 80, "rules": []},
            },
            "one_time_total": 350,
            "recurring_monthly_total": 0,
            "recurring_total": 0,
            "total": "350.00",
        }
    )

    assert check_example(located, priced(located)) == []


def test_every_mismatch_names_the_example_the_line_the_field_and_both_figures() -> None:
    located = example(
        {
            "lines": {
                "1": {"net_unit_price": 95, "net_total": 270, "rules": ["a-ten", "other"]},
                "2": {"list_price": "40.00", "flags": ["below_margin_floor:x"]},
                "3": {"net_total": 1},
            },
            "total": 351,
        }
    )

    mismatches = check_example(located, priced(located))

    assert mismatches == [
        "'two lines' (rules.yaml:12): line 1 net_unit_price: expected 95, got 90.00",
        "'two lines' (rules.yaml:12): line 1 rules: expected ['a-ten', 'other'], got ['a-ten']",
        "'two lines' (rules.yaml:12): line 2 flags: expected ['below_margin_floor:x'], got []",
        "'two lines' (rules.yaml:12): line 3: expected in the quote, but there is no such line",
        "'two lines' (rules.yaml:12): total: expected 351, got 350.00",
    ]


def test_an_example_that_cannot_be_priced_fails_with_each_issue() -> None:
    located = example({"total": 1})
    failure = PricingError(
        [
            error("unknown_sku", "no item 'Z' in catalog version 1", column="lines[0].sku"),
            error("unknown_customer", "no customer 'C-9'", column="context.customer"),
        ]
    )

    assert check_example(located, failure) == [
        "'two lines' (rules.yaml:12): pricing failed: column 'lines[0].sku': no item 'Z' in catalog version 1",
        "'two lines' (rules.yaml:12): pricing failed: column 'context.customer': no customer 'C-9'",
    ]


def test_examples_run_against_a_catalog_one_result_each() -> None:
    good = example({"total": 350})
    unknown = example(
        {"total": 1}, name="unknown", lines=[{"id": "1", "sku": "NOPE", "quantity": 1}]
    )

    results = run_examples(PricingEngine(RULES), [good, unknown], CATALOG)

    assert results == [
        (good, []),
        (
            unknown,
            [
                "'unknown' (rules.yaml:12): pricing failed: column 'lines[0].sku': "
                "no item 'NOPE' in catalog version 1"
            ],
        ),
    ]
