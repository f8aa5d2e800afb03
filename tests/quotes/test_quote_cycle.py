"""A whole cycle through the API: create, price, preview, submit, approve, send, accept."""

from __future__ import annotations

from quotes_world import World, etag_of

LINES = [{"sku": "TS-PT100-100-M", "quantity": 4}, {"sku": "GW-E100", "quantity": 1}]


def test_full_cycle_with_manager_approval(world: World) -> None:
    rita, maria = world.client("rita"), world.client("maria")
    created = rita.post("/v1/quotes", json={"customer": "C-10001", "lines": LINES})
    assert created.status_code == 201, created.text
    quote = created.json()
    assert quote["status"] == "draft"
    assert quote["number"].startswith("Q-")
    qid = quote["id"]
    changed = rita.put(
        f"/v1/quotes/{qid}/lines/1",
        json={"sku": "TS-PT100-100-M", "quantity": 4, "manual_discount": {"percent": 15}},
        headers={"If-Match": etag_of(created)},
    )
    assert changed.status_code == 200, changed.text
    preview = rita.get(f"/v1/quotes/{qid}/approval-preview")
    assert preview.status_code == 200, preview.text
    submitted = rita.post(f"/v1/quotes/{qid}/submit", headers={"If-Match": etag_of(changed)})
    assert submitted.status_code == 200, submitted.text
    assert submitted.json()["status"] == "pending_approval"
    mine = maria.get("/v1/approvals")
    assert mine.status_code == 200, mine.text
    items = mine.json()["items"]
    assert len(items) == 1, items
    # The facts in front of the approver: whose quote, for whom, how much, and why asked.
    facts = items[0]["quote"]
    assert (facts["number"], facts["owner"]["username"], facts["customer"]) == (
        quote["number"],
        "rita",
        "C-10001",
    )
    assert facts["total"] == changed.json()["total"] and facts["currency"] == "EUR"
    assert [r["rule_id"] for r in items[0]["reasons"]] == [
        "line-discount-over-10",
        "quote-discount-over-5",
    ]
    one = maria.get(f"/v1/approvals/{items[0]['id']}").json()
    assert one["quote"] == facts
    decided = maria.post(f"/v1/approvals/{items[0]['id']}/approve", json={"comment": "ok"})
    assert decided.status_code == 200, decided.text
    again = maria.post(f"/v1/approvals/{items[0]['id']}/approve", json={"comment": "ok"})
    assert again.status_code == 409, again.text
    q = rita.get(f"/v1/quotes/{qid}").json()
    assert q["status"] == "approved"
    assert [(a["approver"]["username"], a["status"]) for a in q["approvals"]] == [
        ("maria", "approved")
    ]
