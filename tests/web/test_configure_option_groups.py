"""The configuration page's option groups as data, without a browser: switches, closed options
and their reasons, options the engine added, quantities typed wrong, a required group left
empty."""

from __future__ import annotations

import yaml

from cpq.catalog.product_models import ModelFile
from cpq.configuration.configurator import Configurator
from cpq.web.configure import selections
from cpq.web.configure.option_groups import ConfigureView, OptionView, build
from cpq.web.configure.option_states import evaluate_all
from cpq.web.configure.reasons import Why

BOX = """
bundles:
  - code: BOX
    name: Box
    sku: KIT-BOX
    attributes:
      - {code: mains, name: Mains, values: ["230", "120"], default: "230"}
    option_groups:
      - code: psu
        name: Power supply
        min: 1
        max: 1
        options:
          - {sku: P1, default: true, quantity: {fixed: 1}}
          - {sku: P2, quantity: {fixed: 1}}
      - code: extras
        name: Extras
        min: 0
        max: 2
        options:
          - {sku: X1, quantity: {editable: {min: 1, max: 4, default: 1}}}
          - {sku: SURGE, quantity: {fixed: 1}}
    constraints:
      - code: p2-brings-x1
        message: P2 needs X1.
        implies: {option: P2, adds: [X1]}
      - code: surge-230
        message: The surge protector is rated 230 V.
        compatible: {option: SURGE, when: {mains: ["230"]}}
"""


class _Form:
    def __init__(self, **fields: list[str]) -> None:
        self.fields = {k.replace("__", "."): v for k, v in fields.items()}

    def getlist(self, key: str) -> list[str]:
        return self.fields.get(key, [])


def _box(form: _Form | None) -> ConfigureView:
    bundle = ModelFile.model_validate(yaml.safe_load(BOX)).bundles[0]
    configurator, problems = Configurator.build("BOX", {"BOX": bundle})
    assert configurator is not None, problems
    model = configurator.model
    picks = selections.form_picks(model, form) if form else selections.default_picks(model)
    was_read = selections.read(model, picks)
    evaluated = evaluate_all(model, was_read.choices, configurator.evaluate)
    return build(model, {"P2": "Power supply 5 A"}, picks, was_read, evaluated, None)


def _by_sku(view: ConfigureView) -> dict[str, OptionView]:
    return {o.sku: o for g in view.groups for o in g.options}


def test_a_pick_in_a_single_choice_group_does_not_close_its_alternatives() -> None:
    view = _box(None)  # the defaults: P1, mains 230

    options = _by_sku(view)
    assert [g.switch for g in view.groups] == [True, False]
    assert options["P1"].checked and not options["P1"].disabled
    assert not options["P2"].checked and not options["P2"].disabled  # a switch, not closed
    assert [(v.value, v.checked, v.disabled) for v in view.attributes[0].values] == [
        ("230", True, False),
        ("120", False, False),
    ]
    assert view.ready and view.problems == ()


def test_a_value_closes_an_option_and_says_why() -> None:
    view = _box(_Form(g__psu=["psu/P1"], a__mains=["120"], count=["1"]))

    surge = _by_sku(view)["SURGE"]
    assert surge.disabled and not surge.checked
    assert surge.why == Why(
        "closed", "The surge protector is rated 230 V.", "You chose Mains: 120."
    )
    assert [(v.value, v.disabled) for v in view.attributes[0].values] == [
        ("230", False),
        ("120", False),
    ]


def test_an_implied_option_is_added_ticked_and_locked_with_its_reason() -> None:
    view = _box(_Form(g__psu=["psu/P2"], a__mains=["230"], count=["2"]))

    x1 = _by_sku(view)["X1"]
    assert x1.checked and x1.disabled
    assert x1.why == Why("added", "P2 needs X1.", "You chose Power supply 5 A.")
    assert view.ready and view.count == "2"


def test_typed_quantities_and_counts_are_checked_at_their_fields() -> None:
    view = _box(
        _Form(g__psu=["psu/P1"], g__extras=["extras/X1", "nope"], q__extras_X1=[], count=["0"])
    )
    assert _by_sku(view)["X1"].quantity == "1"  # just ticked: the default quantity

    view = _box(
        _Form(
            g__psu=["psu/P1"],
            g__extras=["extras/X1"],
            **{"q__extras/X1": ["9"]},
            count=["abc"],
        )
    )
    assert not view.ready
    assert view.errors == {
        "q.extras/X1": "The quantity of X1 is 1 to 4, not 9.",
        "count": "Give how many bundles: a number above 0, at most 6 decimals.",
    }
    assert _by_sku(view)["X1"].quantity == "9"  # kept as typed, to correct it


def test_a_required_group_left_empty_is_a_problem_of_that_group() -> None:
    view = _box(_Form(a__mains=["230"], count=["1"]))

    assert not view.ready
    assert view.groups[0].problem == "Power supply: choose one (none chosen)."
    assert view.problems == ("Power supply: choose one (none chosen).",)
