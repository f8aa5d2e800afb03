"""Complete a partial configuration: keep every choice, keep as many defaults as possible, add as
few other options as possible (a weighted MaxSAT problem, solved with python-sat's RC2)."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from pysat.examples.rc2 import RC2
from pysat.formula import WCNF

from cpq.configuration.checking import Configuration
from cpq.configuration.choices import Choice, ChoiceKind
from cpq.configuration.cnf import Encoding
from cpq.configuration.model import ConfigModel


def complete(
    model: ConfigModel, enc: Encoding, literals: Sequence[list[int]], choices: Sequence[Choice]
) -> Configuration | None:
    """The best completion of ``choices`` (whose solver literals are ``literals``); None when
    none exists."""
    wcnf = WCNF()
    for clause in (*enc.hard, *(c for _, c in enc.ruled)):
        wcnf.append(clause)
    for lits in literals:
        for lit in lits:
            wcnf.append([lit])
    # Three tiers of wishes, each outweighing everything below it: keep the defaults (of the
    # bundles selected); add no other option and leave each quantity at its default; then move
    # quantities by as few units as possible.
    defaults: list[list[int]] = []
    wishes: list[list[int]] = []
    steps: list[list[int]] = []
    for option in model.options:
        var = enc.option_var[option.index]
        unless = [] if option.parent is None else [-enc.option_var[option.parent]]
        (defaults.append([*unless, var]) if option.default else wishes.append([-var]))
        units = enc.units.get(option.index)
        if units is not None and option.editable:
            d = int(option.default_quantity())
            wishes.append([-var, units[d - 1]])
            steps.extend([-var, u] for u in units[1 : d - 1])
            if d < len(units):
                wishes.append([-units[d]])
                steps.extend([-u] for u in units[d + 1 :])
    for attribute in model.attributes:
        if attribute.default is not None:
            unless = [] if attribute.parent is None else [-enc.option_var[attribute.parent]]
            defaults.append([*unless, enc.value_names[attribute.index][attribute.default]])
    weight = 1
    for tier in (steps, wishes, defaults):
        for clause in tier:
            wcnf.append(clause, weight=weight)
        weight = weight * len(tier) + weight
    with RC2(wcnf, solver="g4") as rc2:
        found = rc2.compute()
    if found is None:
        return None
    return _configuration(model, enc, set(lit for lit in found if lit > 0), choices)


def _configuration(
    model: ConfigModel, enc: Encoding, true: set[int], choices: Sequence[Choice]
) -> Configuration:
    selected = frozenset(o.index for o in model.options if enc.option_var[o.index] in true)
    given = {c.target: c.quantity for c in choices if c.kind is ChoiceKind.SELECT and c.quantity}
    quantities: dict[int, Decimal] = {}
    for option in selected:
        units = enc.units.get(option)
        if units is not None and model.options[option].editable:
            quantities[option] = Decimal(sum(1 for u in units if u in true))
        else:
            quantities[option] = given.get(option) or model.options[option].default_quantity()
    values = {
        a.index: value
        for a in model.attributes
        for value, var in enc.value_names[a.index].items()
        if var in true
    }
    return Configuration(selected, values, quantities)
