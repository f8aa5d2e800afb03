"""Concurrent requests against a real ``cpq serve``: several worker processes on PostgreSQL (one
on SQLite), many requests released together by a barrier, each on its own connection.

What must hold whatever the interleaving: quote numbers are distinct and gap-free; of several
decisions on one approval exactly one wins; of several edits made on the same ETag exactly one
wins and its content is what stays; an approval never stands for content it did not see; one
Idempotency-Key makes one quote; a chain is approved once; and the outbox has exactly one
event per state change (none for the requests that lost).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from functools import partial
from typing import Any

import httpx
import pytest
from databases import fresh_database
from quote_server import QuoteServer, prepare, serving, together, workers
from sqlalchemy import Engine, text

pytestmark = pytest.mark.slow

CUSTOMER = "C-10001"
SENSOR = "TS-PT100-100-M"
GATEWAY = "GW-E100"
READER = "ada"  # an admin sees every quote
ROUNDS = 4  # races repeated on fresh quotes: one interleaving proves little


@pytest.fixture(scope="module")
def server(template_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[QuoteServer]:
    folder = tmp_path_factory.mktemp("quote-concurrency")
    with fresh_database(template_url, folder) as url:
        tokens = prepare(url)
        with serving(url, tokens, workers()) as running:
            # maria lets dan decide her approvals: two people may decide the same approval
            today = datetime.now(UTC).date()
            with running.client("maria") as maria:
                delegated = maria.post(
                    "/v1/delegations",
                    json={
                        "delegate": "dan",
                        "starts_on": str(today - timedelta(days=1)),
                        "ends_on": str(today + timedelta(days=7)),
                    },
                )
            assert delegated.status_code == 201, delegated.text
            yield running


@pytest.fixture(scope="module")
def db(server: QuoteServer) -> Iterator[Engine]:
    engine = server.engine()
    yield engine
    engine.dispose()


# --- helpers ---------------------------------------------------------------------------------

Call = Callable[[httpx.Client], httpx.Response]


def race(server: QuoteServer, calls: list[tuple[str, Call]]) -> list[httpx.Response]:
    """Each (user, call) on its own connection, opened first, then all sent together."""
    clients = [server.client(user) for user, _ in calls]
    bound = [partial(call, client) for client, (_, call) in zip(clients, calls, strict=True)]
    try:
        return together(bound, warm=lambda i: clients[i].get("/healthz").raise_for_status())
    finally:
        for client in clients:
            client.close()


def post(path: str, etag: str | None = None, **kwargs: Any) -> Call:
    headers = dict(kwargs.pop("headers", {}))
    if etag is not None:
        headers["If-Match"] = etag
    return lambda c: c.post(path, headers=headers, **kwargs)


def put_line(quote_id: str, etag: str, line: dict[str, Any]) -> Call:
    return lambda c: c.put(f"/v1/quotes/{quote_id}/lines/1", json=line, headers={"If-Match": etag})


def patch(quote_id: str, etag: str, terms: dict[str, Any]) -> Call:
    return lambda c: c.patch(f"/v1/quotes/{quote_id}", json=terms, headers={"If-Match": etag})


def lines(percent: int | None = None, quantity: int = 4) -> list[dict[str, Any]]:
    sensor: dict[str, Any] = {"sku": SENSOR, "quantity": quantity}
    if percent is not None:
        sensor["manual_discount"] = {"percent": percent}
    return [sensor, {"sku": GATEWAY, "quantity": 1}]


def create(client: httpx.Client, **body: Any) -> httpx.Response:
    response = client.post("/v1/quotes", json={"customer": CUSTOMER, "lines": lines(), **body})
    assert response.status_code == 201, response.text
    return response


def submitted(server: QuoteServer, percent: int) -> dict[str, Any]:
    """A quote of rita's with a ``percent`` line discount, submitted: waiting for approval."""
    with server.client("rita") as rita:
        made = create(rita, lines=lines(percent))
        quote_id = made.json()["id"]
        sent = rita.post(
            f"/v1/quotes/{quote_id}/submit", headers={"If-Match": made.headers["ETag"]}
        )
    assert sent.status_code == 200, sent.text
    quote = sent.json()
    assert quote["status"] == "pending_approval"
    return dict(quote)


def read(server: QuoteServer, quote_id: str) -> dict[str, Any]:
    with server.client(READER) as reader:
        found = reader.get(f"/v1/quotes/{quote_id}")
    assert found.status_code == 200, found.text
    return dict(found.json())


