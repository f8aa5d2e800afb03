"""Start the real ``cpq`` command as a subprocess, for end-to-end tests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO

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
    """Run ``cpq ARGS`` until /healthz answers; yield the base URL; stop it afterwards. Its
    output goes to a file (a pipe nobody reads would fill up and stall the server)."""
    with tempfile.TemporaryFile(mode="w+") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "cpq", *args],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            text=True,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            _wait_healthy(process, log, url, args, timeout)
            yield url
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait_healthy(
    process: subprocess.Popen[str], log: IO[str], url: str, args: list[str], timeout: float
) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            log.seek(0)
            raise AssertionError(
                f"cpq {' '.join(args)} exited with {process.returncode}:\n{log.read()}"
            )
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            raise AssertionError(f"cpq {' '.join(args)} did not answer within {timeout}s")
        time.sleep(0.2)
