"""`cpq worker` started for real, killed (SIGKILL) while it is sending a webhook, started
again: the event is delivered all the same (at least once), nothing is lost or left half-done."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

import pytest
from e2e_env import cpq_env
from quotes.quotes_world import World, create, lines
from receiver import Receiver, receiving

pytestmark = pytest.mark.slow


def _worker(world: World) -> subprocess.Popen[str]:
    env = cpq_env(database_url=world.url, webhook_interval_seconds="0.2")
    return subprocess.Popen(
        [sys.executable, "-m", "cpq", "worker"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _wait(condition: Callable[[], bool], what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def _delivery(world: World, subscription: dict[str, Any]) -> dict[str, Any]:
    log = world.client("ada").get(f"/v1/webhooks/{subscription['id']}/deliveries").json()
    (delivery,) = log
    result: dict[str, Any] = delivery
    return result


def test_a_worker_killed_mid_delivery_loses_nothing(world: World) -> None:
    with receiving(delay_seconds=5) as receiver:  # the first answer is slow: kill it then
        answer = world.client("ada").post(
            "/v1/webhooks", json={"url": receiver.url, "event_types": ["quote.created"]}
        )
        subscription = answer.json()
        quote = create(world.client("rita"), lines=lines())

        first = _worker(world)
        try:
            _wait(lambda: len(receiver.received) == 1, "the first delivery to arrive")
            first.send_signal(signal.SIGKILL)  # mid-send: its answer never comes
            first.wait(timeout=10)
        finally:
            if first.poll() is None:
                first.kill()
        assert _delivery(world, subscription)["status"] == "pending"  # not lost, not done

        receiver.delay_seconds = 0
        second = _worker(world)
        try:
            _wait(lambda: _delivery(world, subscription)["status"] == "succeeded", "redelivery")
        finally:
            second.send_signal(signal.SIGTERM)
            try:
                second.wait(timeout=10)
            except subprocess.TimeoutExpired:
                second.kill()

        _assert_same_message_twice(receiver, quote["id"])


def _assert_same_message_twice(receiver: Receiver, quote_id: str) -> None:
    ids = [r.headers["webhook-id"] for r in receiver.received]
    assert len(ids) == 2 and ids[0] == ids[1]  # sent again after the kill: at least once
    assert receiver.bodies()[0] == receiver.bodies()[1]
    assert quote_id in receiver.bodies()[0]
