"""A line's steps after its list price: the price rule, discounts, price rounding, the rep's manual
price and discount, the margin floor, recurring terms, and the net total (docs/pricing.md)."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from cpq.catalog.issues import error
from cpq.pricing import discounts
from cpq.pricing.charges import STRATEGIES, Outcome
from cpq.pricing.endings import apply_ending, describe_ending
from cpq.pricing.inputs import DiscountKind
from cpq.pricing.line_state import LineState
from cpq.pricing.rounding import to_money
from cpq.pricing.rules import model as M
from cpq.pricing.waterfall import Step
from cpq.pricing.wording import plain

if TYPE_CHECKING:
    from cpq.pricing.engine import Quote

ZERO = Decimal(0)
HUNDRED = Decimal(100)


def price_step(q: Quote, ln: LineState) -> bool:
    """Apply the winning price rule; False when the line waits (percent of total)."""
    primary: M.Rule | None = None  # the strongest rule that does not compete on price
    contenders: list[M.Rule] = []
    for rule, _ in q.applicable(Step.PRICE, ln):
        if not _fits(rule, ln):
            continue
        if rule.combination is M.Combination.BEST_PRICE:
            contenders.append(rule)
        elif primary is None:
            primary = rule
            contenders.insert(0, rule)
    if not contenders:
        if ln.list_price is None:
            _no_price(q, ln)
        return True
    best: tuple[M.Rule, Outcome] | None = None
    for rule in contenders:
        if isinstance(rule.action, M.PercentOfTotal):
            if rule is primary and best is None and len(contenders) == 1:
                ln.of_total = (rule, rule.action)
                return False
            continue
        outcome = STRATEGIES[rule.kind](rule.action, ln, q)
        if outcome.price is None:
            ln.flags.append(f"rule_skipped:{rule.id}")
            continue
        if best is None or outcome.price < best[1].price:  # type: ignore[operator]
            best = (rule, outcome)
    if best is not None:
        rule, outcome = best
        assert outcome.price is not None
        # An option priced by its bundle: its margin is judged on the bundle, not alone.
        ln.priced_by_bundle = isinstance(rule.action, M.BundleComponent)
        q.record(
            ln,
            Step.PRICE,
            rule,
            rule.kind,
            f"{rule.description}: {outcome.explanation}",
            outcome.price,
        )
    elif ln.list_price is None:
        _no_price(q, ln)
    return True


def _no_price(q: Quote, ln: LineState) -> None:
    message = f"no price for {ln.sku} in {q.currency} on {q.day} in any list that applies"
    if ln.unconvertible:
        message += (
            f" (prices in {', '.join(ln.unconvertible)} have no exchange rate to {q.currency}"
            " on or before that day)"
        )
    q.issues.append(error("no_price", message, column=f"{ln.path}.sku"))


def _fits(rule: M.Rule, ln: LineState) -> bool:
    if isinstance(rule.action, M.BundleComponent):
        return ln.parent is not None and (
            not rule.action.parents or ln.parent.sku in rule.action.parents
        )
    return True


def percent_of_total(q: Quote, ln: LineState, lines: list[LineState]) -> None:
    assert ln.of_total is not None
    rule, action = ln.of_total
    scope = action.of
    basis = sum(
        (
            other.amount
            for other in lines
            if other is not ln
            and other.of_total is None
            and scope.contains(other.sku, other.item.groups, other.item.brand)
        ),
        ZERO,
    )
    after = basis * action.percent / HUNDRED
    q.record(
        ln,
        Step.PRICE,
        rule,
        rule.kind,
        f"{rule.description}: {plain(action.percent)}% of {basis} (lines in scope)",
        after,
    )


def finish(q: Quote, ln: LineState) -> None:
    discount_step(q, ln)
    single(q, ln, Step.ROUNDING)
    given = ln.given
    if given.manual_price is not None:
        q.record(
            ln,
            Step.MANUAL_PRICE,
            None,
            "manual_price",
            "price set by the rep",
            given.manual_price,
        )
    if given.manual_discount is not None:
        md = given.manual_discount
        if md.kind is DiscountKind.PERCENT:
            after, why = (
                ln.price * (1 - md.value / HUNDRED),
                f"{plain(md.value)}% off by the rep",
            )
        else:
            after, why = (
                ln.price - md.value,
                f"{plain(md.value)} off per unit by the rep",
            )
        if md.reason:
            why += f" ({md.reason})"
        q.record(
            ln, Step.MANUAL_DISCOUNT, None, f"manual_discount_{md.kind}", why, max(after, ZERO)
        )
    single(q, ln, Step.MARGIN_FLOOR)
    recurring(q, ln)
    ln.net_exact = ln.price
    if q.rules.rounding == "per_line":
        ln.net_total = to_money(ln.price * ln.quantity, q.currency)
    else:
        ln.net_total = ln.price * ln.quantity
    ln.amount = ln.net_total * (ln.term or 1)


def discount_step(q: Quote, ln: LineState) -> None:
    """The strongest exclusive discount alone; else the stacking ones in order, unless a
    best-price one alone gives a lower price (then it applies alone)."""
    ranked = q.applicable(Step.DISCOUNT, ln)
    if not ranked:
        return
    stacking: list[M.Rule] = []
    competing = False
    for rule, _ in ranked:
        if rule.combination is M.Combination.EXCLUSIVE:
            apply_discounts(q, ln, [rule])  # the strongest exclusive one, alone
            return
        if rule.combination is M.Combination.BEST_PRICE:
            competing = True
        else:
            stacking.append(rule)
    if not competing:
        apply_discounts(q, ln, stacking)
        return
    start = ln.price
    stacked = start
    for rule in stacking:
        result = discounts.apply(rule, start, stacked, ln, q)
        stacked = result[0] if result is not None else stacked
    best: tuple[Decimal, M.Rule] | None = None
    for rule, _ in ranked:
        if rule.combination is M.Combination.BEST_PRICE:
            result = discounts.apply(rule, start, start, ln, q)
            if result is not None and result[0] < (best[0] if best else stacked):
                best = (result[0], rule)
    apply_discounts(q, ln, [best[1]] if best is not None else stacking)


def apply_discounts(q: Quote, ln: LineState, rules: list[M.Rule]) -> None:
    start = ln.price
    for rule in rules:
        result = discounts.apply(rule, start, ln.price, ln, q)
        if result is not None:
            after, why = result
            q.record(ln, Step.DISCOUNT, rule, rule.kind, f"{rule.description}: {why}", after)


def single(q: Quote, ln: LineState, step: Step) -> None:
    """Rounding and margin floor: the strongest rule that applies, alone."""
    ranked = q.applicable(step, ln)
    if not ranked:
        return
    rule = ranked[0][0]
    action = rule.action
    if isinstance(action, M.PriceRounding):
        after = apply_ending(ln.price, action.ending)
        why = describe_ending(action.ending)
        if action.surcharge is not None:
            extra = q.money(action.surcharge) * ln.factor
            after += extra
            why += f", plus {plain(extra)}"
        q.record(ln, step, rule, rule.kind, f"{rule.description}: {why}", after)
    elif isinstance(action, M.MarginFloor) and ln.cost is not None and not ln.priced_by_bundle:
        floor = action.percent / HUNDRED
        if ln.price > 0 and (ln.price - ln.cost) / ln.price >= floor:
            return
        if ln.cost == 0 and ln.price >= 0 and floor == 0:
            return
        if action.action == "raise":
            after = ln.cost / (1 - floor)
            q.record(
                ln,
                step,
                rule,
                rule.kind,
                f"{rule.description}: raised to a {plain(action.percent)}% margin",
                after,
            )
        else:
            ln.flags.append(f"below_margin_floor:{rule.id}")


def recurring(q: Quote, ln: LineState) -> None:
    ranked = q.applicable(None, ln)
    if not ranked:
        return
    rule = ranked[0][0]
    assert isinstance(rule.action, M.Recurring)
    ln.recurring = True
    ln.term = ln.given.term_months or q.ctx.term_months or rule.action.term_months
