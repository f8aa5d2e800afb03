"""A state machine (hypothesis.stateful) drives quotes through the API with random steps of the
rep, the approvers and the expiry job. After each step the status must be the one
cpq/quotes/lifecycle.TRANSITIONS gives, a refused call must change nothing, no approval may be
open unless the quote waits for approval, and older versions never change."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)
from quotes_world import RULES, World, create, get, lines, ok, problem

from cpq.quotes.lifecycle import FINAL, TRANSITIONS, QuoteAction, QuoteStatus, editable
from cpq.services.approval_jobs import run_jobs

A = QuoteAction
# What each rep call may be in the lifecycle (a submit needs approval, or not).
CALLS: dict[str, tuple[QuoteAction, ...]] = {
    "submit": (A.SUBMIT, A.SUBMIT_WITHIN_POLICY),
    "recall": (A.RECALL,),
    "send": (A.SEND,),
    "accept": (A.ACCEPT,),
    "decline": (A.DECLINE,),
    "cancel": (A.CANCEL,),
    "revise": (A.REVISE,),
}
# The moves on, the way to a signed deal first (hypothesis draws the first ones more often).
MOVES = ("submit", "approve", "send", "accept", "decline", "reject", "recall", "revise", "cancel")
# One rule draws the kind of step: separate rules would be switched off at random per run
# (swarm testing), which leaves most runs knocking on one closed door.
KINDS = ("move", "move", "move", "refused", "refused", "edit", "time")
APPROVERS = ("maria", "dan", "fiona")
DISCOUNTS = st.sampled_from([15, None, 25])
OPEN_APPROVAL = ("pending", "waiting")


def _targets(status: QuoteStatus, actions: tuple[QuoteAction, ...]) -> set[str]:
    return {TRANSITIONS[status, a].value for a in actions if (status, a) in TRANSITIONS}


def _machine(world: World) -> type[RuleBasedStateMachine]:
    """Each run drives quotes of its own; the runs share one database (quotes are independent,
    and the jobs only ever move a quote by its own dates and approvals)."""

    class QuoteLifecycle(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.rita = world.client("rita")
            self.quote: dict[str, Any] = {}
            self.status = QuoteStatus.DRAFT
            self.frozen: dict[int, str] = {}  # older versions: the status they keep

        @initialize(discount=DISCOUNTS)
        def rep_creates(self, discount: int | None) -> None:
            self.quote = create(self.rita, lines=lines(discount))
            self.status = QuoteStatus.DRAFT
            self.frozen = {}

        @rule(kind=st.sampled_from(KINDS), data=st.data())
        def step(self, kind: str, data: st.DataObject) -> None:
            if kind == "move":
                moves = self._legal()
                if not moves:  # at its end (cancelled, accepted): start another quote
                    self.rep_creates(data.draw(DISCOUNTS, label="discount"))
                    return
                move = data.draw(st.sampled_from(moves), label="move")
                if move in ("approve", "reject"):
                    self._decide(move == "approve")
                else:
                    self._call(move)
            elif kind == "edit":
                self._edit(data.draw(st.sampled_from([None, 5, 15, 25]), label="discount"))
            elif kind == "refused":
                self._everything_refused()
            else:
                self._time_passes()

        def _legal(self) -> list[str]:
            pending = self.status is QuoteStatus.PENDING_APPROVAL
            return [
                move
                for move in MOVES
                if (move in ("approve", "reject") and pending)
                or (move in CALLS and _targets(self.status, CALLS[move]))
            ]

        def _read(self) -> dict[str, Any]:
            return get(self.rita, self.quote)

        def _moved(self, answer: Any, targets: set[str], what: str) -> None:
            before = self.quote
            if targets:
                body = ok(answer, 201 if what == "revise" else 200)
                assert body["status"] in targets, (self.status, what, body["status"])
                if what == "revise":
                    self.frozen[before["version"]] = self.status.value
                    assert body["version"] == before["version"] + 1
                self.status = QuoteStatus(body["status"])
            else:
                problem(answer, 409, "invalid_transition")
                assert self._read()["etag"] == before["etag"], what
            self.quote = self._read()

        def _everything_refused(self) -> None:
            """Every call the lifecycle refuses now is 409 invalid_transition (they are cheap:
            refused before anything is priced) and changes nothing."""
            refused = [c for c in CALLS if not _targets(self.status, CALLS[c])]
            headers = {"If-Match": self.quote["etag"]}
            for call in refused:
                answer = self.rita.post(f"/v1/quotes/{self.quote['id']}/{call}", headers=headers)
                problem(answer, 409, "invalid_transition")
            if not editable(self.status):
                answer = self.rita.patch(
                    f"/v1/quotes/{self.quote['id']}", json={"notes": "x"}, headers=headers
                )
                problem(answer, 409, "invalid_transition")
            assert self._read()["etag"] == self.quote["etag"], refused

        def _call(self, call: str) -> None:
            answer = self.rita.post(
                f"/v1/quotes/{self.quote['id']}/{call}", headers={"If-Match": self.quote["etag"]}
            )
            self._moved(answer, _targets(self.status, CALLS[call]), call)

        def _edit(self, discount: int | None) -> None:
            answer = self.rita.put(
                f"/v1/quotes/{self.quote['id']}/lines/1",
                json=lines(discount)[0],
                headers={"If-Match": self.quote["etag"]},
            )
            self._moved(answer, _targets(self.status, (A.EDIT,)), "edit")

        def _decide(self, approve: bool) -> None:
            """The first approver asked decides; the quote moves as the lifecycle says."""
            asked = [
                (approver, a)
                for approver in APPROVERS
                for a in ok(world.client(approver).get("/v1/approvals"))["items"]
                if a["quote_id"] == self.quote["id"]
            ]
            assert asked, "a quote waiting for approval with nobody to decide it"
            approver, approval = asked[0]
            verb = "approve" if approve else "reject"
            ok(
                world.client(approver).post(
                    f"/v1/approvals/{approval['id']}/{verb}", json={"comment": "x"}
                )
            )
            after = self._read()
            if approve:  # one level of several leaves the quote waiting for the next
                targets = _targets(self.status, (A.APPROVE,)) | {self.status.value}
            else:
                targets = _targets(self.status, (A.REJECT,))
            assert after["status"] in targets, (self.status, approve, after["status"])
            self.status = QuoteStatus(after["status"])
            self.quote = after

        def _time_passes(self) -> None:
            run_jobs(world.engine, RULES, datetime.now(UTC) + timedelta(days=40))
            after = self._read()
            expected = _targets(self.status, (A.EXPIRE,)) or {self.status.value}
            assert after["status"] in expected, (self.status, after["status"])
            self.status = QuoteStatus(after["status"])
            self.quote = after

        @invariant()
        def status_is_the_models(self) -> None:
            quote = self._read()
            assert quote["status"] == self.status.value
            assert quote["read_only"] is (not editable(self.status))
            if self.status in FINAL:
                assert quote["actions"] == (
                    ["revise"] if _targets(self.status, (A.REVISE,)) else []
                )
            live = [
                a
                for a in quote["approvals"]
                if a["status"] in OPEN_APPROVAL and a["voided_at"] is None
            ]
            if self.status is QuoteStatus.PENDING_APPROVAL:
                assert any(a["status"] == "pending" for a in live), quote["approvals"]
            else:
                assert live == [], (self.status, quote["approvals"])

        @invariant()
        def older_versions_never_change(self) -> None:
            for number, status in self.frozen.items():
                old = ok(self.rita.get(f"/v1/quotes/{self.quote['id']}/versions/{number}"))
                assert (old["status"], old["read_only"]) == (status, True)

    return QuoteLifecycle


def test_the_api_follows_the_lifecycle(world: World) -> None:
    # Hundreds of requests a second from one token: more than the default rate limit allows.
    world.settings = world.settings.model_copy(update={"rate_limit_per_minute": 0})
    run_state_machine_as_test(
        _machine(world),
        settings=settings(
            max_examples=15,
            stateful_step_count=25,
            deadline=None,
            database=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
