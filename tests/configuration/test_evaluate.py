"""Evaluation and completion on a tiny readable bundle: exact states, reasons and wording."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal

import pytest

from cpq.catalog.product_models import Bundle
from cpq.configuration.choices import Choice, Selection, read_choices
from cpq.configuration.configurator import Configurator
from cpq.configuration.evaluate import Evaluation, Reason, State
from cpq.configuration.wording import describe_choices, describe_rule

# A kit: one power supply (P1 by default), extras, and licences for at least as many users as
# are configured. A brings P2; P2 only runs on 120 V; A and B do not go together.
KIT = {
    "code": "K",
    "name": "Kit",
    "sku": "KIT",
    "attributes": [
        {"code": "voltage", "name": "Voltage", "values": ["230", "120"], "default": "230"}
    ],
    "option_groups": [
        {
            "code": "psu",
            "name": "Power",
            "min": 1,
            "max": 1,
            "options": [
                {"sku": "P1", "default": True, "quantity": {"fixed": 1}},
                {"sku": "P2", "quantity": {"fixed": 1}},
            ],
        },
        {
            "code": "extra",
            "name": "Extras",
            "min": 0,
            "max": 4,
            "options": [
                {"sku": "A", "quantity": {"fixed": 1}},
                {"sku": "B", "quantity": {"fixed": 1}},
                {"sku": "USERS", "quantity": {"editable": {"min": 1, "max": 20, "default": 5}}},
                {"sku": "LIC", "quantity": {"editable": {"min": 1, "max": 30, "default": 5}}},
            ],
        },
    ],
    "constraints": [
        {"code": "a-b", "excludes": {"option": "A", "options": ["B"]}},
        {"code": "a-p2", "implies": {"option": "A", "adds": ["P2"]}},
        {"code": "p2-120", "compatible": {"option": "P2", "when": {"voltage": ["120"]}}},
        {"code": "lic", "quantity": {"left": ["LIC"], "op": ">=", "right": ["USERS"]}},
    ],
}

# A gateway bundle with a nested communication module bundle under option GW.
GATEWAY = {
    "code": "G",
    "name": "Gateway kit",
    "sku": "GKIT",
    "option_groups": [
        {
            "code": "gateway",
            "name": "Gateway",
            "min": 0,
            "max": 1,
            "options": [{"sku": "GW", "quantity": {"fixed": 1}, "bundle": "M"}],
        }
    ],
}
MODULE = {
    "code": "M",
    "name": "Module",
    "sku": "GW",
    "option_groups": [
        {
            "code": "comm",
            "name": "Comms",
            "min": 1,
            "max": 1,
            "options": [
                {"sku": "LTE", "default": True, "quantity": {"fixed": 1}},
                {"sku": "WIFI", "quantity": {"per_parent_unit": 2}},
            ],
        }
    ],
}


@pytest.fixture(scope="module")
def kit() -> Configurator:
    configurator, problems = Configurator.build("K", {"K": Bundle.model_validate(KIT)})
    assert problems == [] and configurator is not None
    return configurator


@pytest.fixture(scope="module")
def gateway() -> Configurator:
    bundles = {"G": Bundle.model_validate(GATEWAY), "M": Bundle.model_validate(MODULE)}
    configurator, problems = Configurator.build("G", bundles)
    assert problems == [] and configurator is not None
    return configurator


def choose(
    configurator: Configurator,
    selected: Sequence[str | tuple[str, int]] = (),
    rejected: Sequence[str] = (),
    values: Mapping[str, str] | None = None,
) -> list[Choice]:
    selections = [
        Selection(s) if isinstance(s, str) else Selection(s[0], Decimal(s[1])) for s in selected
    ]
    choices, issues = read_choices(configurator.model, selections, rejected, values)
    assert issues == []
    return choices


def states(configurator: Configurator, evaluation: Evaluation) -> dict[str, State]:
    model = configurator.model
    found = {model.options[s.option].sku: s.state for s in evaluation.options}
    found |= {f"{model.attributes[v.attribute].id}={v.value}": v.state for v in evaluation.values}
    return found


def why(configurator: Configurator, evaluation: Evaluation, what: str) -> str:
    """The reason for an option (by SKU) or a value ("voltage=120"), in words: the choices,
    then the rules."""
    model = configurator.model
    reason: Reason | None
    if "=" in what:
        code, value = what.split("=")
        attribute = model.attribute_ids[code]
        reason = next(
            v.reason for v in evaluation.values if v.attribute == attribute and v.value == value
        )
    else:
        reason = next(s.reason for s in evaluation.options if model.options[s.option].sku == what)
    assert reason is not None
    chosen = describe_choices(model, [evaluation.choices[c] for c in reason.choices])
    rules = "; ".join(describe_rule(model, model.rules[r]) for r in reason.rules)
    return f"{chosen or 'the model'}: {rules}"


def rule_ids(configurator: Configurator, reason: Reason | None) -> list[str]:
    assert reason is not None
    return [configurator.model.rules[r].id for r in reason.rules]


def test_with_no_choices_every_option_is_open(kit: Configurator) -> None:
    evaluation = kit.evaluate([])
    assert evaluation.consistent and evaluation.conflict is None
    assert set(states(kit, evaluation).values()) == {State.SELECTABLE}
    # nothing is implied, so the configuration is empty: no power supply, no voltage yet
    assert [v.message for v in evaluation.violations] == [
        "Power: exactly 1 selected; 0 selected",
        "choose a value for Voltage",
    ]
    assert not evaluation.valid


def test_an_excludes_closes_the_other_option_because_of_the_choice(kit: Configurator) -> None:
    evaluation = kit.evaluate(choose(kit, ["B"]))
    found = states(kit, evaluation)
    assert found["B"] is State.SELECTED
    assert found["A"] is State.CLOSED
    assert why(kit, evaluation, "A") == "B: A cannot be combined with B"
    assert found["P1"] is found["P2"] is found["USERS"] is found["LIC"] is State.SELECTABLE


def test_an_implies_adds_the_option_and_closes_what_it_cannot_go_with(kit: Configurator) -> None:
    evaluation = kit.evaluate(choose(kit, ["A"]))
    assert states(kit, evaluation) == {
        "P1": State.CLOSED,
        "P2": State.IMPLIED,
        "A": State.SELECTED,
        "B": State.CLOSED,
        "USERS": State.SELECTABLE,
        "LIC": State.SELECTABLE,
        "voltage=230": State.CLOSED,
        "voltage=120": State.IMPLIED,
    }
    assert why(kit, evaluation, "P2") == "A: A brings P2"
    assert why(kit, evaluation, "P1") == "A: Power: exactly 1 selected; A brings P2"
    assert why(kit, evaluation, "voltage=120") == "A: A brings P2; P2 only when Voltage is 120"
    assert why(kit, evaluation, "voltage=230") == (
        "A: Voltage takes exactly one value; A brings P2; P2 only when Voltage is 120"
    )
    # the choice with what it implies is a whole valid configuration
    model = kit.model
    config = evaluation.configuration
    assert sorted(model.options[o].sku for o in config.selected) == ["A", "P2"]
    assert dict(config.values) == {model.attribute_ids["voltage"]: "120"}
    assert evaluation.valid and evaluation.violations == ()


def test_a_compatible_rule_closes_an_option_once_the_value_is_chosen(kit: Configurator) -> None:
    evaluation = kit.evaluate(choose(kit, values={"voltage": "230"}))
    found = states(kit, evaluation)
    assert found["P2"] is State.CLOSED
    assert why(kit, evaluation, "P2") == (
        "Voltage = 230: Voltage takes exactly one value; P2 only when Voltage is 120"
    )
    assert rule_ids(kit, evaluation.options[1].reason) == ["voltage", "p2-120"]
    # A would bring P2: closed by the same choice, one rule further
    assert found["A"] is State.CLOSED
    assert rule_ids(kit, evaluation.options[2].reason) == ["voltage", "a-p2", "p2-120"]
    assert found["P1"] is State.IMPLIED
    assert why(kit, evaluation, "P1") == (
        "Voltage = 230: Power: exactly 1 selected; Voltage takes exactly one value; "
        "P2 only when Voltage is 120"
    )
    assert found["voltage=230"] is State.SELECTED and found["voltage=120"] is State.CLOSED
    assert evaluation.valid  # P1 is implied, so Power has its one option


def test_a_quantity_relation_asks_for_licences_for_every_user(kit: Configurator) -> None:
    choices = choose(kit, ["P1", ("USERS", 12)], values={"voltage": "230"})
    evaluation = kit.evaluate(choices)
    assert evaluation.consistent
    assert states(kit, evaluation)["LIC"] is State.IMPLIED
    assert why(kit, evaluation, "LIC") == "12 x USERS: quantity of LIC ≥ USERS"
    # implied at its default quantity, 5: too few for 12 users
    assert [v.message for v in evaluation.violations] == [
        "quantity of LIC ≥ USERS; LIC is 5, USERS is 12"
    ]
    assert not evaluation.valid
    # completion takes the fewest licences that cover the users
    completed = kit.complete(choices)
    assert completed is not None
    by_sku = {kit.model.options[o].sku: q for o, q in completed.quantities.items()}
    assert by_sku == {"P1": Decimal(1), "USERS": Decimal(12), "LIC": Decimal(12)}
    # with 12 licences chosen as well it is valid as it stands
    evaluation = kit.evaluate(
        choose(kit, ["P1", ("USERS", 12), ("LIC", 12)], values={"voltage": "230"})
    )
    assert evaluation.valid
    # 10 licences do not cover 12 users: both choices are the conflict
    evaluation = kit.evaluate(choose(kit, [("USERS", 12), ("LIC", 10)]))
    assert not evaluation.consistent
    assert evaluation.conflict == Reason((0, 1), evaluation.conflict.rules)
    assert rule_ids(kit, evaluation.conflict) == ["lic"]


def test_two_choices_that_cannot_go_together_are_the_conflict(kit: Configurator) -> None:
    # A needs P2, which needs 120 V; USERS has nothing to do with it
    choices = choose(kit, ["A", ("USERS", 3)], values={"voltage": "230"})
    evaluation = kit.evaluate(choices)
    assert not evaluation.consistent and not evaluation.valid
    conflict = evaluation.conflict
    assert conflict is not None and conflict.choices == (0, 2)
    assert describe_choices(kit.model, [choices[c] for c in conflict.choices]) == (
        "A and Voltage = 230"
    )
    assert rule_ids(kit, conflict) == ["voltage", "a-p2", "p2-120"]
    # every open option is closed by the conflict
    found = states(kit, evaluation)
    assert found["P1"] is found["P2"] is found["B"] is found["LIC"] is State.CLOSED
    assert all(s.reason == conflict for s in evaluation.options if s.state is State.CLOSED)
    assert kit.complete(choices) is None


def test_completion_keeps_the_defaults_and_adds_nothing_else(kit: Configurator) -> None:
    model = kit.model
    completed = kit.complete([])
    assert completed is not None
    assert sorted(model.options[o].sku for o in completed.selected) == ["P1"]
    assert dict(completed.values) == {model.attribute_ids["voltage"]: "230"}
    completed = kit.complete(choose(kit, ["B", "USERS"]))
    assert completed is not None
    assert sorted(model.options[o].sku for o in completed.selected) == ["B", "LIC", "P1", "USERS"]
    by_sku = {model.options[o].sku: q for o, q in completed.quantities.items()}
    assert by_sku["USERS"] == by_sku["LIC"] == Decimal(5)  # both at their default
    # A rules out both defaults (P1 and 230 V): the completion gives them up, nothing more
    completed = kit.complete(choose(kit, ["A"]))
    assert completed is not None
    assert sorted(model.options[o].sku for o in completed.selected) == ["A", "P2"]
    assert dict(completed.values) == {model.attribute_ids["voltage"]: "120"}


def test_an_option_of_a_nested_bundle_comes_with_its_bundle(gateway: Configurator) -> None:
    model = gateway.model
    assert [o.id for o in model.options] == [
        "gateway/GW",
        "gateway/GW/comm/LTE",
        "gateway/GW/comm/WIFI",
    ]
    evaluation = gateway.evaluate(choose(gateway, ["gateway/GW/comm/WIFI"]))
    found = states(gateway, evaluation)
    assert found == {"GW": State.IMPLIED, "LTE": State.CLOSED, "WIFI": State.SELECTED}
    gw = evaluation.options[0].reason
    assert gw is not None and gw.choices == (0,) and gw.rules == ()  # the nesting itself
    assert why(gateway, evaluation, "LTE") == "WIFI: GW > Comms: exactly 1 selected"
    # turning the gateway down closes the module's options: nothing but the nesting says so
    evaluation = gateway.evaluate(choose(gateway, rejected=["GW"]))
    for state in evaluation.options[1:]:
        assert state.state is State.CLOSED and state.reason == Reason((0,), ())
    # the module's group only applies when the gateway is there
    assert gateway.evaluate([]).valid
    completed = gateway.complete(choose(gateway, ["GW"]))
    assert completed is not None
    assert sorted(model.options[o].sku for o in completed.selected) == ["GW", "LTE"]
