"""The quote lifecycle table: every path from draft stays inside it, and the rules it encodes."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cpq.quotes.lifecycle import (
    FINAL,
    TRANSITIONS,
    IllegalTransition,
    QuoteAction,
    QuoteStatus,
    allowed_actions,
    editable,
    next_status,
)

S, A = QuoteStatus, QuoteAction


@given(st.lists(st.sampled_from(list(QuoteAction)), max_size=40))
def test_any_sequence_of_actions_stays_in_the_table(actions: list[QuoteAction]) -> None:
    status = S.DRAFT
    for action in actions:
        if (status, action) in TRANSITIONS:
            new = next_status(status, action)
            assert new == TRANSITIONS[status, action]
            status = new
        else:
            with pytest.raises(IllegalTransition) as raised:
                next_status(status, action)
            assert status.value in str(raised.value)
        assert action in allowed_actions(status) or (status, action) not in TRANSITIONS


def test_final_statuses_allow_nothing_but_a_new_version() -> None:
    for status in FINAL:
        assert set(allowed_actions(status)) <= {A.REVISE}
    assert allowed_actions(S.ACCEPTED) == () and allowed_actions(S.CANCELLED) == ()


def test_approved_and_sent_quotes_are_not_editable() -> None:
    assert not editable(S.APPROVED) and not editable(S.SENT)
    assert editable(S.DRAFT) and editable(S.PENDING_APPROVAL) and editable(S.REJECTED)
    for status in (S.PENDING_APPROVAL, S.REJECTED):
        assert next_status(status, A.EDIT) is S.DRAFT


def test_only_approvers_move_a_pending_quote_on_and_only_approved_quotes_are_sent() -> None:
    into_approved = {s for (s, a), t in TRANSITIONS.items() if t is S.APPROVED}
    assert into_approved == {S.PENDING_APPROVAL, S.DRAFT}
    assert TRANSITIONS[S.DRAFT, A.SUBMIT_WITHIN_POLICY] is S.APPROVED
    assert {s for (s, a) in TRANSITIONS if a is A.SEND} == {S.APPROVED}
    assert {s for (s, a) in TRANSITIONS if a is A.ACCEPT} == {S.SENT}


def test_the_message_names_what_is_allowed() -> None:
    with pytest.raises(IllegalTransition, match="allowed now: edit, submit"):
        next_status(S.DRAFT, A.SEND)
