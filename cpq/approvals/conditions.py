"""Approval rule conditions: typed expressions (the rule-engine library) over a quote's figures,
compiled once when the policy loads, as the pricing rules' conditions are
(cpq/pricing/rules/conditions.py).

Every ``QuoteFigures`` field is a fact with a declared type, so an unknown name, ``total >
"ten"`` or ``segment == 5`` fails at load time with the rule's file and line. Numbers are
Decimals; ``skus`` and ``groups`` are string arrays (``"HW-GW-EDGE" in groups``).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import rule_engine
import rule_engine.ast

from cpq.approvals.figures import QuoteFigures

_S = rule_engine.DataType.STRING
_N = rule_engine.DataType.FLOAT
_STRINGS = rule_engine.DataType.ARRAY(rule_engine.DataType.STRING)

FACTS: Mapping[str, Any] = {
    "currency": _S,  # the quote's
    "total": _N,  # quote currency
    "total_amount": _N,  # the total in the policy currency; null: no exchange rate
    "list_total": _N,  # quote currency
    "max_line_discount_percent": _N,
    "total_discount_percent": _N,
    "list_discount_percent": _N,
    "margin_percent": _N,  # null: a line has no cost
    "payment_terms": _S,  # null: none given
    "customer": _S,
    "segment": _S,
    "skus": _STRINGS,
    "groups": _STRINGS,
    "line_count": _N,
}
# Figures the quote could not work out when null; a rule reading one cannot be judged.
UNKNOWABLE = frozenset(name for name, kind in FACTS.items() if kind == _N)
# Amounts in the quote currency: a rule comparing them means something else in another currency.
QUOTE_CURRENCY_AMOUNTS = frozenset({"total", "list_total"})


class ConditionError(ValueError):
    """An expression that does not compile; the message says why."""


@dataclass(frozen=True, slots=True, eq=False)
class Condition:
    source: str
    symbols: tuple[str, ...]  # the facts it reads, sorted
    _rule: Any

    def evaluate(self, facts: Mapping[str, Any]) -> bool | None:
        """True or false; None when the expression fails on the values (a division by a zero
        line count, a null in arithmetic): the caller treats that as not judged."""
        try:
            return bool(self._rule.matches(facts))
        except rule_engine.errors.EngineError:
            return None


def facts_of(figures: QuoteFigures) -> dict[str, Any]:
    """The figures as the expressions see them: Decimals, tuples for arrays."""
    return {
        "currency": figures.currency,
        "total": figures.total,
        "total_amount": figures.total_amount,
        "list_total": figures.list_total,
        "max_line_discount_percent": figures.max_line_discount_percent,
        "total_discount_percent": figures.total_discount_percent,
        "list_discount_percent": figures.list_discount_percent,
        "margin_percent": figures.margin_percent,
        "payment_terms": figures.payment_terms,
        "customer": figures.customer,
        "segment": figures.segment,
        "skus": tuple(sorted(figures.skus)),
        "groups": tuple(sorted(figures.groups)),
        "line_count": Decimal(figures.line_count),
    }


def json_value(value: Any) -> Any:
    """A fact's value, JSON-safe (Decimals as strings, arrays as lists)."""
    if isinstance(value, Decimal):
        return f"{value:f}"
    if isinstance(value, tuple | frozenset | set | list):
        return sorted(str(v) for v in value)
    return value


def compile_condition(source: str) -> Condition:
    context = rule_engine.Context(type_resolver=rule_engine.type_resolver_from_dict(dict(FACTS)))
    try:
        rule = rule_engine.Rule(source, context=context)
    except rule_engine.errors.SymbolResolutionError as exc:
        known = ", ".join(sorted(FACTS))
        raise ConditionError(f"unknown name {exc.symbol_name!r}; known: {known}") from None
    except rule_engine.errors.RuleSyntaxError as exc:
        token = getattr(exc, "token", None)
        at = f" at {token.value!r}" if token is not None and getattr(token, "value", None) else ""
        raise ConditionError(f"syntax error{at} in {source!r}") from None
    except rule_engine.errors.EngineError as exc:
        raise ConditionError(f"{type(exc).__name__}: {exc.message}") from None
    expression = rule.statement.expression
    result = expression.result_type
    if result not in (rule_engine.DataType.BOOLEAN, rule_engine.DataType.UNDEFINED):
        raise ConditionError(f"must be true or false, is {result.name}")
    problem = next(_mismatches(expression), None)
    if problem is not None:
        raise ConditionError(problem)
    return Condition(source, tuple(sorted(context.symbols)), rule)


def _known(kind: Any) -> bool:
    return kind not in (rule_engine.DataType.UNDEFINED, rule_engine.DataType.NULL)


def _mismatches(node: Any) -> Iterator[str]:
    """Comparisons rule-engine allows but that can never hold: ``segment == 5``, ``5 in skus``.

    (It rejects ``total > "ten"`` by itself; equality and membership it leaves to run time.)
    """
    kinds = rule_engine.DataType
    if isinstance(node, rule_engine.ast.ComparisonExpression):
        left, right = node.left.result_type, node.right.result_type
        if _known(left) and _known(right) and not kinds.is_compatible(left, right):
            yield f"compares {left.name} with {right.name}: it can never hold"
    if isinstance(node, rule_engine.ast.ContainsExpression):
        container, member = node.container.result_type, node.member.result_type
        inner: Any = getattr(container, "value_type", rule_engine.DataType.UNDEFINED)
        if _known(member) and _known(inner) and not kinds.is_compatible(member, inner):
            yield f"looks for a {member.name} in an array of {inner.name}: it can never hold"
    for child in _children(node):
        yield from _mismatches(child)


def _children(node: Any) -> Iterator[Any]:
    names: set[str] = set(getattr(node, "__dict__", {}))
    for cls in type(node).__mro__:
        slots = getattr(cls, "__slots__", ())
        names.update((slots,) if isinstance(slots, str) else slots)
    for name in sorted(names):
        value = getattr(node, name, None)
        if isinstance(value, rule_engine.ast.ExpressionBase):
            yield value
        elif isinstance(value, tuple | list):
            yield from (v for v in value if isinstance(v, rule_engine.ast.ExpressionBase))
