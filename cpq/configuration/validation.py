"""Check the product models as configurations when they load: constraints that name what is not
there, a bundle with no valid configuration, an option or attribute value that can never be
chosen, implications that contradict themselves. Each issue names the file and line."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from cpq.catalog.issues import Issue, error
from cpq.catalog.product_models import ProductModel
from cpq.configuration.configurator import Configurator
from cpq.configuration.model import ConfigModel, Source, flatten
from cpq.configuration.oracle import Oracle
from cpq.configuration.wording import describe_rule

IMPLICATIONS = frozenset({"requires", "excludes", "implies"})
Reporter = Callable[[str, str, Source], None]
Place = Callable[[Source], str]


def check_configurations(models: Sequence[ProductModel]) -> list[Issue]:
    """Every bundle, with the bundles nested in it; models already passed ``check_models``."""
    by_code = {m.bundle.code: m for m in models}
    bundles = {code: m.bundle for code, m in by_code.items()}
    issues: dict[tuple[object, ...], Issue] = {}

    def report(code: str, message: str, source: Source) -> None:
        owner = by_code[source[0]]
        issue = error(code, message, **owner.where(*source[1]))
        issues.setdefault((issue.code, issue.file, issue.row, issue.column), issue)

    def place(source: Source) -> str:
        return by_code[source[0]].place(*source[1])

    for model in models:
        flat, problems = flatten(model.bundle.code, bundles)
        for problem in problems:
            report(problem.code, problem.message, problem.source)
        if problems:
            continue
        configurator = Configurator(flat)
        with configurator.pool.oracle() as oracle:
            _check_satisfiable(flat, oracle, report, place)
    return list(issues.values())


def _check_satisfiable(model: ConfigModel, oracle: Oracle, report: Reporter, place: Place) -> None:
    oracle.begin([])
    found = oracle.model([])
    if found is None:
        rules = _rules(model, oracle, place, [])
        report(
            "no_valid_configuration",
            f"bundle {model.code} has no valid configuration: {rules}",
            (model.code, ("code",)),
        )
        return
    possible = {lit for lit in found if lit > 0}
    enc = oracle.enc
    for option in model.options:
        var = enc.option_var[option.index]
        if var in possible:
            continue
        found = oracle.model([var])
        if found is not None:
            possible.update(lit for lit in found if lit > 0)
            continue
        needed = oracle.rules([var])
        kinds = {model.rules[r].kind for r in needed}
        code = "contradictory_implications" if kinds <= IMPLICATIONS else "option_never_selectable"
        report(
            code,
            f"{option.sku} can never be chosen in bundle {model.code}: {_rules(model, oracle, place, [var])}",
            option.source,
        )
    for attribute in model.attributes:
        for value, var in enc.value_names[attribute.index].items():
            if var in possible or oracle.model([var]) is not None:
                continue
            report(
                "value_never_selectable",
                f"{attribute.name} = {value} can never be chosen in bundle {model.code}: "
                f"{_rules(model, oracle, place, [var])}",
                (attribute.source[0], (*attribute.source[1], "values")),
            )


def _rules(model: ConfigModel, oracle: Oracle, place: Place, assumptions: list[int]) -> str:
    needed = oracle.rules(assumptions)
    if not needed:
        return "the option groups leave no room"
    return "; ".join(
        f"{describe_rule(model, model.rules[r])} ({_label(model, r)}, {place(model.rules[r].source)})"
        for r in needed
    )


def _label(model: ConfigModel, rule: int) -> str:
    found = model.rules[rule]
    kind = found.kind if found.kind in ("group", "attribute") else "constraint"
    return f"{kind} {found.id.rsplit('/', 1)[-1]}"
