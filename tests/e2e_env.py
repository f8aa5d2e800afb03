"""Start the real ``cpq`` command as a subprocess, for end-to-end tests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def cpq_env(**settings: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CPQ_")}
    env.update({f"CPQ_{k.upper()}": v for k, v in settings.items()})
    return env


@contextmanager
def running(args: list[str], env: dict[str, str], port: int, timeout: float = 60) -> Iterator[str]:
    """Run ``cpq ARGS`` until /healthz answers; yield the base URL; stop it afterwards."""
    process = subprocess.Popen(
        [sys.executable, "-m", "cpq", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None:
                output = process.stdout.read() if process.stdout else ""
                raise AssertionError(
                    f"cpq {' '.join(args)} exited with {process.returncode}:\n{output}"
                )
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError(f"cpq {' '.join(args)} did not answer within {timeout}s")
            time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