def audit(server: QuoteServer, quote_id: str) -> list[dict[str, Any]]:
    with server.client(READER) as reader:
        found = reader.get(f"/v1/quotes/{quote_id}/audit")
    assert found.status_code == 200, found.text
    return list(found.json())


def codes(responses: list[httpx.Response]) -> Counter[int]:
    return Counter(r.status_code for r in responses)


def problem_codes(responses: list[httpx.Response]) -> set[str]:
    return {r.json()["code"] for r in responses if r.status_code >= 400}


def expected_outbox(events: list[dict[str, Any]]) -> list[str]:
    """The outbox events the audit trail calls for, in order: the creation, every decision,
    every change of status, and every change within a status (an edit)."""
    expected = []
    for e in events:
        if e["action"] == "created":
            expected.append("quote.created")
        elif e["action"].startswith("approval_"):
            expected.append(e["action"].replace("_", ".", 1))
        elif e["to_status"] is not None and e["to_status"] != e["from_status"]:
            expected.append(f"quote.{e['to_status']}")
        elif e["to_status"] is not None:
            expected.append("quote.updated")
    return expected


def assert_outbox_matches(server: QuoteServer, db: Engine, quote_id: str) -> None:
    with db.connect() as conn:
        found = conn.execute(
            # approval.requested (an approver asked) follows from the policy, not the audit
            # trail: tests/webhooks checks it.
            text(
                "SELECT event_type FROM outbox_events WHERE quote_id = :q"
                " AND event_type != 'approval.requested' ORDER BY id"
            ),
            {"q": quote_id},
        ).scalars()
        published = list(found)
    assert published == expected_outbox(audit(server, quote_id))


def counter(db: Engine) -> int:
    with db.connect() as conn:
        value = conn.execute(text("SELECT value FROM counters WHERE name = 'quote_number'"))
        return int(value.scalar_one())


# --- numbers ---------------------------------------------------------------------------------


