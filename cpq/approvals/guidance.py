"""Guided discounting: the largest discount a rep can give before a quote needs (more) approval.

Each try reprices the quote (``figures_at``), so the search is a bisection over the multiples of
the precision: about log2(upper / precision) + 2 repricings (16 for 0-100% in hundredths).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal

from cpq.approvals.figures import QuoteFigures
from cpq.approvals.policy import LevelRequirement, Policy, required_levels


def _allowed(policy: Policy, figures: QuoteFigures, allowed: Collection[str]) -> bool:
    return all(r.level.code in allowed for r in required_levels(policy, figures))


def largest_discount(
    figures_at: Callable[[Decimal], QuoteFigures],
    policy: Policy,
    allowed: Collection[str],
    *,
    upper: Decimal = Decimal(100),
    precision: Decimal = Decimal("0.01"),
) -> Decimal | None:
    """The largest discount d in [0, upper], a multiple of ``precision``, at which the quote
    (``figures_at(d)``) needs no level outside ``allowed`` (empty: no approval at all); None when
    even no discount needs more.

    Assumes more discount never needs less approval (the levels needed only grow with d), which
    holds for policies whose rules ask for *more* than a threshold of discount or *less* than one
    of margin or total; a rule that triggers on a small discount would break the bisection.
    """
    if precision <= 0 or upper < 0:
        raise ValueError("precision must be positive and upper not negative")
    steps = int((upper / precision).to_integral_value(ROUND_FLOOR))

    def fits(k: int) -> bool:
        return _allowed(policy, figures_at(k * precision), allowed)

    if not fits(0):
        return None
    if fits(steps):
        return steps * precision
    fine, too_much = 0, steps  # fits(fine) and not fits(too_much)
    while too_much - fine > 1:
        middle = (fine + too_much) // 2
        if fits(middle):
            fine = middle
        else:
            too_much = middle
    return fine * precision


@dataclass(frozen=True, slots=True)
class Guidance:
    no_approval: Decimal | None  # the largest discount needing no approval at all
    # level code -> the largest discount needing no level above it in the chain; only for the
    # levels below the highest level the quote needs now
    within: Mapping[str, Decimal | None]


def guidance(
    policy: Policy,
    figures_at: Callable[[Decimal], QuoteFigures],
    required_now: Sequence[LevelRequirement],
) -> Guidance:
    """How far the rep could go with no approval, and within each lower level of the chain.

    Repricings are shared between the searches (the same discount is priced once).
    """
    priced: dict[Decimal, QuoteFigures] = {}

    def cached(discount: Decimal) -> QuoteFigures:
        if discount not in priced:
            priced[discount] = figures_at(discount)
        return priced[discount]

    highest = max((policy.position(r.level.code) for r in required_now), default=-1)
    within: dict[str, Decimal | None] = {}
    for n, level in enumerate(policy.levels[: max(highest, 0)]):
        chain = {lv.code for lv in policy.levels[: n + 1]}
        within[level.code] = largest_discount(cached, policy, chain)
    return Guidance(largest_discount(cached, policy, ()), within)
