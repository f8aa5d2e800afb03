"""The reason of a quote discount, on SQLite and PostgreSQL: the rep gives it with the discount
(API or page), the approver reads it beside the figures, removing the discount removes it, and a
reason for no discount at all is refused, naming the field."""

from __future__ import annotations

import re
from typing import Any

from quotes_world import World, act, create, get, lines, ok, patch, problem, synced_template, world

__all__ = ["synced_template", "world"]

REASON = "Framework agreement renewal, matches the 2025 price"


def test_the_reason_is_kept_with_its_discount_and_shown_to_the_approver(world: World) -> None:
    rita = world.client("rita")
    quote = create(rita, lines=lines(), quote_discount_percent="8", quote_discount_reason=REASON)
    assert (quote["quote_discount_percent"], quote["quote_discount_reason"]) == ("8", REASON)
    (adjustment,) = quote["pricing"]["quote_adjustments"]
    assert adjustment["description"] == f"8% off the quote by the rep ({REASON})"

    submitted = ok(act(rita, quote, "submit"))
    assert submitted["status"] == "pending_approval"
    (approval,) = ok(world.client("maria").get("/v1/approvals"))["items"]
    maria = world.anonymous()  # on her approval page, signed in as a browser is
    ok(maria.post("/v1/sessions", json={"username": "maria", "password": "demo-password-1"}), 201)
    shown = maria.get(f"/approvals/{approval['id']}")
    assert shown.status_code == 200
    figure = re.search(r'<div class="figure-wide" id="quote-discount">(.*?)</div>', shown.text)
    assert figure, shown.text
    assert "8% off the whole quote" in figure.group(1)
    assert f"Reason: “{REASON}”" in figure.group(1)


def test_removing_the_discount_removes_its_reason(world: World) -> None:
    rita = world.client("rita")
    quote = create(rita, lines=lines(), quote_discount_percent="3", quote_discount_reason=REASON)

    removed = ok(patch(rita, quote, quote_discount_percent=None))

    assert (removed["quote_discount_percent"], removed["quote_discount_reason"]) == (None, None)
    assert removed["pricing"]["quote_adjustments"] == []


def _refused(answer: Any) -> str:
    found = problem(answer, 422)
    return str(found["detail"])


def test_a_reason_for_no_discount_is_refused_and_changes_nothing(world: World) -> None:
    rita = world.client("rita")
    plain = create(rita, lines=lines())

    alone = patch(rita, plain, quote_discount_reason=REASON)
    with_removal = patch(
        rita,
        create(rita, lines=lines(), quote_discount_percent="3"),
        quote_discount_percent=None,
        quote_discount_reason="a new one",
    )
    at_creation = rita.post(
        "/v1/quotes", json={"customer": "C-10001", "quote_discount_reason": REASON}
    )

    for answer in (alone, with_removal, at_creation):
        assert "quote_discount_reason: there is no quote discount" in _refused(answer)
    assert get(rita, plain)["etag"] == plain["etag"]
    too_long = patch(rita, plain, quote_discount_percent="3", quote_discount_reason="x" * 501)
    assert problem(too_long, 422)["errors"][0]["field"].endswith("quote_discount_reason")
