"""The approval preview: who must approve and why, and guided discounting (the largest discount
needing no approval, or no more than a lower level), checked by pricing at the guided value and
one hundredth above it."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from fastapi.testclient import TestClient
from quotes_world import World, audit, create, get, lines, ok, patch, problem, put_line

# One probe beside two gateways: a discount on the probe barely moves the quote discount, so
# the line-discount rules (10% manager, 20% director) are the ones that bite.
SMALL_LINE = lines(sensors=1, gateways=2)


def _preview(client: TestClient, quote: dict[str, Any], **params: str) -> dict[str, Any]:
    found: dict[str, Any] = ok(
        client.get(f"/v1/quotes/{quote['id']}/approval-preview", params=params)
    )
    return found


def _levels(preview: dict[str, Any]) -> list[str]:
    return [lv["level"] for lv in preview["levels"]]


def _with_line_discount(client: TestClient, quote: dict[str, Any], percent: Decimal) -> Any:
    line = {"sku": "TS-PT100-100-M", "quantity": 1, "manual_discount": {"percent": str(percent)}}
    return ok(put_line(client, get(client, quote), "1", line))


def test_the_preview_says_who_approves_and_why(world: World) -> None:
    rita = world.client("rita")
    quote = create(rita, lines=lines(25), payment_terms="NET60")

    preview = _preview(rita, quote)

    assert preview["approval_required"] is True
    assert preview["snapshot_hash"] == quote["snapshot_hash"]
    assert preview["figures"] == quote["figures"]
    assert _levels(preview) == ["manager", "director", "finance"]
    who = {lv["level"]: [a["name"] for a in lv["approvers"]] for lv in preview["levels"]}
    assert who == {
        "manager": ["Maria Manager"],
        "director": ["Dan Director"],
        "finance": ["Fiona Finance"],
    }
    why = {lv["level"]: {r["rule_id"] for r in lv["reasons"]} for lv in preview["levels"]}
    assert why == {
        "manager": {"line-discount-over-10", "quote-discount-over-5"},
        "director": {"line-discount-over-20", "quote-discount-over-12"},
        "finance": {"payment-terms-beyond-net30"},
    }
    manager = preview["levels"][0]
    facts = {r["rule_id"]: r["facts"] for r in manager["reasons"]}
    assert facts["line-discount-over-10"] == {"max_line_discount_percent": "25.0000"}
    assert all(not lv["still_stands"] and lv["problem"] is None for lv in preview["levels"])


def test_the_preview_changes_nothing(world: World) -> None:
    rita = world.client("rita")
    quote = create(rita, lines=lines(15))
    events = audit(rita, quote)

    _preview(rita, quote)
    _preview(rita, quote, line_id="1")

    assert get(rita, quote)["etag"] == quote["etag"]
    assert audit(rita, quote) == events


def test_a_list_price_quote_needs_nobody(world: World) -> None:
    preview = _preview(world.client("rita"), create(world.client("rita"), lines=SMALL_LINE))

    assert (preview["approval_required"], preview["levels"]) == (False, [])


def test_the_largest_line_discount_needing_no_approval_is_ten_percent(world: World) -> None:
    rita = world.client("rita")
    quote = create(rita, lines=SMALL_LINE)

    guidance = _preview(rita, quote, line_id="1")["guidance"]

    assert guidance == {"discount": "line", "line_id": "1", "no_approval": "10.00", "within": {}}
    _with_line_discount(rita, quote, Decimal("10.00"))
    assert _levels(_preview(rita, quote)) == []
    _with_line_discount(rita, quote, Decimal("10.01"))
    after = _preview(rita, quote)
    assert _levels(after) == ["manager"]
    assert [r["rule_id"] for r in after["levels"][0]["reasons"]] == ["line-discount-over-10"]


def test_guidance_within_the_manager_when_the_director_is_needed(world: World) -> None:
    rita = world.client("rita")
    quote = create(rita, lines=SMALL_LINE)
    _with_line_discount(rita, quote, Decimal(25))

    guidance = _preview(rita, quote, line_id="1")["guidance"]

    assert (guidance["no_approval"], guidance["within"]) == ("10.00", {"manager": "20.00"})
    _with_line_discount(rita, quote, Decimal("20.00"))
    assert _levels(_preview(rita, quote)) == ["manager"]
    _with_line_discount(rita, quote, Decimal("20.01"))
    assert _levels(_preview(rita, quote)) == ["manager", "director"]


def test_quote_discount_guidance_holds_on_both_sides(world: World) -> None:
    rita = world.client("rita")
    quote = create(rita, lines=SMALL_LINE)

    guidance = _preview(rita, quote)["guidance"]

    assert (guidance["discount"], guidance["line_id"]) == ("quote", None)
    guided = Decimal(guidance["no_approval"])
    # The policy allows 5% off the quote; rounding the discount to cents may take a hundredth.
    assert Decimal("4.95") <= guided <= Decimal(5)
    ok(patch(rita, get(rita, quote), quote_discount_percent=str(guided)))
    assert _levels(_preview(rita, quote)) == []
    ok(patch(rita, get(rita, quote), quote_discount_percent=str(guided + Decimal("0.01"))))
    after = _preview(rita, quote)
    assert _levels(after) == ["manager"]
    assert [r["rule_id"] for r in after["levels"][0]["reasons"]] == ["quote-discount-over-5"]


def test_guidance_when_even_no_discount_needs_approval(world: World) -> None:
    rita = world.client("rita")
    quote = create(rita, lines=SMALL_LINE, payment_terms="NET60")

    guidance = _preview(rita, quote, line_id="1")["guidance"]

    assert guidance["no_approval"] is None


def test_guidance_for_an_unknown_line_or_an_empty_quote(world: World) -> None:
    rita = world.client("rita")
    problem(
        rita.get(f"/v1/quotes/{create(rita, lines=SMALL_LINE)['id']}/approval-preview?line_id=9"),
        404,
    )
    problem(rita.get(f"/v1/quotes/{create(rita)['id']}/approval-preview"), 422)
