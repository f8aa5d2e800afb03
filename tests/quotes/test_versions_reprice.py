"""Quotes as documents: numbers, terms and their defaults, lines (SKUs and configured bundles),
versions, and prices pinned to the catalog version and rule set until a reprice."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from quotes_world import (
    World,
    act,
    copy_rules,
    create,
    decide,
    get,
    lines,
    ok,
    patch,
    problem,
    put_line,
    to_decide,
)


def _line(quote: dict[str, Any], line_id: str) -> dict[str, Any]:
    (found,) = [ln for ln in quote["pricing"]["lines"] if ln["line_id"] == line_id]
    line: dict[str, Any] = found
    return line


# --- numbers and terms -------------------------------------------------------------------------


def test_numbers_are_sequential_across_owners(world: World) -> None:
    numbers = [create(world.client(u), lines=lines())["number"] for u in ("rita", "raj", "rita")]

    assert numbers == ["Q-000001", "Q-000002", "Q-000003"]


def test_numbers_stay_unique_when_quotes_are_created_at_once(world: World) -> None:
    clients = [world.client(u) for u in ("rita", "raj", "maria", "dan")]
    for client in clients:  # each client's app is built before the race
        client.get("/v1/quotes")

    with ThreadPoolExecutor(max_workers=4) as pool:
        answers = list(
            pool.map(
                lambda n: clients[n % 4].post(
                    "/v1/quotes", json={"customer": "C-10001", "lines": lines()}
                ),
                range(12),
            )
        )

    numbers = sorted(ok(a, 201)["number"] for a in answers)
    assert numbers == [f"Q-{n:06d}" for n in range(1, 13)]


def test_terms_default_from_the_customer_and_today(world: World) -> None:
    rita = world.client("rita")

    uk = create(rita, customer="C-10010", lines=lines())
    eur = create(rita, customer="C-10010", currency="EUR", lines=lines())

    assert uk["currency"] == "GBP"
    assert uk["pricing"]["currency"] == "GBP"
    assert eur["currency"] == "EUR"
    assert uk["valid_until"] == (date.today() + timedelta(days=30)).isoformat()
    assert (uk["status"], uk["version"], uk["versions"]) == ("draft", 1, [1])
    assert uk["owner"]["username"] == "rita"


def test_clearing_a_term_gives_its_default(world: World) -> None:
    """A null in PATCH clears the term: validity from today, no codes (the long contract fuzz
    found valid_until null a 500)."""
    rita = world.client("rita")
    quote = create(rita, lines=lines(), valid_until="2099-01-31", codes=["SPRING"])
    assert (quote["valid_until"], quote["codes"]) == ("2099-01-31", ["SPRING"])

    cleared = ok(patch(rita, quote, valid_until=None, codes=None))

    assert cleared["valid_until"] == (date.today() + timedelta(days=30)).isoformat()
    assert cleared["codes"] == []


def test_a_quote_without_lines_has_no_pricing_yet(world: World) -> None:
    quote = create(world.client("rita"))

    assert (quote["pricing"], quote["total"], quote["figures"]) == (None, None, None)
    found = problem(act(world.client("rita"), quote, "submit"), 422)
    assert "line" in found["detail"]


def test_the_customer_must_be_synced(world: World) -> None:
    rita = world.client("rita")

    found = problem(rita.post("/v1/quotes", json={"customer": "C-99999", "lines": lines()}), 422)

    assert found["field"] == "customer"
    assert "C-99999" in found["detail"]
    assert ok(rita.get("/v1/quotes"))["items"] == []
    quote = create(rita, lines=lines())
    problem(patch(rita, quote, customer="C-99999"), 422)
    assert get(rita, quote)["customer"] == "C-10001"


BAD_TERMS: list[tuple[dict[str, Any], str]] = [
    ({"lines": []}, "currency"),  # no customer, no currency
    ({"customer": "C-10001", "currency": "EURO"}, "currency"),
    ({"customer": "C-10001", "valid_until": "soon"}, "valid_until"),
    ({"customer": "C-10001", "quote_discount_percent": "101"}, "quote_discount_percent"),
    ({"customer": "C-10001", "lines": [{"sku": "GW-E100", "quantity": 0}]}, "quantity"),
    ({"customer": "C-10001", "lines": [{"sku": "NOPE-SKU", "quantity": 1}]}, "NOPE-SKU"),
    ({"customer": "C-10001", "surprise": 1}, "surprise"),
]


def test_bad_terms_are_refused(world: World) -> None:
    rita = world.client("rita")

    for body, field in BAD_TERMS:
        found = problem(rita.post("/v1/quotes", json=body), 422)
        assert field in str(found), found

    assert ok(rita.get("/v1/quotes"))["items"] == []


def test_crm_ids_are_kept_and_changed(world: World) -> None:
    rita = world.client("rita")
    quote = create(rita, lines=lines(), crm_opportunity_id="OPP-7", crm_account_id="ACC-9")

    assert (quote["crm_opportunity_id"], quote["crm_account_id"]) == ("OPP-7", "ACC-9")
    changed = ok(patch(rita, quote, crm_opportunity_id="OPP-8", title="Rheinwerk sensors"))
    assert (changed["crm_opportunity_id"], changed["crm_account_id"]) == ("OPP-8", "ACC-9")
    assert changed["title"] == "Rheinwerk sensors"
    listed = ok(rita.get("/v1/quotes", params={"crm_opportunity_id": "OPP-8"}))["items"]
    assert [q["id"] for q in listed] == [quote["id"]]


# --- lines -------------------------------------------------------------------------------------


def test_lines_get_numbers_and_manual_discounts_price(world: World) -> None:
    rita = world.client("rita")
    quote = create(rita, lines=lines())
    plain = _line(quote, "1")

    added = ok(
        rita.post(
            f"/v1/quotes/{quote['id']}/lines",
            json={"sku": "TS-PT100-100-M", "quantity": 2, "manual_discount": {"percent": "10"}},
            headers={"If-Match": quote["etag"]},
        )
    )

    assert [ln["id"] for ln in added["lines"]] == ["1", "2", "3"]
    third = _line(added, "3")
    assert third["quantity"] == "2"
    # 10% off the rules' price of the same probe: 196.91 less 10% = 177.22 (to the cent).
    assert plain["net_unit_price"] == "196.91"
    assert third["net_unit_price"] == "177.22"
    assert added["figures"]["max_line_discount_percent"] == "10.0000"
    removed = ok(
        rita.delete(f"/v1/quotes/{quote['id']}/lines/2", headers={"If-Match": added["etag"]})
    )
    assert [ln["id"] for ln in removed["lines"]] == ["1", "3"]
    problem(
        rita.delete(f"/v1/quotes/{quote['id']}/lines/2", headers={"If-Match": removed["etag"]}),
        404,
    )
    assert ok(rita.get(f"/v1/quotes/{quote['id']}/lines")) == removed["lines"]


def _configured_line(world: World) -> dict[str, Any]:
    done = ok(
        world.client("rita").post(
            "/v1/configurations/complete",
            json={"bundle": "CAB-CONTROL", "selections": [{"option": "PSU-UPS-CTL"}]},
        )
    )
    line: dict[str, Any] = done["line"]
    return line


def test_a_configured_bundle_is_a_line(world: World) -> None:
    rita = world.client("rita")
    line = {k: v for k, v in _configured_line(world).items() if k != "id"}
    options = {s["option"] for s in line["configuration"]["selections"]}

    quote = create(rita, lines=[line, {"sku": "GW-E100", "quantity": 1}])

    priced = {ln["line_id"] for ln in quote["pricing"]["lines"]}
    assert priced == {"1", "2"} | {f"1/{option}" for option in options}
    assert _line(quote, "1/power/PSU-24-10")["parent_line_id"] == "1"
    assert quote["lines"][0]["configuration"]["bundle"] == "CAB-CONTROL"
    assert "SOL-KIT" in quote["figures"]["groups"]


def test_the_line_of_a_completed_configuration_can_be_quoted_as_it_is(world: World) -> None:
    """/v1/configurations/complete answers a line with an id, as /v1/price takes it; QuoteLineIn
    says an id is optional ("defaults to the next free number"), so one given is kept."""
    rita = world.client("rita")
    line = {**_configured_line(world), "id": "cab"}

    answer = rita.post("/v1/quotes", json={"customer": "C-10001", "lines": [line]})

    quote = ok(answer, 201)
    assert [ln["id"] for ln in quote["lines"]] == ["cab"]


def test_an_invalid_configuration_is_refused(world: World) -> None:
    line = {
        "sku": "KIT-CAB-CTL",
        "quantity": 1,
        "configuration": {"bundle": "CAB-CONTROL", "selections": [{"option": "NOPE"}]},
    }

    problem(
        world.client("rita").post("/v1/quotes", json={"customer": "C-10001", "lines": [line]}), 422
    )

    assert ok(world.client("rita").get("/v1/quotes"))["items"] == []


# --- versions ----------------------------------------------------------------------------------


def test_revise_copies_the_last_version_and_freezes_it(world: World) -> None:
    rita = world.client("rita")
    quote = create(rita, lines=lines(), title="First offer", payment_terms="NET30")
    approved = ok(act(rita, quote, "submit"))
    assert approved["status"] == "approved"

    revised = ok(act(rita, approved, "revise"), 201)

    assert (revised["version"], revised["versions"], revised["status"]) == (2, [1, 2], "draft")
    assert revised["read_only"] is False
    for same in ("lines", "title", "payment_terms", "pricing", "snapshot_hash", "rule_set_digest"):
        assert revised[same] == approved[same], same
    old = ok(rita.get(f"/v1/quotes/{quote['id']}/versions/1"))
    assert (old["version"], old["status"], old["read_only"]) == (1, "approved", True)
    assert old["actions"] == []

    changed = ok(put_line(rita, revised, "2", {"sku": "GW-E100", "quantity": 3}))

    assert changed["version"] == 2
    assert changed["lines"][1]["quantity"] == "3"
    assert ok(rita.get(f"/v1/quotes/{quote['id']}/versions/1")) == {
        **old,
        "etag": changed["etag"],
        "updated_at": changed["updated_at"],
        "versions": [1, 2],
    }
    problem(rita.get(f"/v1/quotes/{quote['id']}/versions/3"), 404)
    # There is no way to address an older version for a change.
    for method in ("PUT", "PATCH", "POST", "DELETE"):
        assert (
            rita.request(
                method,
                f"/v1/quotes/{quote['id']}/versions/1",
                headers={"If-Match": changed["etag"]},
            ).status_code
            == 405
        )


def test_the_version_list_is_visible_to_the_team(world: World) -> None:
    rita = world.client("rita")
    quote = ok(act(rita, create(rita, lines=lines()), "submit"))
    ok(act(rita, quote, "revise"), 201)

    old = ok(world.client("maria").get(f"/v1/quotes/{quote['id']}/versions/1"))

    assert old["read_only"] is True
    problem(world.client("raj").get(f"/v1/quotes/{quote['id']}/versions/1"), 404)


# --- pinned prices and reprice -----------------------------------------------------------------


def _raise_enterprise_discount(rules: Path) -> None:
    """The enterprise frame discount on hardware goes from 3% to 13%."""
    path = rules / "hardware.yaml"
    text = path.read_text()
    old = "when: {segments: [enterprise]}\n    combination: additive\n    then: {kind: discount_percent, percent: 3}"
    assert old in text
    path.write_text(text.replace(old, old.replace("percent: 3}", "percent: 13}")))


def test_prices_are_pinned_and_a_reprice_shows_then_applies_what_moved(
    world: World, tmp_path: Path
) -> None:
    rules = copy_rules(tmp_path)
    world.use_rules(rules)
    rita = world.client("rita")
    quote = create(rita, lines=lines())
    pinned = quote["rule_set_digest"]
    assert quote["pricing"]["catalog_version"] is not None
    assert pinned.startswith(quote["pricing"]["rule_set"].split("@")[1])
    assert _line(quote, "1")["net_unit_price"] == "196.91"  # 203.00 less 3%

    nothing = ok(rita.post(f"/v1/quotes/{quote['id']}/reprice?preview=true"))
    assert (nothing["changed"], nothing["lines"], nothing["applied"]) == (False, [], False)

    _raise_enterprise_discount(rules)
    preview = ok(rita.post(f"/v1/quotes/{quote['id']}/reprice?preview=true"))

    assert (preview["changed"], preview["applied"]) == (True, False)
    moved = {ln["line_id"]: ln for ln in preview["lines"]}
    assert set(moved) == {"1", "2"}  # both are hardware
    assert moved["1"]["net_unit_price"] == {
        "before": "196.91",
        "after": "176.61",
        "delta": "-20.30",
    }
    assert preview["pins"]["rule_set"]["before"] == pinned
    assert preview["pins"]["rule_set"]["after"] != pinned
    assert preview["totals"]["total"]["after"] < preview["totals"]["total"]["before"]
    unchanged = get(rita, quote)
    assert (unchanged["etag"], unchanged["rule_set_digest"]) == (quote["etag"], pinned)

    # An edit before the reprice still prices on the pinned rule set.
    edited = ok(put_line(rita, quote, "1", {"sku": "TS-PT100-100-M", "quantity": 5}))
    assert edited["rule_set_digest"] == pinned
    assert _line(edited, "1")["net_unit_price"] == "196.91"
    assert _line(edited, "1")["net_total"] == "984.55"

    applied = ok(
        rita.post(f"/v1/quotes/{quote['id']}/reprice", headers={"If-Match": edited["etag"]})
    )

    assert (applied["changed"], applied["applied"]) == (True, True)
    after = applied["quote"]
    assert after["rule_set_digest"] == preview["pins"]["rule_set"]["after"]
    assert _line(after, "1")["net_unit_price"] == "176.61"
    assert after["snapshot_hash"] != edited["snapshot_hash"]
    assert get(rita, quote)["etag"] == after["etag"]
    assert ok(rita.post(f"/v1/quotes/{quote['id']}/reprice?preview=true"))["changed"] is False


def test_a_reprice_of_a_quote_waiting_for_approval_takes_it_back_to_draft(
    world: World, tmp_path: Path
) -> None:
    rules = copy_rules(tmp_path)
    world.use_rules(rules)
    rita = world.client("rita")
    quote = create(rita, lines=lines(15))
    pending = ok(act(rita, quote, "submit"))
    _raise_enterprise_discount(rules)

    applied = ok(
        rita.post(f"/v1/quotes/{quote['id']}/reprice", headers={"If-Match": pending["etag"]})
    )

    after = applied["quote"]
    assert after["status"] == "draft"
    assert [a["status"] for a in after["approvals"]] == ["void"]
    assert to_decide(world.client("maria")) == []


def test_a_rule_change_does_not_move_an_approved_quote(world: World, tmp_path: Path) -> None:
    rules = copy_rules(tmp_path)
    world.use_rules(rules)
    rita, maria = world.client("rita"), world.client("maria")
    quote = create(rita, lines=lines(15))
    ok(act(rita, quote, "submit"))
    ok(decide(maria, to_decide(maria, quote)[0]))
    approved = get(rita, quote)

    _raise_enterprise_discount(rules)

    again = get(rita, quote)
    assert again == approved
    assert ok(rita.post(f"/v1/quotes/{quote['id']}/reprice?preview=true"))["changed"] is True
    sent = ok(act(rita, again, "send"))
    assert sent["pricing"] == approved["pricing"]
