"""The configuration engine against a brute-force enumerator (brute.py), on small random models.

Each example is a random bundle (2-4 option groups of 1-4 options, sometimes a nested bundle
under one option or under two options of the same SKU, up to 2 attributes of 2-3 values,
up to 6 constraints of every kind with small quantity relations) and random choices (options
selected, with a quantity or not, or rejected; attribute values), sometimes after other choices
were evaluated on the same configurator. The engine's answers are checked against every complete
configuration of the model (at most ``LIMIT``; bigger models are skipped):

- the checker: ``violations`` names exactly the rules brute force finds broken;
- a valid evaluation, and every completion, breaks no rule and keeps the choices; completion
  finds one exactly when one exists, and the best one (defaults, then other options and
  quantity changes, then units moved);
- ``consistent`` exactly when a valid configuration keeps the choices (and so for each choice
  alone and each prefix of them);
- the state of every option and attribute value, with and without reasons;
- reasons: their choices rule the option out, no smaller set does, their rules suffice;
- with no choices, the closed options and values are those no valid configuration has.

Run with ``CONFIGURATION_EXAMPLES=1000`` for a longer search.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import combinations
from typing import Any

from brute import (
    Brute,
    Config,
    Query,
    broken,
    choices_query,
    counted,
    option_fact,
    quantity_fact,
    size,
    structure_problems,
    value_fact,
    with_option,
    with_value,
)
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from cpq.catalog.product_models import Bundle
from cpq.configuration.checking import Configuration, violations
from cpq.configuration.choices import Choice, ChoiceKind, Selection, read_choices
from cpq.configuration.configurator import Configurator
from cpq.configuration.evaluate import Reason, State
from cpq.configuration.model import ConfigModel

LIMIT = 6_000  # complete configurations brute force goes through, at most
SETTINGS = settings(
    max_examples=int(os.environ.get("CONFIGURATION_EXAMPLES", "60")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)

TOP_SKUS = "ABCDEFGH"
NESTED_SKUS = "PQR"


# -- random models -------------------------------------------------------------------------
@st.composite
def quantity_rules(draw: st.DrawFn) -> dict[str, Any]:
    kind = draw(st.sampled_from(["fixed", "fixed", "per_parent_unit", "editable", "editable"]))
    if kind != "editable":
        return {kind: draw(st.integers(1, 2))}
    low = draw(st.integers(1, 2))
    high = draw(st.integers(low, low + 2))
    return {"editable": {"min": low, "max": high, "default": draw(st.integers(low, high))}}


@st.composite
def constraints(
    draw: st.DrawFn, skus: list[str], attributes: list[dict[str, Any]], code: str
) -> dict[str, Any] | None:
    kinds = []
    if len(skus) >= 2:
        kinds += ["requires", "excludes", "implies", "cardinality", "quantity", "quantity"]
    if attributes:
        kinds.append("compatible")
    if not kinds:
        return None
    kind = draw(st.sampled_from(kinds))
    shuffled = draw(st.permutations(skus))
    if kind in ("requires", "excludes", "implies"):
        others = shuffled[1 : 1 + draw(st.integers(1, min(2, len(skus) - 1)))]
        key = {"requires": "any_of", "excludes": "options", "implies": "adds"}[kind]
        return {"code": code, kind: {"option": shuffled[0], key: others}}
    if kind == "compatible":
        when = {}
        for attribute in draw(st.lists(st.sampled_from(attributes), min_size=1, unique_by=id)):
            values = attribute["values"]
            when[attribute["code"]] = draw(
                st.lists(st.sampled_from(values), min_size=1, max_size=len(values) - 1, unique=True)
            )
        return {"code": code, "compatible": {"option": shuffled[0], "when": when}}
    if kind == "cardinality":
        options = shuffled[: draw(st.integers(2, min(3, len(skus))))]
        low = draw(st.integers(0, len(options)))
        high = draw(st.one_of(st.none(), st.integers(low, len(options))))
        return {"code": code, "cardinality": {"options": options, "min": low, "max": high}}
    cut = draw(st.integers(1, len(skus) - 1))
    relation = {
        "left": shuffled[: min(cut, 2)],
        "op": draw(st.sampled_from([">=", "<=", "=="])),
        "right": shuffled[cut : cut + draw(st.integers(1, 2))],
        "factor": draw(st.sampled_from([1, 1, 2])),
        "offset": draw(st.integers(-3, 3)),
    }
    return {"code": code, "quantity": relation}


@st.composite
def bundle_spec(
    draw: st.DrawFn,
    code: str,
    sku: str,
    letters: str,
    groups: tuple[int, int],
    attributes: tuple[int, int],
    rules: int,
    defaults: int,
) -> dict[str, Any]:
    sizes = draw(st.lists(st.integers(1, 4), min_size=groups[0], max_size=groups[1]))
    option_groups = []
    skus: list[str] = []
    for g, wanted in enumerate(sizes):
        members = list(letters[len(skus) : len(skus) + wanted])
        if not members:
            break
        skus.extend(members)
        low = draw(st.integers(0, min(2, len(members))))
        high = draw(st.integers(max(1, low), len(members) + 1))
        options = []
        for member in members:
            option: dict[str, Any] = {"sku": member, "quantity": draw(quantity_rules())}
            if draw(st.integers(1, defaults)) == 1 and sum("default" in o for o in options) < high:
                option["default"] = True
            options.append(option)
        option_groups.append(
            {"code": f"g{g}", "name": f"Group {g}", "min": low, "max": high, "options": options}
        )
    if len(option_groups) >= 2 and draw(st.integers(0, 3)) == 0:
        _copy_option(draw, option_groups, {"quantity": draw(quantity_rules())})
    refs = [f"{g['code']}/{o['sku']}" for g in option_groups for o in g["options"]]
    attribute_specs = []
    for a in range(draw(st.integers(*attributes))):
        values = [f"v{n}" for n in range(draw(st.integers(2, 3)))]
        spec: dict[str, Any] = {"code": f"{code.lower()}{a}", "name": f"Attr {code}{a}"}
        spec["values"] = values
        default = draw(st.one_of(st.none(), st.sampled_from(values)))
        if default is not None:
            spec["default"] = default
        attribute_specs.append(spec)
    constraint_specs = [
        draw(constraints(refs, attribute_specs, f"c{n}"))
        for n in range(draw(st.integers(0, rules)))
    ]
    return {
        "code": code,
        "name": f"Bundle {code}",
        "sku": sku,
        "option_groups": option_groups,
        "attributes": attribute_specs,
        "constraints": [c for c in constraint_specs if c is not None],
    }


def _copy_option(
    draw: st.DrawFn, option_groups: list[dict[str, Any]], changes: dict[str, Any]
) -> dict[str, Any]:
    """Put an option of one group into another group too (the same SKU twice in the bundle,
    named ``group/SKU``); the copy with ``changes``."""
    source, target = draw(st.permutations(option_groups))[:2]
    option = draw(st.sampled_from(source["options"]))
    if all(o["sku"] != option["sku"] for o in target["options"]):
        target["options"].append({**option, "default": False, **changes})
    return option


@st.composite
def model_specs(draw: st.DrawFn, defaults: int = 4) -> dict[str, dict[str, Any]]:
    """A top bundle T, and sometimes a bundle N nested in it under one option (or under two
    options of the same SKU in two groups)."""
    top = draw(bundle_spec("T", "TOP", TOP_SKUS, (2, 4), (0, 2), 6, defaults))
    if not draw(st.booleans()):
        return {"T": top}
    nested = draw(bundle_spec("N", "", NESTED_SKUS, (1, 2), (0, 1), 3, defaults))
    groups = top["option_groups"]
    if draw(st.integers(0, 2)) == 0:
        option = _copy_option(draw, groups, {"bundle": "N"})
    else:
        option = draw(st.sampled_from(draw(st.sampled_from(groups))["options"]))
    option["bundle"] = "N"
    nested["sku"] = option["sku"]
    return {"T": top, "N": nested}


@dataclass(frozen=True)
class Picks:
    """Choices as the rep sends them: selections, rejections, attribute values."""

    selections: tuple[Selection, ...] = ()
    rejected: tuple[str, ...] = ()
    values: Mapping[str, str] = field(default_factory=dict)

    def read(self, model: ConfigModel) -> list[Choice]:
        choices, issues = read_choices(model, self.selections, self.rejected, self.values)
        assert issues == [], issues
        return choices


@dataclass(frozen=True)
class Case:
    """A model (bundle specs), the choices on it, and choices evaluated before them on the same
    configurator (its solvers are reused from one evaluation to the next)."""

    specs: Mapping[str, Mapping[str, Any]]
    picks: Picks = Picks()
    earlier: Picks | None = None

    def build(self) -> tuple[Configurator, list[Choice]]:
        bundles = {code: Bundle.model_validate(spec) for code, spec in self.specs.items()}
        configurator, problems = Configurator.build("T", bundles)
        assert problems == [], problems
        assert configurator is not None
        return configurator, self.picks.read(configurator.model)


@st.composite
def picks(draw: st.DrawFn, model: ConfigModel) -> Picks:
    """Up to 4 options selected or rejected (with a quantity or not), some attribute values."""
    count = draw(st.integers(0, min(4, len(model.options))))
    order = draw(st.permutations(model.options))
    if draw(st.booleans()):  # often, the options a quantity relation counts first
        order.sort(key=lambda o: o.index not in counted(model))
    picked = order[:count]
    selections, rejected = [], []
    for option in picked:
        if draw(st.booleans()):
            rejected.append(option.id)
            continue
        quantity = None
        editable = option.quantity.editable
        if editable is not None and draw(st.integers(0, 3)) > 0:
            quantity = Decimal(draw(st.integers(int(editable.min), int(editable.max))))
        selections.append(Selection(option.id, quantity))
    values = {}
    for attribute in model.attributes:
        if draw(st.integers(0, 2)) == 0:
            values[attribute.id] = draw(st.sampled_from(attribute.values))
    return Picks(tuple(selections), tuple(rejected), values)


@st.composite
def cases(draw: st.DrawFn, with_choices: bool = True, defaults: int = 4) -> Case:
    """A model and choices; one option in ``defaults`` is a default."""
    specs = draw(model_specs(defaults))
    if not with_choices:
        return Case(specs)
    bundles = {code: Bundle.model_validate(spec) for code, spec in specs.items()}
    configurator, problems = Configurator.build("T", bundles)
    assert configurator is not None, problems
    model = configurator.model
    earlier = draw(st.one_of(st.none(), picks(model)))
    return Case(specs, draw(picks(model)), earlier)


def prepared(case: Case) -> tuple[Configurator, list[Choice], Brute]:
    configurator, choices = case.build()
    assume(size(configurator.model, cap=LIMIT) <= LIMIT)
    if case.earlier is not None:
        earlier = case.earlier.read(configurator.model)
        configurator.evaluate(earlier)
        configurator.complete(earlier)
    return configurator, choices, Brute(configurator.model, limit=LIMIT)


# -- helpers -------------------------------------------------------------------------------
def facts_of(model: ConfigModel, config: Configuration) -> frozenset[tuple[object, ...]]:
    quantified = counted(model)
    return frozenset(
        {option_fact(o) for o in config.selected}
        | {value_fact(a, v) for a, v in config.values.items()}
        | {quantity_fact(o, int(config.quantities[o])) for o in config.selected if o in quantified}
    )


def keeps(model: ConfigModel, config: Configuration, choices: Sequence[Choice]) -> bool:
    query = choices_query(model, choices)
    if not (query.need <= facts_of(model, config) and not query.avoid & facts_of(model, config)):
        return False
    return all(
        config.quantities[c.target] == c.quantity
        for c in choices
        if c.kind is ChoiceKind.SELECT and c.quantity is not None
    )


def missed_defaults(model: ConfigModel, selected: frozenset[int], values: Mapping[int, str]) -> int:
    """Defaults of the selected bundle levels that the configuration does not keep."""
    options = sum(
        1
        for o in model.options
        if o.default and (o.parent is None or o.parent in selected) and o.index not in selected
    )
    attributes = sum(
        1
        for a in model.attributes
        if a.default is not None
        and (a.parent is None or a.parent in selected)
        and values.get(a.index) != a.default
    )
    return options + attributes


def moves(model: ConfigModel, quantities: Mapping[int, Decimal]) -> tuple[int, int]:
    """Counted editable options off their default quantity, and the units beyond the first
    by which they are off."""
    off = [
        abs(int(q) - int(model.options[o].default_quantity()))
        for o, q in quantities.items()
        if o in counted(model) and model.options[o].quantity.editable is not None
    ]
    return sum(1 for d in off if d), sum(d - 1 for d in off if d)


def cost(model: ConfigModel, config: Config | Configuration) -> tuple[int, int, int]:
    """What completion minimises, most important first: defaults not kept; other options
    added and quantities off their default; units a quantity moves beyond the first."""
    off, steps = moves(model, config.quantities)
    others = sum(1 for o in config.selected if not model.options[o].default)
    return missed_defaults(model, config.selected, config.values), others + off, steps


def expected_state(brute: Brute, base: Query, extra_in: Query, extra_out: Query) -> State:
    if not brute.exists(base + extra_in):
        return State.CLOSED
    if not brute.exists(base + extra_out):
        return State.IMPLIED
    return State.SELECTABLE


def check_reason(
    brute: Brute,
    choices: Sequence[Choice],
    reason: Reason | None,
    extra: Query,
    what: str,
    minimum: bool = True,
) -> None:
    """The reason's choices with ``extra`` have no valid configuration; no smaller set of the
    choices has none; the reason's rules alone (the others switched off) rule it out.

    The rules need not be irreducible (docs/configuration.md: they are reduced by unit
    propagation, so a conflict that needs search may keep a rule it could do without)."""
    model = brute.model
    assert reason is not None, f"{what}: no reason"
    chosen = reason.choices
    assert len(set(chosen)) == len(chosen), f"{what}: {reason}"
    assert all(0 <= c < len(choices) for c in chosen), f"{what}: {reason}"
    assert all(0 <= r < len(model.rules) for r in reason.rules), f"{what}: {reason}"
    query = choices_query(model, [choices[c] for c in chosen]) + extra
    found = brute.find(query)
    assert found is None, f"{what}: choices {chosen} do not rule it out: {found}"
    if minimum:
        for k in range(len(chosen)):
            for subset in combinations(range(len(choices)), k):
                smaller = choices_query(model, [choices[c] for c in subset]) + extra
                assert brute.exists(smaller), f"{what}: choices {subset} suffice, not {chosen}"
    found = brute.find(query, rules=reason.rules)
    assert found is None, f"{what}: rules {reason.rules} do not rule it out: {found}"


def describe(config: Config | Configuration | None) -> str:
    if config is None:
        return "none"
    return f"selected={sorted(config.selected)} values={dict(config.values)} quantities={dict(config.quantities)}"


# -- properties ----------------------------------------------------------------------------
@SETTINGS
@given(cases())
def test_valid_evaluations_break_no_rule(case: Case) -> None:
    configurator, choices, brute = prepared(case)
    model = configurator.model
    evaluation = configurator.evaluate(choices)
    config = evaluation.configuration
    found = broken(model, config.selected, config.values, config.quantities)
    # the engine's violations are the rules the brute checker finds broken
    assert {v.rule for v in evaluation.violations if v.rule is not None} == found
    nesting = [
        o
        for o in config.selected
        if (p := model.options[o].parent) is not None and p not in config.selected
    ]
    assert sorted(o for v in evaluation.violations if v.rule is None for o in v.options) == sorted(
        nesting
    )
    if evaluation.valid:
        assert found == set()
        assert structure_problems(model, config.selected, config.values, config.quantities) == []
        assert keeps(model, config, choices)
        assert brute.exists(Query(need=facts_of(model, config))), describe(config)


@SETTINGS
@given(cases(defaults=2))
def test_completions_are_valid_keep_the_choices_and_are_the_best(case: Case) -> None:
    configurator, choices, brute = prepared(case)
    model = brute.model
    completion = configurator.complete(choices)
    extensions = brute.extends(choices)
    assert (completion is None) == (not extensions), describe(completion)
    if completion is None:
        return
    selected, values, quantities = completion.selected, completion.values, completion.quantities
    assert broken(model, selected, values, quantities) == set(), describe(completion)
    assert structure_problems(model, selected, values, quantities) == [], describe(completion)
    assert keeps(model, completion, choices), describe(completion)
    # as many defaults as possible, then as few other options and quantity changes as possible
    best = min(extensions, key=lambda c: cost(model, c))
    assert cost(model, completion) == cost(model, best), f"{describe(completion)}; {describe(best)}"


@SETTINGS
@given(cases())
def test_consistent_exactly_when_some_valid_configuration_keeps_the_choices(case: Case) -> None:
    configurator, choices, brute = prepared(case)
    evaluation = configurator.evaluate(choices)
    extension = brute.find(choices_query(brute.model, choices))
    assert evaluation.consistent == (extension is not None), describe(extension)
    assert (evaluation.conflict is None) == evaluation.consistent
    # and so for every smaller set of the choices: each one alone, each prefix
    smaller = {(c,) for c in range(len(choices))} | {tuple(range(n)) for n in range(len(choices))}
    for subset in sorted(smaller):
        picked = [choices[c] for c in subset]
        extension = brute.find(choices_query(brute.model, picked))
        quick = configurator.evaluate(picked, explain=False)
        assert quick.consistent == (extension is not None), f"{subset}: {describe(extension)}"


@SETTINGS
@given(cases(with_choices=False))
def test_the_checker_agrees_with_brute_force_on_every_configuration(case: Case) -> None:
    """``checking.violations`` (what ``valid`` means to the engine) names exactly the rules
    brute force finds broken, on every complete configuration (a sample of them)."""
    _, _, brute = prepared(case)
    model = brute.model
    step = max(1, len(brute.configs) // 300)
    for config in brute.configs[::step]:
        checked = Configuration(config.selected, config.values, config.quantities)
        found = {v.rule for v in violations(model, checked)}
        expected = {r.index for r in model.rules if config.broken >> r.index & 1}
        assert found == expected, describe(config)


@SETTINGS
@given(cases())
def test_states_match_the_valid_completions(case: Case) -> None:
    configurator, choices, brute = prepared(case)
    model = brute.model
    evaluation = configurator.evaluate(choices)
    # without reasons, the same states
    quick = configurator.evaluate(choices, explain=False)
    assert [(s.option, s.state) for s in quick.options] == [
        (s.option, s.state) for s in evaluation.options
    ]
    assert [(v.attribute, v.value, v.state) for v in quick.values] == [
        (v.attribute, v.value, v.state) for v in evaluation.values
    ]
    assert quick.consistent == evaluation.consistent
    base = choices_query(model, choices)
    decided = {c.target: c.kind for c in choices if c.kind is not ChoiceKind.VALUE}
    for state in evaluation.options:
        kind = decided.get(state.option)
        if kind is ChoiceKind.SELECT:
            assert state.state is State.SELECTED
        elif kind is ChoiceKind.REJECT:
            assert state.state is State.REJECTED
        else:
            x = state.option
            expected = expected_state(brute, base, with_option(x), with_option(x, False))
            assert state.state is expected, f"{model.options[x].id}: {state}"
    chosen = {c.target: c.value for c in choices if c.kind is ChoiceKind.VALUE}
    for value in evaluation.values:
        a, v = value.attribute, value.value
        if a in chosen:
            assert value.state is (State.SELECTED if chosen[a] == v else State.CLOSED)
        else:
            expected = expected_state(brute, base, with_value(a, v), with_value(a, v, False))
            assert value.state is expected, f"{model.attributes[a].id}={v}: {value}"


# Colour is red whatever the rep chooses (A is always selected and only goes with red).
RED_ONLY = {
    "T": {
        "code": "T",
        "name": "T",
        "sku": "TOP",
        "attributes": [{"code": "colour", "name": "Colour", "values": ["red", "blue"]}],
        "option_groups": [
            {
                "code": "g",
                "name": "G",
                "min": 1,
                "max": 1,
                "options": [{"sku": "A", "quantity": {"fixed": 1}}],
            }
        ],
        "constraints": [{"code": "k", "compatible": {"option": "A", "when": {"colour": ["red"]}}}],
    }
}


@SETTINGS
@given(cases())
@example(Case(RED_ONLY, Picks(values={"colour": "red"})))
def test_reasons_are_minimum_and_their_rules_suffice(case: Case) -> None:
    """Every closed or implied option and value (the other values of a chosen attribute too)
    has a reason: the smallest set of choices that rules it out (brute force over every smaller
    set), with rules that suffice to rule it out; a conflict likewise."""
    configurator, choices, brute = prepared(case)
    model = brute.model
    evaluation = configurator.evaluate(choices)
    if not evaluation.consistent:
        check_reason(brute, choices, evaluation.conflict, Query(), "conflict")
        for state in evaluation.options:
            assert state.state in (State.SELECTED, State.REJECTED) or (
                state.state is State.CLOSED and state.reason == evaluation.conflict
            )
        chosen = {c.target for c in choices if c.kind is ChoiceKind.VALUE}
        for value in evaluation.values:
            a, v = value.attribute, value.value
            if value.state is State.SELECTED:
                assert a in chosen
            elif a in chosen:  # the other values of a chosen attribute
                assert value.state is State.CLOSED
                extra = with_value(a, v)
                check_reason(brute, choices, value.reason, extra, f"{a}={v}", minimum=False)
            else:
                assert value.state is State.CLOSED and value.reason == evaluation.conflict
        return
    for state in evaluation.options:
        x = state.option
        name = model.options[x].id
        if state.state is State.CLOSED:
            check_reason(brute, choices, state.reason, with_option(x), f"closed {name}")
        elif state.state is State.IMPLIED:
            check_reason(brute, choices, state.reason, with_option(x, False), f"implied {name}")
        else:
            assert state.reason is None
    for value in evaluation.values:
        a, v = value.attribute, value.value
        name = f"{model.attributes[a].id}={v}"
        if value.state is State.CLOSED:
            check_reason(brute, choices, value.reason, with_value(a, v), f"closed {name}")
        elif value.state is State.IMPLIED:
            check_reason(brute, choices, value.reason, with_value(a, v, False), f"implied {name}")
        else:
            assert value.reason is None


@SETTINGS
@given(cases(with_choices=False))
def test_closed_with_no_choices_means_in_no_valid_configuration(case: Case) -> None:
    configurator, _, brute = prepared(case)
    model = brute.model
    evaluation = configurator.evaluate([])
    closed = {s.option for s in evaluation.options if s.state is State.CLOSED}
    possible = {o for c in brute.valid for o in c.selected}
    assert closed == set(range(len(model.options))) - possible
    closed_values = {(s.attribute, s.value) for s in evaluation.values if s.state is State.CLOSED}
    possible_values = {(a, v) for c in brute.valid for a, v in c.values.items()}
    every_value = {(a.index, v) for a in model.attributes for v in a.values}
    assert closed_values == every_value - possible_values
    assert evaluation.consistent == bool(brute.valid)
    for state in evaluation.options:
        if state.state is State.CLOSED and evaluation.consistent:
            assert state.reason is not None and state.reason.choices == ()


def test_brute_force_counts_the_configurations() -> None:
    """The enumerator itself, on a model small enough to count by hand."""
    case = Case(
        {
            "T": {
                "code": "T",
                "name": "T",
                "sku": "TOP",
                "attributes": [{"code": "c", "name": "Colour", "values": ["red", "blue"]}],
                "option_groups": [
                    {
                        "code": "g",
                        "name": "G",
                        "min": 1,
                        "max": 1,
                        "options": [
                            {"sku": "A", "quantity": {"fixed": 1}},
                            {
                                "sku": "B",
                                "quantity": {"editable": {"min": 1, "max": 3, "default": 1}},
                            },
                        ],
                    }
                ],
                "constraints": [
                    {
                        "code": "q",
                        "quantity": {"left": ["B"], "op": ">=", "right": ["A"], "offset": 2},
                    },
                    {"code": "k", "compatible": {"option": "B", "when": {"c": ["red"]}}},
                ],
            }
        }
    )
    configurator, _ = case.build()
    brute = Brute(configurator.model)
    # options {}, {A}, {B: 1..3}, {A, B: 1..3}, each with 2 colours
    assert size(brute.model) == len(brute.configs) == 2 * (1 + 1 + 3 + 3)
    # valid: exactly one of A, B; B >= A + 2 so only B with 2 or 3, and then red
    assert sorted((sorted(c.selected), sorted(c.quantities.items())) for c in brute.valid) == [
        ([1], [(1, Decimal(2))]),
        ([1], [(1, Decimal(3))]),
    ]
    assert all(c.values == {0: "red"} for c in brute.valid)
    # with the attribute rule off, Colour may have no value or both
    rules = {r.id: r.index for r in brute.model.rules}
    assert size(brute.model, {0}) == 4 * (1 + 1 + 3 + 3)
    b_without_red = with_option(1) + with_value(0, "red", False)
    assert brute.find(b_without_red, rules=[rules["k"]]) is None
    assert brute.find(b_without_red, rules=[rules["q"]]) is not None
    both = with_option(1) + with_value(0, "red") + with_value(0, "blue")
    assert brute.find(both, rules=[rules["k"], rules["q"]]) is not None
    assert brute.find(both, rules=[rules["c"]]) is None
