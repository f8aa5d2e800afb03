"""Rule conditions as typed expressions (the rule-engine library), compiled once when rules load.

An expression sees the facts below, each with a declared type, so ``quantity >= "ten"`` or an
unknown name fails at load time with the rule's file and line, never while a rep prices a quote.
Numbers are Decimals (rule-engine's FLOAT is ``decimal.Decimal``), never floats.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from operator import itemgetter
from typing import Any

import rule_engine

_S = rule_engine.DataType.STRING
_N = rule_engine.DataType.FLOAT
_STRINGS = rule_engine.DataType.ARRAY(rule_engine.DataType.STRING)  # tuples: hashable

# Facts about the quote; an order-level rule may only use these.
QUOTE_FACTS: Mapping[str, Any] = {
    "customer": _S,
    "segment": _S,
    "territory": _S,
    "currency": _S,
    "date": rule_engine.DataType.DATETIME,  # the quote's pricing date
    "codes": _STRINGS,  # promotion codes given
    "quote_total": _N,  # list price x quantity over all lines, quote currency
    "quote_quantity": _N,  # base units over all lines
}
# Facts about one line, on top of the quote's.
LINE_FACTS: Mapping[str, Any] = {
    **QUOTE_FACTS,
    "sku": _S,
    "product_group": _S,
    "groups": _STRINGS,  # the product group and all its ancestors
    "brand": _S,
    "unit": _S,
    "quantity": _N,  # base units
    "line_amount": _N,  # list price x quantity, quote currency
    "parent_sku": _S,  # the bundle a configured option sits in
    "term_months": _N,  # the line's term, else the quote's; null when neither says
}


class ConditionError(ValueError):
    """An expression that does not compile; the message says why."""


@dataclass(frozen=True, slots=True, eq=False)
class Condition:
    source: str
    symbols: tuple[str, ...]  # the facts it reads, sorted: results are cached on their values
    _rule: Any
    reads_line: bool = field(init=False)  # reads a fact of the line (else judged once a quote)
    key: Callable[[Mapping[str, Any]], Any] = field(init=False)  # the values it reads

    def __post_init__(self) -> None:
        object.__setattr__(self, "reads_line", any(s not in QUOTE_FACTS for s in self.symbols))
        read = itemgetter(*self.symbols) if self.symbols else (lambda facts: ())
        object.__setattr__(self, "key", read)

    def holds(self, facts: Mapping[str, Any]) -> bool:
        """True or false; an expression that compares a missing fact (null) with a number or
        a date does not hold as a whole (write ``term_months != null and ...`` to be explicit)."""
        try:
            return bool(self._rule.matches(facts))
        except rule_engine.errors.EvaluationError:
            return False


def as_datetime(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def compile_condition(source: str, *, quote_level: bool = False) -> Condition:
    facts = QUOTE_FACTS if quote_level else LINE_FACTS
    context = rule_engine.Context(
        type_resolver=rule_engine.type_resolver_from_dict(dict(facts)),
        default_timezone=UTC,
    )
    try:
        rule = rule_engine.Rule(source, context=context)
    except rule_engine.errors.SymbolResolutionError as exc:
        where = "an order-level rule" if quote_level and exc.symbol_name in LINE_FACTS else None
        known = ", ".join(sorted(facts))
        if where:
            raise ConditionError(
                f"{exc.symbol_name!r} is a line fact; {where} can use: {known}"
            ) from None
        raise ConditionError(f"unknown name {exc.symbol_name!r}; known: {known}") from None
    except rule_engine.errors.RuleSyntaxError as exc:
        token = getattr(exc, "token", None)
        at = f" at {token.value!r}" if token is not None and getattr(token, "value", None) else ""
        raise ConditionError(f"syntax error{at}") from None
    except rule_engine.errors.EngineError as exc:
        raise ConditionError(f"{type(exc).__name__}: {exc.message}") from None
    result = rule.statement.expression.result_type
    if result not in (rule_engine.DataType.BOOLEAN, rule_engine.DataType.UNDEFINED):
        raise ConditionError(f"must be true or false, is {result.name}")
    return Condition(source, tuple(sorted(context.symbols)), rule)
