"""A brute-force configurator for small models: every complete configuration, rule by rule.

Independent of the engine: no solver (``cnf``, ``oracle``, ``completion``) and no
``checking.violations``. The meaning of each rule is written out again here, from
docs/configuration.md, over the plain data of the flattened model (options, attributes, rules).

A *complete configuration* is a set of selected options (an option of a nested bundle only with
its parent option), one value for each attribute of every active bundle level (none for an
inactive one), and a whole quantity for each selected option a quantity relation counts: any in
its editable range, or its fixed / per-parent-unit quantity. It is *valid* when it breaks no
rule; a rule of a nested bundle only applies when that bundle's option is selected.

With only some rules on (``Brute.find(query, rules=...)``, to test that a reason's rules suffice)
an attribute whose rule is off may take no value or several, as the engine's clauses then allow.

Configurations are stored with their *facts* (``("o", option)`` selected,
``("v", attribute, value)``, ``("q", option, quantity)``) and the bit mask of the rules they
break, so the questions of the tests are set tests over a list.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence, Set
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import product

from cpq.configuration.choices import Choice, ChoiceKind
from cpq.configuration.model import ConfigModel, Rule

Fact = tuple[object, ...]
SELECTION_KINDS = frozenset({"group", "cardinality", "requires", "excludes", "implies"})


def option_fact(option: int) -> Fact:
    return ("o", option)


def value_fact(attribute: int, value: str) -> Fact:
    return ("v", attribute, value)


def quantity_fact(option: int, quantity: int) -> Fact:
    return ("q", option, quantity)


def counted(model: ConfigModel) -> frozenset[int]:
    """The options some quantity relation counts (their quantity matters)."""
    return frozenset(
        o for r in model.rules if r.kind == "quantity" for o in (*r.options, *r.others)
    )


def quantities_of(model: ConfigModel, option: int) -> tuple[Decimal, ...]:
    """Every quantity the option may have: its editable range in whole units, or its one fixed
    (or per-parent-unit) quantity."""
    rule = model.options[option].quantity
    if rule.editable is not None:
        low, high = rule.editable.min, rule.editable.max
        assert low == int(low) and high == int(high), "brute force counts whole units only"
        return tuple(Decimal(n) for n in range(int(low), int(high) + 1))
    fixed = rule.fixed if rule.fixed is not None else rule.per_parent_unit
    assert fixed is not None
    return (fixed,)


def active(model: ConfigModel, parent: int | None, selected: Set[int]) -> bool:
    return parent is None or parent in selected


# -- the rules -----------------------------------------------------------------------------
def holds(
    model: ConfigModel,
    rule: Rule,
    selected: Set[int],
    values: Mapping[int, str],
    quantities: Mapping[int, Decimal],
) -> bool:
    """Whether one rule holds (whether it applies is the caller's business).

    ``compatible`` only fails on a value that is set and not allowed: in a complete
    configuration every active attribute has a value; in a partial one the missing value is the
    attribute rule's failure, not the compatible rule's."""
    kind = rule.kind
    if kind in ("group", "cardinality"):
        count = sum(1 for o in rule.options if o in selected)
        return rule.min <= count and (rule.max is None or count <= rule.max)
    if kind == "attribute":
        assert rule.attribute is not None
        return values.get(rule.attribute) in model.attributes[rule.attribute].values
    if kind == "quantity":

        def total(options: Iterable[int]) -> Decimal:
            return sum((quantities[o] for o in options if o in selected), Decimal(0))

        left = total(rule.options)
        right = rule.factor * total(rule.others) + rule.offset
        return {">=": left >= right, "<=": left <= right, "==": left == right}[rule.op]
    assert rule.subject is not None
    if rule.subject not in selected:
        return True
    if kind == "requires":
        return any(o in selected for o in rule.options)
    if kind == "excludes":
        return not any(o in selected for o in rule.options)
    if kind == "implies":
        return all(o in selected for o in rule.options)
    if kind == "compatible":
        return all(
            values.get(attribute) is None or values[attribute] in allowed
            for attribute, allowed in rule.allowed
        )
    raise AssertionError(f"unknown rule kind {kind}")


def broken(
    model: ConfigModel,
    selected: Set[int],
    values: Mapping[int, str],
    quantities: Mapping[int, Decimal],
) -> set[int]:
    """The rules (indices) a configuration breaks, among the rules that apply to it."""
    return {
        rule.index
        for rule in model.rules
        if active(model, rule.parent, selected)
        and not holds(model, rule, selected, values, quantities)
    }


def structure_problems(
    model: ConfigModel,
    selected: Set[int],
    values: Mapping[int, str],
    quantities: Mapping[int, Decimal],
) -> list[str]:
    """What makes a configuration not one of the configurations enumerated here (other than
    rules): a nested option without its parent, a value for an inactive or unknown attribute
    or not one of its values, a selected option without a quantity it can have."""
    problems = []
    for option in sorted(selected):
        node = model.options[option]
        if not active(model, node.parent, selected):
            problems.append(f"{node.id} selected without its parent option")
        quantity = quantities.get(option)
        rule = node.quantity
        if quantity is None:
            fits = False
        elif rule.editable is not None:
            fits = rule.editable.min <= quantity <= rule.editable.max and (
                option not in counted(model) or quantity == int(quantity)
            )
        else:
            fits = quantity == (rule.fixed if rule.fixed is not None else rule.per_parent_unit)
        if not fits:
            problems.append(f"{node.id} has quantity {quantity}")
    for attribute, value in values.items():
        node = model.attributes[attribute]
        if not active(model, node.parent, selected):
            problems.append(f"{node.id} has a value but its bundle is not selected")
        if value not in node.values:
            problems.append(f"{node.id} = {value} is not one of its values")
    return problems


# -- the whole space -----------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Config:
    selected: frozenset[int]
    values: Mapping[int, str]
    quantities: Mapping[int, Decimal]  # the counted options selected
    facts: frozenset[Fact]
    broken: int  # bit r set: rule r applies and is broken

    @property
    def valid(self) -> bool:
        return self.broken == 0


def selections(model: ConfigModel) -> Iterator[frozenset[int]]:
    """Every set of options where each option of a nested bundle comes with its parent."""
    for node in model.options:
        assert node.parent is None or node.parent < node.index, "parents come first"
    chosen: list[int] = []

    def walk(i: int) -> Iterator[frozenset[int]]:
        if i == len(model.options):
            yield frozenset(chosen)
            return
        yield from walk(i + 1)
        if active(model, model.options[i].parent, chosen):
            chosen.append(i)
            yield from walk(i + 1)
            chosen.pop()

    yield from walk(0)


def _value_sets(model: ConfigModel, attribute: int, relaxed: bool) -> list[frozenset[str]]:
    """The values an active attribute can have: one of them; relaxed (its attribute rule
    switched off), any set of them, none included."""
    values = model.attributes[attribute].values
    if not relaxed:
        return [frozenset({v}) for v in values]
    return [
        frozenset(v for n, v in enumerate(values) if mask >> n & 1)
        for mask in range(1 << len(values))
    ]


@dataclass(frozen=True, slots=True)
class _Ranges:
    """What each active attribute and each selected counted option can take."""

    values: dict[int, list[frozenset[str]]]
    quantities: dict[int, tuple[Decimal, ...]]

    @classmethod
    def of(cls, model: ConfigModel, relaxed: Set[int]) -> _Ranges:
        values = {
            a.index: _value_sets(model, a.index, a.index in relaxed) for a in model.attributes
        }
        quantities = {o: quantities_of(model, o) for o in counted(model)}
        return cls(values, quantities)

    def picks(self, model: ConfigModel, selected: frozenset[int]) -> tuple[list[int], list[int]]:
        """The active attributes and the selected counted options."""
        attributes = [a.index for a in model.attributes if active(model, a.parent, selected)]
        return attributes, sorted(o for o in self.quantities if o in selected)


def size(model: ConfigModel, relaxed: Set[int] = frozenset(), cap: int | None = None) -> int:
    """How many complete configurations the model has (valid or not), with the attributes in
    ``relaxed`` taking any set of values; counting stops past ``cap``."""
    ranges = _Ranges.of(model, relaxed)
    total = 0
    for selected in selections(model):
        attributes, quantified = ranges.picks(model, selected)
        n = 1
        for a in attributes:
            n *= len(ranges.values[a])
        for o in quantified:
            n *= len(ranges.quantities[o])
        total += n
        if cap is not None and total > cap:
            break
    return total


def _holds_in_space(
    model: ConfigModel,
    rule: Rule,
    selected: Set[int],
    values: Mapping[int, frozenset[str]],
    quantities: Mapping[int, Decimal],
) -> bool:
    """``holds`` for the configurations enumerated here, where an attribute whose rule is
    switched off may have no value or several: its rule asks for exactly one, and a compatible
    rule for one of the allowed values among them."""
    if rule.kind == "attribute":
        assert rule.attribute is not None
        return len(values.get(rule.attribute, ())) == 1
    if rule.kind == "compatible":
        assert rule.subject is not None
        return rule.subject not in selected or all(
            values.get(attribute, frozenset()) & set(allowed) for attribute, allowed in rule.allowed
        )
    return holds(model, rule, selected, {}, quantities)


def space(model: ConfigModel, relaxed: Set[int] = frozenset()) -> Iterator[Config]:
    """Every complete configuration, with the rules it breaks; with the attributes in
    ``relaxed`` taking any set of values (their attribute rule then says whether it is one).

    Each rule is checked at the level it depends on: a selection, the values of the
    attributes, then the quantities."""
    ranges = _Ranges.of(model, relaxed)
    for selected in selections(model):
        applying = [r for r in model.rules if active(model, r.parent, selected)]
        selection_mask = 0
        for rule in applying:
            if rule.kind in SELECTION_KINDS and not holds(model, rule, selected, {}, {}):
                selection_mask |= 1 << rule.index
        by_value = [r for r in applying if r.kind in ("attribute", "compatible")]
        by_quantity = [r for r in applying if r.kind == "quantity"]
        attributes, quantified = ranges.picks(model, selected)
        base = frozenset(option_fact(o) for o in selected)
        for picked in product(*(ranges.values[a] for a in attributes)):
            sets = dict(zip(attributes, picked, strict=True))
            values = {a: next(iter(vs)) for a, vs in sets.items() if len(vs) == 1}
            value_mask = selection_mask
            for rule in by_value:
                if not _holds_in_space(model, rule, selected, sets, {}):
                    value_mask |= 1 << rule.index
            value_facts = base | {value_fact(a, v) for a, vs in sets.items() for v in vs}
            for amounts in product(*(ranges.quantities[o] for o in quantified)):
                quantities = dict(zip(quantified, amounts, strict=True))
                mask = value_mask
                for rule in by_quantity:
                    if not holds(model, rule, selected, {}, quantities):
                        mask |= 1 << rule.index
                facts = value_facts | {quantity_fact(o, int(q)) for o, q in quantities.items()}
                yield Config(selected, values, quantities, facts, mask)


# -- questions -----------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Query:
    """Facts a configuration must have and facts it must not have."""

    need: frozenset[Fact] = frozenset()
    avoid: frozenset[Fact] = frozenset()

    def __add__(self, other: Query) -> Query:
        return Query(self.need | other.need, self.avoid | other.avoid)

    def matches(self, config: Config) -> bool:
        return self.need <= config.facts and not (self.avoid & config.facts)


def choice_query(model: ConfigModel, choice: Choice) -> Query:
    """A choice as facts: a selection (with its quantity when the quantity is counted), a
    rejection, an attribute value."""
    if choice.kind is ChoiceKind.VALUE:
        assert choice.value is not None
        return Query(need=frozenset({value_fact(choice.target, choice.value)}))
    if choice.kind is ChoiceKind.REJECT:
        return Query(avoid=frozenset({option_fact(choice.target)}))
    need = {option_fact(choice.target)}
    if choice.quantity is not None and choice.target in counted(model):
        need.add(quantity_fact(choice.target, int(choice.quantity)))
    return Query(need=frozenset(need))


def choices_query(model: ConfigModel, choices: Iterable[Choice]) -> Query:
    query = Query()
    for choice in choices:
        query = query + choice_query(model, choice)
    return query


def with_option(option: int, selected: bool = True) -> Query:
    fact = frozenset({option_fact(option)})
    return Query(need=fact) if selected else Query(avoid=fact)


def with_value(attribute: int, value: str, chosen: bool = True) -> Query:
    fact = frozenset({value_fact(attribute, value)})
    return Query(need=fact) if chosen else Query(avoid=fact)


@dataclass
class Brute:
    """Every complete configuration of a small model, and questions about the valid ones."""

    model: ConfigModel
    limit: int = 20_000  # configurations enumerated with attribute rules switched off, at most
    configs: list[Config] = field(init=False)
    valid: list[Config] = field(init=False)
    _relaxed: dict[frozenset[int], list[Config] | None] = field(init=False)

    def __post_init__(self) -> None:
        self.configs = list(space(self.model))
        self.valid = [c for c in self.configs if c.valid]
        self._relaxed = {frozenset(): self.configs}

    def find(self, query: Query, rules: Iterable[int] | None = None) -> Config | None:
        """A valid configuration that matches ``query``. With ``rules``: one that breaks none of
        those rules, every other rule switched off, as the engine's selector literals do: an
        attribute whose rule is off may then have no value or several."""
        if rules is None:
            return next((c for c in self.valid if query.matches(c)), None)
        mask = 0
        for r in rules:
            mask |= 1 << r
        configs = self.relaxed(rules)
        return next((c for c in configs if not c.broken & mask and query.matches(c)), None)

    def relaxed(self, rules: Iterable[int]) -> list[Config]:
        """The configurations to consider when only ``rules`` are on. Past ``limit`` of them,
        only those where every active attribute has one value: a configuration found there is
        one of the whole space too, but finding none proves less (a weaker test, never a false
        failure)."""
        on = set(rules)
        off = frozenset(
            r.attribute
            for r in self.model.rules
            if r.kind == "attribute" and r.index not in on and r.attribute is not None
        )
        if off not in self._relaxed:
            fits = size(self.model, off, cap=self.limit) <= self.limit
            self._relaxed[off] = list(space(self.model, off)) if fits else None
        found = self._relaxed[off]
        return found if found is not None else self.configs

    def exists(self, query: Query, rules: Iterable[int] | None = None) -> bool:
        return self.find(query, rules) is not None

    def completions(self, query: Query) -> list[Config]:
        return [c for c in self.valid if query.matches(c)]

    def extends(self, choices: Sequence[Choice]) -> list[Config]:
        return self.completions(choices_query(self.model, choices))
