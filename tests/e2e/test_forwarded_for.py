"""Anonymous callers behind a reverse proxy: the real server (uvicorn started by `cpq serve`)
takes the client's address from X-Forwarded-For only when the proxy is trusted
(CPQ_FORWARDED_ALLOW_IPS), and rate-limits each client on its own. Their requests are refused
(401: the catalog is read with a credential), but each one still counts."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from e2e_env import cpq_env, free_port, running

pytestmark = pytest.mark.slow


def _statuses(url: str, clients: list[str]) -> list[int]:
    return [
        httpx.get(f"{url}/v1/products", headers={"X-Forwarded-For": client}, timeout=10).status_code
        for client in clients
    ]


def _serve(db_url: str, tmp_path: Path, trusted: str) -> tuple[list[str], dict[str, str], int]:
    port = free_port()
    env = cpq_env(
        database_url=db_url,
        data_dir=str(tmp_path),
        rate_limit_per_minute="1",  # the bucket does not refill within the test
        rate_limit_burst="2",
        forwarded_allow_ips=trusted,
    )
    return ["serve", "--port", str(port)], env, port


def test_a_trusted_proxy_names_each_client(db_url: str, tmp_path: Path) -> None:
    args, env, port = _serve(db_url, tmp_path, "127.0.0.1")
    with running(args, env, port) as url:
        first = _statuses(url, ["203.0.113.7", "203.0.113.7", "203.0.113.7"])
        other = _statuses(url, ["198.51.100.9"])
    assert first == [401, 401, 429]
    assert other == [401]  # another client behind the same proxy has its own bucket


def test_an_untrusted_sender_cannot_pick_its_bucket(db_url: str, tmp_path: Path) -> None:
    args, env, port = _serve(db_url, tmp_path, "10.9.9.9")
    with running(args, env, port) as url:
        statuses = _statuses(url, ["203.0.113.7", "198.51.100.9", "192.0.2.1"])
    # The header is ignored: all three are the one caller 127.0.0.1, out of its burst of 2.
    assert statuses == [401, 401, 429]
