"""The demo rule set in pricing_rules/: it loads, uses every rule kind, and its worked examples
(figures worked out by hand in the files' comments) price as written on the demo catalog."""

from __future__ import annotations

from pathlib import Path

import pytest

from cpq.pricing.engine import PricingEngine
from cpq.pricing.examples import run_examples
from cpq.pricing.rules.files import LoadedRules, load_rule_set
from cpq.pricing.rules.model import STEP_OF
from cpq.pricing.snapshot import PricingCatalog
from cpq.services.export_catalog import catalog_from_export
from cpq.settings import REPO_ROOT


@pytest.fixture(scope="module")
def demo() -> tuple[LoadedRules, PricingCatalog]:
    loaded, issues = load_rule_set(REPO_ROOT / "pricing_rules")
    assert loaded is not None, [str(i) for i in issues]
    assert issues == []
    catalog, problems = catalog_from_export(Path(REPO_ROOT / "catalog" / "demo-export"))
    assert catalog is not None, [str(p) for p in problems]
    return loaded, catalog


def test_the_demo_uses_every_rule_kind_and_derived_lists(
    demo: tuple[LoadedRules, PricingCatalog],
) -> None:
    loaded, _ = demo
    kinds = {rule.kind for rule in loaded.rule_set.rules}
    assert kinds == set(STEP_OF)
    assert {r.combination.value for r in loaded.rule_set.rules} >= {
        "exclusive",
        "additive",
        "best_price",
    }
    assert len(loaded.rule_set.derived_lists) == 2


def test_every_demo_example_prices_as_written(demo: tuple[LoadedRules, PricingCatalog]) -> None:
    loaded, catalog = demo
    results = run_examples(PricingEngine(loaded.rule_set), loaded.examples, catalog)
    assert len(results) == 10
    assert [(located.spec.name, problems) for located, problems in results if problems] == []


def test_the_examples_exercise_most_demo_rules(demo: tuple[LoadedRules, PricingCatalog]) -> None:
    """A rule no example reaches is a rule nobody checked."""
    from cpq.pricing.examples import request_of

    loaded, catalog = demo
    engine = PricingEngine(loaded.rule_set)
    applied: set[str] = set()
    for located in loaded.examples:
        quote = engine.price(request_of(located.spec), catalog)
        applied |= {a.rule_id for line in quote.lines for a in line.adjustments if a.rule_id}
        applied |= {f.split(":")[1] for line in quote.lines for f in line.flags}
        applied |= {a.rule_id for a in quote.quote_adjustments if a.rule_id}
        applied |= {"subscriptions-12m" for line in quote.lines if line.recurring}
    unreached = {r.id for r in loaded.rule_set.rules} - applied
    assert unreached == set()
