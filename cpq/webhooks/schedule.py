"""When a failed delivery is tried again: exponential backoff, for up to three days."""

from __future__ import annotations

from datetime import datetime, timedelta

FIRST_RETRY = timedelta(seconds=10)
LONGEST_WAIT = timedelta(hours=6)
GIVE_UP_AFTER = timedelta(days=3)


def next_attempt(created_at: datetime, attempts: int, now: datetime) -> datetime | None:
    """After ``attempts`` failed attempts (1, 2, ...), when to try again: 10 s, 20 s, 40 s, ...
    doubling up to 6 h between tries; None once three days have passed since the event."""
    wait = min(FIRST_RETRY * (2 ** max(attempts - 1, 0)), LONGEST_WAIT)
    due = now + wait
    return None if due > created_at + GIVE_UP_AFTER else due
