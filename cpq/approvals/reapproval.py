"""Smart re-approval: whether a level approved for an earlier version of a quote still stands for
the changed quote, so a rep who lowers a discount is not sent back through the chain.

A level stands when every rule that requires it now also required it then, neither judgement was
blind (unjudged), and no fact those rules read got worse since:

- discounts, totals and the line count: higher is worse;
- the margin: lower is worse;
- SKUs and product groups: any new member is worse;
- a text fact (currency, payment terms, customer, segment): any change is worse; a rule that reads
  a quote-currency amount (``total``, ``list_total``) also reads the currency.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from cpq.approvals.conditions import QUOTE_CURRENCY_AMOUNTS
from cpq.approvals.figures import QuoteFigures
from cpq.approvals.policy import LevelRequirement

HIGHER_IS_WORSE = frozenset(
    {
        "total",
        "total_amount",
        "list_total",
        "max_line_discount_percent",
        "total_discount_percent",
        "list_discount_percent",
        "line_count",
    }
)
LOWER_IS_WORSE = frozenset({"margin_percent"})
NEW_MEMBER_IS_WORSE = frozenset({"skus", "groups"})
CHANGE_IS_WORSE = frozenset({"currency", "payment_terms", "customer", "segment"})


def got_worse(fact: str, then: QuoteFigures, now: QuoteFigures) -> bool:
    """Whether ``fact`` moved against the quote from ``then`` to ``now``."""
    before, after = getattr(then, fact), getattr(now, fact)
    if fact in NEW_MEMBER_IS_WORSE:
        return not after <= before
    if fact in CHANGE_IS_WORSE:
        return bool(after != before)
    if before is None or after is None:  # an unknown figure cannot be shown to be no worse
        return not (before is None and after is None)
    assert isinstance(before, Decimal | int) and isinstance(after, Decimal | int)
    if fact in HIGHER_IS_WORSE:
        return after > before
    if fact in LOWER_IS_WORSE:
        return after < before
    raise ValueError(f"no direction known for fact {fact!r}")


def worsened(facts: Iterable[str], then: QuoteFigures, now: QuoteFigures) -> list[str]:
    """The facts among ``facts`` that got worse (with the currency of quote-currency amounts)."""
    read = set(facts)
    if read & QUOTE_CURRENCY_AMOUNTS:
        read.add("currency")
    return sorted(fact for fact in read if got_worse(fact, then, now))


def still_approved(
    then: LevelRequirement,
    figures_then: QuoteFigures,
    now: LevelRequirement,
    figures_now: QuoteFigures,
) -> bool:
    """Whether the approval of ``then`` (given on ``figures_then``) covers ``now``."""
    if then.level.code != now.level.code:
        return False
    earlier = {t.rule_id: t for t in then.triggers}
    for trigger in now.triggers:
        before = earlier.get(trigger.rule_id)
        if trigger.unjudged or before is None or before.unjudged:
            return False
        if worsened(trigger.facts, figures_then, figures_now):
            return False
    return True
