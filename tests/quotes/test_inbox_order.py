"""The approvals inbox asks for the longest waiting first: past its limit, it is the newest that
wait for the next page, never the oldest (the pages' inbox shows the oldest on top)."""

from __future__ import annotations

from quotes_world import World, act, create, lines, ok, synced_template, world

from cpq.services import approval_flow, people
from cpq.services.quotes import Context

__all__ = ["synced_template", "world"]


def test_the_longest_waiting_come_first_within_the_limit(world: World) -> None:
    rita = world.client("rita")
    numbers = []
    for _ in range(3):
        quote = create(rita, lines=lines(discount=15))
        ok(act(rita, quote, "submit"))
        numbers.append(quote["number"])
    with world.engine.begin() as conn:
        session = people.login(conn, "maria", "demo-password-1", hours=1)
        maria = people.authenticate_session(conn, session.session_secret)
        ctx = Context.of(maria, world.settings)
        oldest = approval_flow.to_decide(conn, ctx, ["pending"], 2, oldest_first=True)
        newest = approval_flow.to_decide(conn, ctx, ["pending"], 2)
    assert [quote["number"] for _, quote, _ in oldest] == numbers[:2]
    assert [quote["number"] for _, quote, _ in newest] == numbers[:0:-1]
