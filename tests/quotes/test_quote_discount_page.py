"""The quote page's discounts at the service level (cpq/web/discount_preview.py), on SQLite and
PostgreSQL: the approval a typed quote discount would need and the largest needing none, judged
without saving anything; the edit that saves it and the one that removes it; a stale revision
refused by both. The API reads back what the page saved."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest
from quotes_world import World, audit, create, get, lines, synced_template, world

from cpq.errors import PreconditionFailed
from cpq.services import people, quotes
from cpq.services.quotes import Context
from cpq.web import discount_preview

__all__ = ["synced_template", "world"]

# One probe beside two gateways, at list price: nothing needs approval yet.
SMALL_LINE = lines(sensors=1, gateways=2)
QUOTE_RULE = "The rep's discounts take more than 5% off the quote"


def _rita(world: World) -> Context:
    with world.engine.begin() as conn:
        session = people.login(conn, "rita", "demo-password-1", hours=1)
        rita = people.authenticate_session(conn, session.session_secret)
    return Context.of(rita, world.settings)


def _revision(quote: dict[str, Any]) -> int:
    return int(quote["etag"].strip('"'))


def _preview(world: World, quote: dict[str, Any], percent: str) -> discount_preview.DiscountPreview:
    ctx = _rita(world)
    return discount_preview.preview(
        world.engine, ctx, quote["id"], _revision(quote), None, Decimal(percent)
    )


def _save(world: World, quote: dict[str, Any], percent: str | None) -> None:
    change = discount_preview.set_quote_discount(Decimal(percent) if percent else None, None)
    with world.engine.begin() as conn:
        quotes.edit(conn, _rita(world), quote["id"], _revision(quote), change)


def test_a_typed_quote_discount_shows_the_approval_it_needs_and_saves_nothing(
    world: World,
) -> None:
    rita = world.client("rita")
    quote = create(rita, lines=SMALL_LINE)
    guidance = rita.get(f"/v1/quotes/{quote['id']}/approval-preview").json()["guidance"]
    events = audit(rita, quote)

    within = _preview(world, quote, "3")
    beyond = _preview(world, quote, "8")

    # the largest quote discount needing no approval is the API's own guidance
    assert within.no_approval == beyond.no_approval == Decimal(guidance["no_approval"])
    assert (within.discount, within.needs_approval, within.levels) == (Decimal(3), False, ())
    assert (beyond.discount, beyond.levels, beyond.reasons) == (
        Decimal(8),
        ("Sales manager",),
        (QUOTE_RULE,),
    )
    after = get(rita, quote)
    assert (after["etag"], after["quote_discount_percent"]) == (quote["etag"], None)
    assert audit(rita, quote) == events


def test_the_quote_discount_is_saved_and_removed_through_the_edit(world: World) -> None:
    rita = world.client("rita")
    quote = create(rita, lines=SMALL_LINE)
    before = Decimal(quote["total"])

    _save(world, quote, "8")

    saved = get(rita, quote)
    assert Decimal(saved["quote_discount_percent"]) == Decimal(8)
    (adjustment,) = saved["pricing"]["quote_adjustments"]
    off = (before * Decimal("0.08")).quantize(Decimal("0.01"), ROUND_HALF_UP)
    assert (adjustment["kind"], adjustment["description"], Decimal(adjustment["amount"])) == (
        "manual_quote_discount",
        "8% off the quote by the rep",
        -off,
    )
    assert Decimal(saved["total"]) == before - off
    levels = rita.get(f"/v1/quotes/{quote['id']}/approval-preview").json()["levels"]
    assert [lv["level"] for lv in levels] == ["manager"]

    _save(world, saved, None)

    removed = get(rita, quote)
    assert removed["quote_discount_percent"] is None
    assert removed["pricing"]["quote_adjustments"] == []
    assert Decimal(removed["total"]) == before
    assert _revision(removed) == _revision(quote) + 2


def test_a_line_discount_is_still_judged_on_its_line(world: World) -> None:
    quote = create(world.client("rita"), lines=SMALL_LINE)

    found = discount_preview.preview(
        world.engine, _rita(world), quote["id"], _revision(quote), "1", Decimal(15)
    )

    assert (found.levels, found.no_approval) == (("Sales manager",), Decimal("10.00"))


def test_a_stale_revision_is_refused_by_the_preview_and_the_save(world: World) -> None:
    rita = world.client("rita")
    quote = create(rita, lines=SMALL_LINE)
    _save(world, quote, "2")  # the page still shows the revision before this

    with pytest.raises(PreconditionFailed):
        _preview(world, quote, "3")
    with pytest.raises(PreconditionFailed):
        _save(world, quote, "3")
    assert Decimal(get(rita, quote)["quote_discount_percent"]) == Decimal(2)
