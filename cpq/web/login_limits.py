"""Failed logins are limited per username and per client address, on the rate-limit buckets the
API uses (``rate_limits``), so every server process shares them.

A failed attempt takes a token from both buckets; while either is empty, an attempt is refused
before the password is checked, and the page says how long to wait. Successful logins cost
nothing. A username is kept only as its hash: the table does not collect what people typed.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from sqlalchemy import Engine

from cpq.auth import tokens
from cpq.repositories import rate_limits as buckets

NAME = "login"


@dataclass(frozen=True, slots=True)
class Limit:
    kind: str  # user or ip
    burst: int  # failed attempts at once
    seconds_to_fill: float  # until an emptied bucket is full again

    @property
    def per_second(self) -> float:
        return self.burst / self.seconds_to_fill


# 10 failures for one username, then one more every 90 s; 50 from one address, then one every 18 s.
PER_USERNAME = Limit("user", 10, 900.0)
PER_ADDRESS = Limit("ip", 50, 900.0)


def _keys(username: str, address: str | None) -> tuple[tuple[Limit, str], ...]:
    named = f"{buckets.NAMED}{NAME}"
    return (
        (PER_USERNAME, f"{named}:user:{tokens.sha256_hex(username.strip().lower())}"),
        (PER_ADDRESS, f"{named}:ip:{address or 'unknown'}"),
    )


def wait_seconds(
    engine: Engine, username: str, address: str | None, now: float | None = None
) -> int:
    """0 when ``username`` may try to log in from ``address`` now, else the seconds to wait."""
    at = time.time() if now is None else now
    wait = 0
    with engine.connect() as conn:
        for limit, key in _keys(username, address):
            left = buckets.tokens_left(conn, key, at, limit.per_second, limit.burst)
            if left < 1.0:
                wait = max(wait, math.ceil((1.0 - left) / limit.per_second))
    return wait


def failed(engine: Engine, username: str, address: str | None, now: float | None = None) -> None:
    """Count a failed login of ``username`` from ``address``."""
    at = time.time() if now is None else now
    with engine.begin() as conn:
        buckets.purge_named(
            conn, NAME, at, max(PER_USERNAME.seconds_to_fill, PER_ADDRESS.seconds_to_fill)
        )
        for limit, key in _keys(username, address):
            buckets.take(conn, key, at, limit.per_second, limit.burst)
