"""The configuration page's option groups as data, without a browser: switches, closed options
and their reasons, options the engine added, quantities typed wrong, a required group left
empty; each group folded to what is chosen in it, what it adds and what is to fix, unfolded
when the rep just changed it or something in it is to fix."""

from __future__ import annotations

from decimal import Decimal

import yaml

from cpq.catalog.product_models import ModelFile
from cpq.configuration.configurator import Configurator
from cpq.web.configure import selections
from cpq.web.configure.option_groups import ConfigureView, GroupView, OptionView, build
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


RACK = """
bundles:
  - code: RACK
    name: Rack
    sku: KIT-RACK
    option_groups:
      - code: controller
        name: Controller
        min: 1
        max: 1
        options:
          - {sku: KIT-CTRL, bundle: CTRL, default: true, quantity: {fixed: 1}}
      - code: io
        name: IO modules
        min: 0
        max: 2
        options:
          - {sku: IO-A, quantity: {editable: {min: 1, max: 8, default: 1}}}
          - {sku: IO-B, quantity: {editable: {min: 1, max: 8, default: 1}}}
      - code: software
        name: Software
        min: 0
        max: 1
        options:
          - {sku: SW-LOG, quantity: {editable: {min: 1, max: 8, default: 1}}}
    constraints:
      - code: a-module-per-log
        message: Every logger reads its own IO module.
        quantity: {left: [IO-A, IO-B], op: ">=", right: [SW-LOG]}
  - code: CTRL
    name: Controller
    sku: KIT-CTRL
    option_groups:
      - code: cpu
        name: CPU
        min: 1
        max: 1
        options:
          - {sku: CPU-1, quantity: {fixed: 1}}
          - {sku: CPU-2, quantity: {fixed: 1}}
"""


class _Form:
    def __init__(self, **fields: list[str]) -> None:
        self.fields = {k.replace("__", "."): v for k, v in fields.items()}

    def getlist(self, key: str) -> list[str]:
        return self.fields.get(key, [])


NAMES = {"P2": "Power supply 5 A", "KIT-CTRL": "Controller unit", "CPU-1": "CPU one"}


def _box(form: _Form | None) -> ConfigureView:
    return _view(BOX, form)


def _view(
    yaml_text: str, form: _Form | None, priced: dict[str, object] | None = None
) -> ConfigureView:
    bundles = {b.code: b for b in ModelFile.model_validate(yaml.safe_load(yaml_text)).bundles}
    configurator, problems = Configurator.build(next(iter(bundles)), bundles)
    assert configurator is not None, problems
    model = configurator.model
    picks = selections.form_picks(model, form) if form else selections.default_picks(model)
    was_read = selections.read(model, picks)
    evaluated = evaluate_all(model, was_read.choices, configurator.evaluate)
    changed = selections.changed(model, picks, form)
    return build(model, NAMES, picks, was_read, evaluated, priced, changed)


def _group(view: ConfigureView, name: str) -> GroupView:
    found = [g for g in _all_groups(view.groups) if g.name == name]
    assert len(found) == 1, [g.name for g in _all_groups(view.groups)]
    return found[0]


def _all_groups(groups: tuple[GroupView, ...]) -> list[GroupView]:
    return [
        x for g in groups for x in (g, *_all_groups(tuple(s for o in g.options for s in o.groups)))
    ]


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
    assert view.groups[0].to_fix == ("Power supply: choose one (none chosen).",)
    assert view.groups[0].open  # a problem is never folded away
    assert view.groups[0].chosen == ""
    assert view.problems == ("Power supply: choose one (none chosen).",)
    assert view.groups[1].to_fix == () and not view.groups[1].open


# --- folded groups ------------------------------------------------------------------------------