def test_concurrent_creates_get_distinct_gap_free_numbers(server: QuoteServer, db: Engine) -> None:
    n = 24
    before = counter(db)

    made = race(
        server,
        [
            (user, post("/v1/quotes", json={"customer": CUSTOMER, "lines": lines(quantity=i + 1)}))
            for i, user in enumerate(["rita", "raj"] * (n // 2))
        ],
    )

    assert codes(made) == {201: n}, [r.text for r in made if r.status_code != 201]
    numbers = sorted(int(r.json()["number"].removeprefix("Q-")) for r in made)
    assert numbers == list(range(before + 1, before + n + 1))
    assert counter(db) == before + n
    assert len({r.json()["id"] for r in made}) == n
    # each quote holds the lines its own request sent (no crossed wires between requests)
    quantities = sorted(int(float(r.json()["lines"][0]["quantity"])) for r in made)
    assert quantities == list(range(1, n + 1))


# --- decisions -------------------------------------------------------------------------------


def _decision(approval_id: int, approve: bool, i: int) -> Call:
    verb = "approve" if approve else "reject"
    return post(f"/v1/approvals/{approval_id}/{verb}", json={"comment": f"decision {i}"})


def test_concurrent_decisions_on_one_approval_one_wins(server: QuoteServer, db: Engine) -> None:
    for round_ in range(ROUNDS):
        quote = submitted(server, 15)
        [approval] = quote["approvals"]
        assert (approval["level"], approval["approver"]["username"]) == ("manager", "maria")
        # maria and dan (her delegate) approve and reject the same approval at once
        calls = [
            (user, _decision(approval["id"], approve, i))
            for i, (user, approve) in enumerate(
                [("maria", True), ("dan", True), ("maria", False), ("dan", False)] * 2
            )
        ]
        if round_ % 2:
            calls.reverse()

        decided = race(server, calls)

        assert codes(decided) == {200: 1, 409: len(calls) - 1}, [r.text for r in decided]
        assert problem_codes(decided) == {"approval_not_pending"}
        [winner] = [r for r in decided if r.status_code == 200]
        verdict = winner.json()["status"]
        events = audit(server, quote["id"])
        decisions = [e for e in events if e["action"].startswith("approval_")]
        assert [e["action"] for e in decisions] == [f"approval_{verdict}"]
        assert decisions[0]["comment"] == winner.json()["comment"]
        final = read(server, quote["id"])
        assert final["status"] == verdict
        [row] = final["approvals"]
        assert (row["status"], row["decided_by"]["id"]) == (
            verdict,
            winner.json()["decided_by"]["id"],
        )
        assert_outbox_matches(server, db, quote["id"])


def test_a_chain_is_approved_exactly_once(server: QuoteServer, db: Engine) -> None:
    for _ in range(ROUNDS):
        quote = submitted(server, 25)  # over 20%: the manager, then the director
        by_level = {a["level"]: a["id"] for a in quote["approvals"]}
        assert set(by_level) == {"manager", "director"}
        calls = [
            ("maria", _decision(by_level["manager"], True, 1)),
            ("dan", _decision(by_level["manager"], True, 2)),  # as maria's delegate
            ("dan", _decision(by_level["director"], True, 3)),  # waiting until the manager's
        ] * 3
        answers: list[httpx.Response] = []
        for _attempt in range(4):  # again until the chain is through: the director waits
            answers += race(server, calls)
            if read(server, quote["id"])["status"] != "pending_approval":
                break

        assert codes(answers)[200] == 2, [r.text for r in answers]
        assert set(codes(answers)) == {200, 409}
        final = read(server, quote["id"])
        assert final["status"] == "approved"
        assert {(a["level"], a["status"]) for a in final["approvals"]} == {
            ("manager", "approved"),
            ("director", "approved"),
        }
        events = audit(server, quote["id"])
        actions = [e["action"] for e in events]
        assert actions.count("approval_approved") == 2
        assert [e["to_status"] for e in events].count("approved") == 1
        assert actions[-1] == "approved"
        assert_outbox_matches(server, db, quote["id"])


# --- edits -----------------------------------------------------------------------------------


def test_concurrent_edits_on_one_etag_one_wins(server: QuoteServer, db: Engine) -> None:
    n = 10
    for _ in range(ROUNDS):
        with server.client("rita") as rita:
            made = create(rita, title="original")
        quote_id, etag = made.json()["id"], made.headers["ETag"]
        # odd ones change the title, even ones the first line
        calls = [
            (
                "rita",
                patch(quote_id, etag, {"title": f"title {i}"})
                if i % 2
                else put_line(quote_id, etag, {"sku": SENSOR, "quantity": 100 + i}),
            )
            for i in range(n)
        ]

        edited = race(server, calls)

        assert codes(edited) == {200: 1, 412: n - 1}, [r.text for r in edited]
        winner_index = next(i for i, r in enumerate(edited) if r.status_code == 200)
        final = read(server, quote_id)
        assert final["etag"] == f'"{int(etag.strip(chr(34))) + 1}"'
        assert final["etag"] == edited[winner_index].headers["ETag"]
        quantity = int(float(final["lines"][0]["quantity"]))
        if winner_index % 2:
            assert (final["title"], quantity) == (f"title {winner_index}", 4)
        else:
            assert (final["title"], quantity) == ("original", 100 + winner_index)
        # the stored pricing is of the winner's content
        assert Decimal(str(final["pricing"]["lines"][0]["quantity"])) == quantity
        events = audit(server, quote_id)
        assert [e["action"] for e in events] == ["created", "edited"]
        assert_outbox_matches(server, db, quote_id)


def test_a_decision_racing_an_edit_never_approves_the_new_content(
    server: QuoteServer, db: Engine
) -> None:
    outcomes: Counter[str] = Counter()
    for round_ in range(ROUNDS * 2):
        quote = submitted(server, 15)
        [approval] = quote["approvals"]
        old_lines = quote["lines"]
        new_line = {"sku": SENSOR, "quantity": 7, "manual_discount": {"percent": 15}}
        approve = ("maria", _decision(approval["id"], True, 0))
        edit = ("rita", put_line(quote["id"], quote["etag"], new_line))

        if round_ % 2:
            decided, edited = race(server, [approve, edit])
        else:
            edited, decided = race(server, [edit, approve])

        final = read(server, quote["id"])
        [row] = final["approvals"]
        if decided.status_code == 200:
            outcomes["approved first"] += 1
            # the approval binds the old content; the edit, made on the ETag the decision
            # moved on, is refused (or, had it been applied, would have voided the approval)
            assert edited.status_code in (200, 409, 412), edited.text
            if edited.status_code == 200:
                assert final["status"] == "draft"
                assert row["voided_at"] is not None
            else:
                assert final["status"] == "approved"
                assert final["lines"] == old_lines
                assert row["status"] == "approved" and row["voided_at"] is None
                assert row["snapshot_hash"] == final["snapshot_hash"]
        else:
            outcomes["edited first"] += 1
            assert decided.status_code == 409, decided.text
            assert edited.status_code == 200, edited.text
            assert final["status"] == "draft"
            assert int(float(final["lines"][0]["quantity"])) == 7
            assert row["status"] == "void" and row["voided_at"] is not None
        # never: approved with the new content
        assert not (
            final["status"] == "approved" and int(float(final["lines"][0]["quantity"])) == 7
        )
        assert_outbox_matches(server, db, quote["id"])
    assert sum(outcomes.values()) == ROUNDS * 2


# --- idempotency -----------------------------------------------------------------------------


def test_one_idempotency_key_sent_at_once_makes_one_quote(server: QuoteServer, db: Engine) -> None:
    n = 12
    for round_ in range(ROUNDS):
        opportunity = f"OPP-IDEM-{round_}-{datetime.now(UTC).timestamp():.0f}"
        body = {"customer": CUSTOMER, "lines": lines(), "crm_opportunity_id": opportunity}
        key = {"Idempotency-Key": f"create-{opportunity}"}
        before = counter(db)

        answers = race(server, [("rita", post("/v1/quotes", json=body, headers=key))] * n)

        created = [r for r in answers if r.status_code == 201]
        originals = [r for r in created if r.headers.get("Idempotent-Replayed") != "true"]
        assert len(originals) == 1, [(r.status_code, dict(r.headers)) for r in answers]
        assert {r.json()["id"] for r in created} == {originals[0].json()["id"]}
        refused = [r for r in answers if r.status_code != 201]
        assert all(r.status_code == 409 for r in refused), [r.text for r in refused]
        assert problem_codes(refused) <= {"idempotency_key_in_use"}
        with db.connect() as conn:
            count = conn.execute(
                text("SELECT count(*) FROM quotes WHERE crm_opportunity_id = :o"),
                {"o": opportunity},
            ).scalar_one()
        assert count == 1
        assert counter(db) == before + 1
        # a retry after the dust settled replays the first answer
        with server.client("rita") as rita:
            again = rita.post("/v1/quotes", json=body, headers=key)
        assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
        assert again.json()["id"] == originals[0].json()["id"]


# --- the outbox ------------------------------------------------------------------------------


def test_the_outbox_has_one_event_per_state_change(server: QuoteServer, db: Engine) -> None:
    # Given quotes in several states, when their owners and approvers act on them all at once
    # (submits racing recalls and edits, decisions racing each other)...
    pending = [submitted(server, 15) for _ in range(3)]
    with server.client("raj") as raj:
        drafts = [create(raj) for _ in range(3)]
    calls: list[tuple[str, Call]] = []
    groups: list[int] = []  # how many of the calls, in order, compete for each quote
    for quote in pending:
        [approval] = quote["approvals"]
        groups.append(4)
        calls += [
            ("maria", _decision(approval["id"], True, 1)),
            ("dan", _decision(approval["id"], False, 2)),
            ("rita", post(f"/v1/quotes/{quote['id']}/recall", quote["etag"])),
            ("rita", patch(quote["id"], quote["etag"], {"title": "x"})),
        ]
    for made in drafts:
        quote_id, etag = made.json()["id"], made.headers["ETag"]
        groups.append(3)
        calls += [
            ("raj", post(f"/v1/quotes/{quote_id}/submit", etag)),
            ("raj", post(f"/v1/quotes/{quote_id}/cancel", etag)),
            ("raj", put_line(quote_id, etag, {"sku": SENSOR, "quantity": 9})),
        ]

    answers = race(server, calls)

    # ... then for every quote of the database, the outbox holds exactly the events of the
    # changes that happened, one each, in order, and none of the requests that lost.
    assert set(codes(answers)) <= {200, 409, 412}, [r.text for r in answers]
    # each action moves the quote on (or its ETag): on each quote exactly one of them won
    start = 0
    for size in groups:
        assert codes(answers[start : start + size])[200] == 1, [
            r.text for r in answers[start : start + size]
        ]
        start += size
    with db.connect() as conn:
        every = list(conn.execute(text("SELECT id, status FROM quotes")).all())
    for quote_id, status in every:
        assert_outbox_matches(server, db, quote_id)
        events = audit(server, quote_id)
        moves = [e for e in events if e["to_status"] is not None]
        assert moves[-1]["to_status"] == status
