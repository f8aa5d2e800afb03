"""The failed-login limit on the shared rate-limit buckets (no server, a real database)."""

from __future__ import annotations

from sqlalchemy import Engine, select

from cpq.db.rate_limit_tables import RateLimitRow
from cpq.repositories import rate_limits
from cpq.web import login_limits

T0 = 1_000_000.0


def _keys(engine: Engine) -> list[str]:
    table = RateLimitRow.__table__  # type: ignore[attr-defined]
    with engine.connect() as conn:
        return sorted(conn.execute(select(table.c.key)).scalars())


def test_ten_failures_block_a_username_for_90_seconds_a_failure(engine: Engine) -> None:
    for n in range(10):
        assert login_limits.wait_seconds(engine, "rita", "10.0.0.1", T0 + n * 0.001) == 0
        login_limits.failed(engine, "rita", "10.0.0.1", T0 + n * 0.001)
    assert login_limits.wait_seconds(engine, "rita", "10.0.0.1", T0 + 1) == 89
    assert login_limits.wait_seconds(engine, " Rita ", "10.0.0.2", T0 + 1) == 89  # same person
    assert login_limits.wait_seconds(engine, "raj", "10.0.0.1", T0 + 1) == 0
    assert login_limits.wait_seconds(engine, "rita", "10.0.0.1", T0 + 90) == 0  # one try back


def test_fifty_failures_block_an_address_for_every_username(engine: Engine) -> None:
    for n in range(50):
        login_limits.failed(engine, f"user{n}", "10.0.0.9", T0)
    assert login_limits.wait_seconds(engine, "rita", "10.0.0.9", T0) == 18
    assert login_limits.wait_seconds(engine, "rita", "10.0.0.8", T0) == 0


def test_usernames_are_kept_only_as_hashes(engine: Engine) -> None:
    login_limits.failed(engine, "secret-name", "10.0.0.1", T0)
    keys = _keys(engine)
    assert len(keys) == 2
    assert not any("secret-name" in key for key in keys)
    assert all(key.startswith("limit:login:") for key in keys)


def test_the_api_purge_leaves_login_buckets_and_their_own_purge_drops_full_ones(
    engine: Engine,
) -> None:
    login_limits.failed(engine, "rita", "10.0.0.1", T0)
    with engine.begin() as conn:
        rate_limits.take(conn, "ip:10.0.0.1", T0, 10.0, 100)
        assert rate_limits.purge_full(conn, T0 + 60, 10.0, 100) == 1
    assert len(_keys(engine)) == 2
    with engine.begin() as conn:
        assert rate_limits.purge_named(conn, "login", T0 + 899, 900.0) == 0
        assert rate_limits.purge_named(conn, "login", T0 + 901, 900.0) == 2
    assert _keys(engine) == []