def test_the_defaults_fold_every_group_to_what_is_chosen_and_what_it_adds() -> None:
    priced = {
        "lines": [
            {"line_id": "1", "final_amount": "10.00"},
            {"line_id": "1/psu/P1", "final_amount": "25.50"},
        ],
        "totals": {"total": "35.50", "one_time_total": "35.50", "recurring_monthly_total": "0"},
    }
    view = _view(BOX, None, priced)

    psu, extras = view.groups
    assert (psu.chosen, psu.adds, psu.to_fix, psu.open) == (
        "1 \N{MULTIPLICATION SIGN} P1",
        Decimal("25.50"),
        (),
        False,
    )
    assert (extras.chosen, extras.adds, extras.open) == ("", None, False)  # nothing: adds nothing
    mains = view.attributes[0]
    assert (mains.chosen, mains.to_fix, mains.open) == ("230", (), False)


def test_the_group_the_rep_just_changed_stays_unfolded_and_no_other() -> None:
    as_shown = {"shown__g__psu": ["psu/P1="], "shown__g__extras": [""], "shown__a__mains": ["230"]}

    view = _box(_Form(g__psu=["psu/P1"], g__extras=["extras/SURGE"], a__mains=["230"], **as_shown))
    assert [g.open for g in view.groups] == [False, True]
    assert not view.attributes[0].open
    assert view.groups[1].chosen == "1 \N{MULTIPLICATION SIGN} SURGE"
    assert view.groups[1].shown == "extras/SURGE="  # sent back with the next change

    unchanged = _box(_Form(g__psu=["psu/P1"], a__mains=["230"], **as_shown))
    assert [g.open for g in unchanged.groups] == [False, False]
    assert not unchanged.attributes[0].open

    retyped = {**as_shown, "shown__g__extras": ["extras/X1=1"]}
    view = _box(
        _Form(
            g__psu=["psu/P1"],
            g__extras=["extras/X1"],
            **{"q__extras/X1": ["3"]},
            a__mains=["230"],
            **retyped,
        )
    )
    assert [g.open for g in view.groups] == [False, True]  # a quantity is a change too


def test_a_broken_rule_is_to_fix_at_every_group_it_names() -> None:
    view = _view(
        RACK,
        _Form(
            g__controller=["controller/KIT-CTRL"],
            **{"g__controller/KIT-CTRL/cpu": ["controller/KIT-CTRL/cpu/CPU-1"]},
            g__software=["software/SW-LOG"],
        ),
    )

    message = view.problems[0]
    assert message.startswith("Every logger reads its own IO module.")
    assert len(view.problems) == 1
    assert _group(view, "IO modules").to_fix == (message,)
    assert _group(view, "Software").to_fix == (message,)
    assert _group(view, "IO modules").open and _group(view, "Software").open
    assert _group(view, "Controller").to_fix == () and not _group(view, "Controller").open


def test_a_problem_inside_a_nested_bundle_shows_on_the_group_that_holds_it() -> None:
    view = _view(RACK, None)  # the defaults: the controller bundle, no CPU chosen

    cpu = _group(view, "CPU")
    controller = _group(view, "Controller")
    assert cpu.to_fix == ("CPU: choose one (none chosen).",) and cpu.open
    assert controller.to_fix == cpu.to_fix  # folded, it would still say so
    assert controller.open  # and it opens to show the group inside
    assert controller.chosen == "1 \N{MULTIPLICATION SIGN} Controller unit"


def test_a_quantity_typed_wrong_and_a_conflict_are_to_fix_at_their_groups() -> None:
    view = _box(
        _Form(
            g__psu=["psu/P1"], g__extras=["extras/X1"], **{"q__extras/X1": ["9"]}, a__mains=["230"]
        )
    )
    assert view.groups[1].to_fix == ("The quantity of X1 is 1 to 4, not 9.",)
    assert view.groups[1].open

    clash = _box(_Form(g__psu=["psu/P1"], g__extras=["extras/SURGE"], a__mains=["120"]))
    assert clash.problems[0].startswith("These choices cannot go together.")
    broken = "The surge protector is rated 230 V. Mains is 120."
    assert clash.problems[1:] == (broken,)
    assert clash.groups[1].to_fix == ("SURGE cannot go together with your other choices.", broken)
    assert clash.attributes[0].to_fix == ("120 cannot go together with your other choices.", broken)
    assert clash.groups[1].open and clash.attributes[0].open
    assert not clash.groups[0].open
