"""Quote API benchmark: create and price a 20-line quote, then submit it, over HTTP.

Against ``cpq serve --workers 2`` on PostgreSQL (a fresh database created from ``--admin-url``
and dropped afterwards; nothing is created in the admin database itself), the **quote scenario**
is ``POST /v1/quotes`` with 20 lines of demo SKUs (priced at once; one line with a 12% rep's
discount), then ``POST .../submit`` with the ETag it answered, which asks the manager's approval:
one scenario, two HTTP requests, as a CRM client would send them (API token, no
Idempotency-Key). In the same run, the **floor**: ``bench/floor_app.py``, one
FastAPI endpoint doing one INSERT, served the same way (uvicorn, the same worker count, the same
engine settings and access log).

The load generator runs in its own process (this file, ``--load``): asyncio with a small
keep-alive HTTP/1.1 client (httpx costs more CPU per request than the floor server does, and the
load generator shares the machine with the servers and PostgreSQL):

1. peak throughput, closed loop: ``c`` clients each sending the next scenario as soon as the
   last one answered, for c = 2, 4, 8, 16, 32 (after a warm-up); the peak is the best of them;
2. latency, open loop: scenarios started at a fixed rate of 70% of the quote peak whatever the
   answers (no coordinated omission: a scenario's latency runs from when it was due to start,
   so waiting for a free connection counts), p50/p95/p99.

Requests go over a pool of at least 32 keep-alive connections used in turn, opened one at a
time so that each worker process holds a share of them (the table says how many).

Targets: quote scenarios/s >= 50% of the floor's requests/s; scenario p99 <= 50 ms at 70% of
the peak. The table also gives the figures per HTTP request; the CPU each system spent per
scenario or request (its worker processes, and PostgreSQL's backends for its database, looked
at five times a second: a backend that exits counts up to its last look), which gives the ratio the two would
have on an otherwise idle machine; the load generator's CPU; and how busy the whole machine was,
which says whether a peak is the server's or the machine's.

    python bench/quotes_bench.py [--admin-url postgresql://postgres@127.0.0.1:5432/test]
                                 [--workers 2] [--quick] [--sqlite] [--json]

``--quick`` runs a few seconds (the test suite runs it); ``--sqlite`` runs both systems on
SQLite files with one worker each (several processes on one SQLite file are not a supported
setup), for machines without PostgreSQL. The admin URL also comes from ``CPQ_BENCH_ADMIN_URL``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import resource
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console
from rich.table import Table
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from cpq.auth.principal import Scope
from cpq.db.engine import make_engine, normalise_url
from cpq.db.migrate import upgrade
from cpq.services import people
from cpq.services.catalog_sync import run_sync
from cpq.services.demo_team import seed_demo_team
from cpq.services.pricing import full_catalog
from cpq.sync.mapping import load_profile
from cpq.sync.sources.files import FolderSource

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent
DEFAULT_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/test"
CUSTOMER = "C-10001"
LINES = 20
PEAK_SHARE = 0.7  # the open loop runs at this share of the quote peak
RATIO_TARGET = 0.5
CONNECTIONS = 32  # the load generator's connections, at least
P99_TARGET_MS = 50.0


@dataclass(frozen=True, slots=True)
class Plan:
    concurrency: tuple[int, ...]
    warmup: float  # seconds of closed loop before the first measured run, not counted
    duration: float  # seconds measured per closed-loop run
    open_duration: float
    settle: float = 1.0  # seconds between runs


FULL = Plan(concurrency=(2, 4, 8, 16, 32), warmup=5, duration=10, open_duration=30)
QUICK = Plan(concurrency=(4,), warmup=1, duration=1.5, open_duration=2, settle=0.2)


# --- the load generator (its own process) ----------------------------------------------------


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes


class Http:
    """One keep-alive HTTP/1.1 connection: requests one after the other, answers read whole."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def open(self) -> None:
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            with suppress(ConnectionError, OSError):
                await self.writer.wait_closed()
            self.writer = self.reader = None

    async def request(
        self, method: str, path: str, headers: dict[str, str], body: bytes = b""
    ) -> Answer:
        if self.writer is None:
            await self.open()
        assert self.reader is not None and self.writer is not None
        head = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}"]
        head += [f"{k}: {v}" for k, v in headers.items()]
        head.append(f"Content-Length: {len(body)}")
        self.writer.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body)
        status_line = await self.reader.readline()
        if not status_line:
            await self.close()
            raise ConnectionError("the server closed the connection")
        status = int(status_line.split(b" ", 2)[1])
        found: dict[str, str] = {}
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            found[name.strip().lower()] = value.strip()
        if found.get("transfer-encoding", "").lower() == "chunked":
            parts = []
            while (size := int((await self.reader.readline()).strip() or b"0", 16)) > 0:
                parts.append(await self.reader.readexactly(size))
                await self.reader.readline()
            await self.reader.readline()
            content = b"".join(parts)
        else:
            content = await self.reader.readexactly(int(found.get("content-length", "0")))
        if found.get("connection", "").lower() == "close":
            await self.close()
        return Answer(status, found, content)


@dataclass
class Tally:
    """Latencies in seconds by kind (scenario, create, submit, insert), errors seen."""

    latencies: dict[str, list[float]] = field(default_factory=dict)
    done: int = 0
    errors: int = 0
    first_errors: list[str] = field(default_factory=list)

    def add(self, kind: str, seconds: float) -> None:
        self.latencies.setdefault(kind, []).append(seconds)

    def error(self, what: str) -> None:
        self.errors += 1
        if len(self.first_errors) < 5:
            self.first_errors.append(what[:500])


async def quote_scenario(http: Http, spec: dict[str, Any], due: float, tally: Tally) -> bool:
    """Create and price a quote, then submit it: True when both answered as they should."""
    auth = {"Authorization": f"Bearer {spec['token']}", "Content-Type": "application/json"}
    created = await http.request("POST", "/v1/quotes", auth, spec["body"].encode())
    made = time.perf_counter()
    if created.status != 201:
        tally.error(f"create: {created.status} {created.body[:300]!r}")
        return False
    location = created.headers["location"]
    path = location[location.index("/v1/") :]
    sent = time.perf_counter()
    submitted = await http.request(
        "POST", f"{path}/submit", {**auth, "If-Match": created.headers["etag"]}
    )
    end = time.perf_counter()
    if submitted.status != 200:
        tally.error(f"submit: {submitted.status} {submitted.body[:300]!r}")
        return False
    tally.add("create", made - due)
    tally.add("submit", end - sent)
    tally.add("scenario", end - due)
    return True


async def floor_scenario(http: Http, spec: dict[str, Any], due: float, tally: Tally) -> bool:
    answer = await http.request(
        "POST", "/events", {"Content-Type": "application/json"}, spec["body"].encode()
    )
    if answer.status != 201:
        tally.error(f"insert: {answer.status} {answer.body[:300]!r}")
        return False
    tally.add("scenario", time.perf_counter() - due)
    return True


SCENARIOS = {"quote": quote_scenario, "floor": floor_scenario}


def _cpu_busy() -> tuple[float, float] | None:
    """(busy, total) jiffies of the whole machine so far; None off Linux."""
    try:
        values = [float(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except OSError:
        return None
    idle = values[3] + (values[4] if len(values) > 4 else 0)
    return sum(values) - idle, sum(values)


def _own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _process_cpu(pid: int) -> float | None:
    """CPU seconds (user + system, all threads) a process has used; None when it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat[stat.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _backends(database: str) -> list[int]:
    """PostgreSQL's backend processes serving ``database`` (their titles name it)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                title = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if title.startswith(b"postgres: ") and f" {database} ".encode() in title:
                found.append(int(entry.name))
    return found


class Window:
    """What the machine, this process, the server's workers and the database's backends did
    between ``start`` and ``stop`` (CPU from Linux /proc; left out elsewhere).

    Backends come and go (a connection pool opens and closes its overflow connections), so they
    are looked at every ``SAMPLE`` seconds: one that exits counts up to its last sample."""

    SAMPLE = 0.2

    def __init__(self, spec: dict[str, Any]) -> None:
        self.workers: list[int] = spec["pids"]
        self.database: str | None = spec.get("database")
        self.backends: dict[int, tuple[float, float]] = {}  # pid -> (CPU at start, CPU last seen)

    def _look(self, first: bool = False) -> None:
        if self.database is None:
            return
        for pid in _backends(self.database):
            cpu = _process_cpu(pid)
            if cpu is not None:
                # one born during the window spent all of its CPU in it
                base = self.backends[pid][0] if pid in self.backends else cpu if first else 0.0
                self.backends[pid] = (base, cpu)

    async def _sampling(self) -> None:
        while True:
            await asyncio.sleep(self.SAMPLE)
            self._look()

    def _worker_cpu(self) -> float:
        return sum(_process_cpu(pid) or 0.0 for pid in self.workers)

    def start(self) -> None:
        self.t0, self.cpu0, self.machine0 = time.perf_counter(), _own_cpu(), _cpu_busy()
        self.workers0 = self._worker_cpu()
        self._look(first=True)
        self.sampler = asyncio.get_running_loop().create_task(self._sampling())

    def stop(self) -> dict[str, float]:
        wall = time.perf_counter() - self.t0
        self.sampler.cancel()
        self._look()
        out = {
            "wall": wall,
            "loadgen_cpu": (_own_cpu() - self.cpu0) / wall,
            "server_cpu": self._worker_cpu() - self.workers0,
        }
        if self.database is not None:
            out["database_cpu"] = sum(last - base for base, last in self.backends.values())
            out["backends_seen"] = len(self.backends)
        machine = _cpu_busy()
        if machine is not None and self.machine0 is not None:
            busy, total = machine[0] - self.machine0[0], machine[1] - self.machine0[1]
            out["machine_busy"] = busy / total if total else 0.0
        return out


async def connections(spec: dict[str, Any]) -> asyncio.Queue[Http]:
    """A pool of open connections, used in turn (first in, first out), as many clients would.

    uvicorn's workers share one listening socket and a worker accepts every connection waiting
    when it wakes: connections opened in a burst all land on one worker. Opened one at a time,
    a little apart, each goes to whichever worker wakes first."""
    pool: asyncio.Queue[Http] = asyncio.Queue()
    for _ in range(max(spec["concurrency"], CONNECTIONS)):
        http = Http(spec["host"], spec["port"])
        await http.open()
        pool.put_nowait(http)
        await asyncio.sleep(0.01)
    return pool


def spread(pids: Sequence[int], port: int) -> list[int] | None:
    """How many established connections to ``port`` each server process holds (Linux /proc;
    None elsewhere): whether every worker really took a share of the load."""
    try:
        established = set()
        for table in ("/proc/net/tcp", "/proc/net/tcp6"):
            for line in Path(table).read_text().splitlines()[1:]:
                fields = line.split()
                if fields[3] == "01" and int(fields[1].rsplit(":", 1)[1], 16) == port:
                    established.add(fields[9])  # the socket's inode
        counts = []
        for pid in pids:
            held = 0
            for fd in Path(f"/proc/{pid}/fd").iterdir():
                target = os.readlink(fd)
                held += target.startswith("socket:[") and target[8:-1] in established
            counts.append(held)
        return counts
    except OSError:
        return None


async def one(pool: asyncio.Queue[Http], spec: dict[str, Any], due: float, tally: Tally) -> bool:
    """One scenario on the next free connection; a lost connection is an error (and replaced)."""
    http = await pool.get()
    try:
        return await SCENARIOS[spec["scenario"]](http, spec, due, tally)
    except (ConnectionError, OSError, asyncio.IncompleteReadError) as exc:
        tally.error(f"connection: {exc!r}")
        await http.close()  # its next request opens a new one
        return False
    finally:
        pool.put_nowait(http)


async def closed_loop(spec: dict[str, Any]) -> dict[str, Any]:
    """``concurrency`` clients, each sending the next scenario when the last one answered;
    the scenarios that finish within the measured window count."""
    pool = await connections(spec)
    workers = spread(spec["pids"], spec["port"])
    tally, window = Tally(), Window(spec)
    measuring = stop = False

    async def client() -> None:
        while not stop:
            seen = Tally()
            ok = await one(pool, spec, time.perf_counter(), seen)
            if measuring and not stop:
                tally.done += ok
                tally.errors += seen.errors
                tally.first_errors += seen.first_errors[: 5 - len(tally.first_errors)]
                for kind, values in seen.latencies.items():
                    tally.latencies.setdefault(kind, []).extend(values)

    tasks = [asyncio.create_task(client()) for _ in range(spec["concurrency"])]
    await asyncio.sleep(spec["warmup"])
    measuring = True
    window.start()
    await asyncio.sleep(spec["duration"])
    stop = True
    seen = window.stop()
    await asyncio.gather(*tasks)
    while not pool.empty():
        await pool.get_nowait().close()
    return _summary(tally, seen, rate=tally.done / seen["wall"], spread=workers)


async def open_loop(spec: dict[str, Any]) -> dict[str, Any]:
    """A scenario due every 1/rate seconds whatever the answers, on the next free connection;
    its latency counts from when it was due, so a late start or a wait for a connection shows."""
    rate, duration = spec["rate"], spec["duration"]
    pool = await connections(spec)
    workers = spread(spec["pids"], spec["port"])
    tally, window = Tally(), Window(spec)

    async def due_at(due: float) -> None:
        ok = await one(pool, spec, due, tally)
        tally.done += ok  # not `+= await`: that reads the count before the wait

    window.start()
    t0 = time.perf_counter()
    tasks = []
    for n in range(int(rate * duration)):
        due = t0 + n / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(due_at(due)))
    await asyncio.gather(*tasks)
    seen = window.stop()
    while not pool.empty():
        await pool.get_nowait().close()
    return _summary(tally, seen, rate=tally.done / seen["wall"], offered=rate, spread=workers)


def _percentile(ordered: Sequence[float], p: float) -> float:
    """Nearest rank: the smallest value with at least p% of the values at or below it."""
    if not ordered:
        return float("nan")
    rank = max(1, -(-len(ordered) * p // 100))
    return ordered[int(rank) - 1]


def _summary(tally: Tally, seen: dict[str, float], **figures: Any) -> dict[str, Any]:
    latency = {}
    for kind, values in tally.latencies.items():
        ordered = sorted(values)
        latency[kind] = {f"p{p}": _percentile(ordered, p) * 1000 for p in (50, 95, 99)}
        latency[kind]["count"] = len(ordered)
    return {
        **figures,
        **seen,
        "done": tally.done,
        "errors": tally.errors,
        "first_errors": tally.first_errors,
        "latency_ms": latency,
    }


def load_main(spec: dict[str, Any]) -> None:
    try:
        import uvloop  # the server's loop too; less CPU per request for the load generator
    except ImportError:  # pragma: no cover - uvicorn[standard] brings it
        runner = asyncio.run
    else:
        runner = uvloop.run
    measure = closed_loop if spec["mode"] == "closed" else open_loop
    print(json.dumps(runner(measure(spec))))


# --- the harness -----------------------------------------------------------------------------


def _admin(url: str) -> Engine:
    return create_engine(normalise_url(url), isolation_level="AUTOCOMMIT")


@contextmanager
def bench_database(admin_url: str | None, folder: Path) -> Iterator[str]:
    """A new, empty database for this run, dropped afterwards (SQLite: a file in ``folder``)."""
    if admin_url is None:
        yield f"sqlite:///{folder / 'bench.sqlite3'}"
        return
    name = f"cpq_bench_{uuid.uuid4().hex[:10]}"
    admin = _admin(admin_url)
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield (
            make_url(normalise_url(admin_url))
            .set(database=name)
            .render_as_string(hide_password=False)
        )
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def prepare(url: str) -> tuple[str, list[dict[str, Any]]]:
    """Migrate, sync the demo catalog, seed the demo team, create the floor's table. A token of
    rita's (a rep) for quotes, and the benchmark quote's 20 lines of real demo SKUs."""
    from floor_app import create_tables  # bench/, put on the path by main()

    engine = make_engine(url)
    try:
        upgrade(engine)
        run_sync(
            engine,
            FolderSource(REPO / "catalog" / "demo-export"),
            load_profile("canonical"),
            models_dir=REPO / "catalog" / "models",
        )
        create_tables(engine)
        with engine.begin() as conn:
            seed_demo_team(conn)
            _row, token = people.create_token(
                conn, "quote benchmark", "rita", [Scope.QUOTES_READ.value, Scope.QUOTES_WRITE.value]
            )
        with engine.connect() as conn:
            catalog = full_catalog(conn, None)
    finally:
        engine.dispose()
    in_eur = {sku for code, sku in catalog.entries if code == "STD-EUR"}
    # plain items sold by the piece: bundles (KIT-) need a configuration
    candidates = sorted(
        sku
        for sku, item in catalog.items.items()
        if item.active and sku in in_eur and not sku.startswith("KIT-")
    )
    step = max(1, len(candidates) // LINES)
    skus = candidates[::step][:LINES]
    assert len(skus) == LINES, f"the demo catalog has only {len(skus)} plain EUR items"
    lines: list[dict[str, Any]] = [
        {"sku": sku, "quantity": 1 + n % 5} for n, sku in enumerate(skus)
    ]
    # a rep's discount over 10% on one line: the submit asks the manager (approval rows)
    lines[0]["manual_discount"] = {"percent": 12, "reason": "competitor match"}
    return token, lines


def _env(**settings: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CPQ_")}
    env["CPQ_RATE_LIMIT_PER_MINUTE"] = "0"  # a load test is meant to exceed any client's limit
    env.update(settings)
    return env


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass(frozen=True, slots=True)
class Served:
    port: int
    pids: list[int]  # the worker processes


def _start(
    command: list[str], env: dict[str, str], workers: int, log: Path
) -> tuple[subprocess.Popen[bytes], Served] | None:
    """Start a uvicorn server (output to ``log``) and wait until each of its workers has
    started; None when another process took the free port first."""
    port = _free_port()
    with log.open("w") as out:
        process = subprocess.Popen(
            [*command, "--port", str(port), "--workers", str(workers)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=REPO,
        )
    deadline = time.monotonic() + 120
    try:
        while True:
            logged = log.read_text(errors="replace")
            if process.poll() is not None:
                if "address already in use" in logged:
                    return None
                raise RuntimeError(f"{command} exited with {process.returncode}:\n{logged}")
            pids = [int(p) for p in re.findall(r"Started server process \[(\d+)\]", logged)]
            if len(pids) >= workers and logged.count("Application startup complete") >= workers:
                try:
                    if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                        return process, Served(port, pids)
                except httpx.TransportError:
                    pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"{command} did not start in 120 s:\n{logged}")
            time.sleep(0.2)
    except BaseException:
        _stop(process)
        raise


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextmanager
def serving(command: list[str], env: dict[str, str], workers: int, log: Path) -> Iterator[Served]:
    """A uvicorn server, each of its workers started; stopped afterwards."""
    for _ in range(3):
        started = _start(command, env, workers, log)
        if started is not None:
            break
    else:
        raise RuntimeError(f"{command}: three free ports in a row were taken before it bound one")
    process, served = started
    try:
        yield served
    finally:
        _stop(process)


def smoke(port: int, token: str, body: str) -> None:
    """One scenario before measuring: the answers the load generator counts as right are."""
    auth = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers=auth, timeout=60) as client:
        created = client.post("/v1/quotes", content=body)
        assert created.status_code == 201, created.text
        assert len(created.json()["lines"]) == LINES
        submitted = client.post(
            f"/v1/quotes/{created.json()['id']}/submit",
            headers={"If-Match": created.headers["ETag"]},
        )
        assert submitted.status_code == 200, submitted.text
        assert submitted.json()["status"] == "pending_approval", submitted.json()["status"]


def measure(spec: dict[str, Any]) -> dict[str, Any]:
    """Run the load generator in its own process."""
    done = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--load", json.dumps(spec)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"the load generator failed:\n{done.stderr}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


@dataclass(frozen=True, slots=True)
class Row:
    key: str
    figure: str
    value: float
    unit: str  # "/s", "ms", "%", "count"
    target: str = "—"
    verdict: str = "—"

    @property
    def shown(self) -> str:
        if self.unit == "ms":
            return f"{self.value:,.1f} ms" if self.value >= 1 else f"{self.value:.2f} ms"
        if self.unit == "%":
            return f"{self.value * 100:.0f}%"
        if self.unit == "count":
            return f"{self.value:,.0f}"
        return f"{self.value:,.1f}{self.unit}"


@dataclass
class Run:
    """Every measurement of one benchmark run, as the load generator reported them."""

    backend: str
    workers: int
    floor: dict[int, dict[str, Any]] = field(default_factory=dict)  # concurrency -> result
    quote: dict[int, dict[str, Any]] = field(default_factory=dict)
    open: dict[str, Any] = field(default_factory=dict)


def _sweep(
    system: str, served: Served, spec: dict[str, Any], plan: Plan, console: Console
) -> dict[int, dict[str, Any]]:
    base = {
        **spec,
        "mode": "closed",
        "scenario": system,
        "host": "127.0.0.1",
        "port": served.port,
        "pids": served.pids,
    }
    measure({**base, "concurrency": max(plan.concurrency), "warmup": 0, "duration": plan.warmup})
    found = {}
    for c in plan.concurrency:
        time.sleep(plan.settle)
        result = measure({**base, "concurrency": c, "warmup": 0.5, "duration": plan.duration})
        found[c] = result
        console.log(
            f"{system}, {c} clients: {result['rate']:,.1f}/s, "
            f"p50 {result['latency_ms'].get('scenario', {}).get('p50', float('nan')):.1f} ms, "
            f"errors {result['errors']}, machine busy {result.get('machine_busy', 0):.0%}, "
            f"load generator {result['loadgen_cpu']:.0%} of a core, "
            f"connections per worker {result['spread']}, "
            f"PostgreSQL backends seen {result.get('backends_seen', '-')}"
        )
    return found


def run(admin_url: str | None, workers: int, plan: Plan, console: Console) -> tuple[Run, list[Row]]:
    backend = "PostgreSQL" if admin_url else "SQLite"
    done = Run(backend, workers)
    with tempfile.TemporaryDirectory(prefix="cpq-quotes-bench-") as tmp:
        folder = Path(tmp)
        with bench_database(admin_url, folder) as url:
            console.log(f"preparing {make_url(url).render_as_string()}")
            token, lines = prepare(url)
            database = make_url(url).database if admin_url else None
            floor_body = json.dumps({"reference": "Q-000001", "amount": "1234.50"})
            floor_command = [
                sys.executable,
                "-m",
                "uvicorn",
                "floor_app:create_app",
                "--factory",
                "--app-dir",
                str(BENCH_DIR),
                "--host",
                "127.0.0.1",
            ]
            floor_env = _env(CPQ_FLOOR_DATABASE_URL=url)
            with serving(floor_command, floor_env, workers, folder / "floor.log") as served:
                floor_spec = {"body": floor_body, "database": database}
                done.floor = _sweep("floor", served, floor_spec, plan, console)
            quote_body = json.dumps({"customer": CUSTOMER, "lines": lines})
            quote_env = _env(
                CPQ_DATABASE_URL=url,
                CPQ_RULES_DIR=str(REPO / "pricing_rules"),
                CPQ_PRODUCT_MODELS_DIR=str(REPO / "catalog" / "models"),
            )
            quote_command = [sys.executable, "-m", "cpq", "serve", "--host", "127.0.0.1"]
            spec = {"body": quote_body, "token": token, "database": database}
            with serving(quote_command, quote_env, workers, folder / "cpq.log") as served:
                smoke(served.port, token, quote_body)
                done.quote = _sweep("quote", served, spec, plan, console)
                peak = max(r["rate"] for r in done.quote.values())
                time.sleep(plan.settle)
                done.open = measure(
                    {
                        **spec,
                        "mode": "open",
                        "scenario": "quote",
                        "host": "127.0.0.1",
                        "port": served.port,
                        "pids": served.pids,
                        "rate": max(peak * PEAK_SHARE, 1.0),
                        "duration": plan.open_duration,
                        "concurrency": 64,  # connections: enough never to wait for one
                    }
                )
            console.log(
                f"open loop: {done.open['offered']:.1f}/s offered, {done.open['rate']:.1f}/s "
                f"answered, errors {done.open['errors']}, "
                f"connections per worker {done.open['spread']}"
            )
    return done, rows_of(done, quick=plan is QUICK)


def rows_of(done: Run, *, quick: bool) -> list[Row]:
    def verdict(ok: bool) -> str:
        return "n/a (quick)" if quick else "ok" if ok else "MISSED"

    floor_c, floor = max(done.floor.items(), key=lambda kv: kv[1]["rate"])
    quote_c, quote = max(done.quote.items(), key=lambda kv: kv[1]["rate"])
    ratio = quote["rate"] / floor["rate"]
    opened = done.open
    latency = opened["latency_ms"]
    errors = (
        sum(r["errors"] for r in (*done.floor.values(), *done.quote.values())) + opened["errors"]
    )
    rows = [
        Row(
            "floor_peak",
            f"floor: POST, one INSERT — peak, closed loop ({floor_c} clients)",
            floor["rate"],
            "/s",
        ),
        Row(
            "quote_peak",
            f"quote: create 20 lines + submit — peak, closed loop ({quote_c} clients)",
            quote["rate"],
            "/s",
        ),
        Row(
            "quote_peak_requests",
            "  the same in HTTP requests (2 a scenario)",
            2 * quote["rate"],
            "/s",
        ),
        Row(
            "ratio",
            "quote scenarios/s ÷ floor requests/s",
            ratio,
            "%",
            f"≥ {RATIO_TARGET:.0%}",
            verdict(ratio >= RATIO_TARGET),
        ),
        Row("ratio_requests", "  the same per HTTP request", 2 * ratio, "%"),
        Row(
            "open_offered",
            f"open loop: scenarios offered ({PEAK_SHARE:.0%} of the quote peak)",
            opened["offered"],
            "/s",
        ),
        Row("open_answered", "open loop: scenarios answered", opened["rate"], "/s"),
    ]
    for p in (50, 95, 99):
        is_p99 = p == 99
        rows.append(
            Row(
                f"scenario_p{p}",
                f"scenario latency p{p} (create + submit, from when it was due)",
                latency["scenario"][f"p{p}"],
                "ms",
                f"≤ {P99_TARGET_MS:.0f} ms" if is_p99 else "—",
                verdict(latency["scenario"]["p99"] <= P99_TARGET_MS) if is_p99 else "—",
            )
        )
    for kind in ("create", "submit"):
        for p in (50, 95, 99):
            rows.append(Row(f"{kind}_p{p}", f"  {kind} request p{p}", latency[kind][f"p{p}"], "ms"))
    for system, unit, found in (("floor", "request", floor), ("quote", "scenario", quote)):
        rows.append(
            Row(
                f"{system}_server_cpu",
                f"{system}: server CPU per {unit} (its worker processes)",
                found["server_cpu"] / found["done"] * 1000,
                "ms",
            )
        )
        if "database_cpu" in found:
            rows.append(
                Row(
                    f"{system}_database_cpu",
                    f"{system}: PostgreSQL CPU per {unit} (its backends)",
                    found["database_cpu"] / found["done"] * 1000,
                    "ms",
                )
            )
    cost = {
        system: (found["server_cpu"] + found.get("database_cpu", 0.0)) / found["done"]
        for system, found in (("floor", floor), ("quote", quote))
    }
    rows.append(
        Row(
            "cpu_ratio",
            "  floor CPU per request ÷ quote CPU per scenario (the ratio on an idle machine)",
            cost["floor"] / cost["quote"],
            "%",
        )
    )
    rows += [
        Row(
            "loadgen_cpu",
            "load generator CPU at the quote peak (share of one core)",
            quote["loadgen_cpu"],
            "%",
        ),
        Row(
            "floor_loadgen_cpu",
            "load generator CPU at the floor peak (share of one core)",
            floor["loadgen_cpu"],
            "%",
        ),
    ]
    if "machine_busy" in quote and "machine_busy" in floor:
        rows += [
            Row(
                "machine_busy_floor",
                "machine CPU busy at the floor peak",
                floor["machine_busy"],
                "%",
            ),
            Row(
                "machine_busy_quote",
                "machine CPU busy at the quote peak",
                quote["machine_busy"],
                "%",
            ),
        ]
    rows.append(
        Row(
            "errors",
            "errors (any answer not 201/200, any lost connection)",
            errors,
            "count",
            "0",
            verdict(errors == 0),
        )
    )
    return rows


def tables(done: Run, rows: Sequence[Row], quick: bool) -> tuple[Table, Table]:
    title = (
        f"Quote API over HTTP, {done.backend}, {done.workers} worker(s) each, "
        f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}"
    )
    if quick:
        title += " — QUICK: seconds of load, targets are for the full run"
    floor_c = max(done.floor, key=lambda c: done.floor[c]["rate"])
    quote_c = max(done.quote, key=lambda c: done.quote[c]["rate"])
    caption = (
        "Connections per worker process (the load generator's, established): "
        f"floor peak {done.floor[floor_c]['spread']}, quote peak {done.quote[quote_c]['spread']}, "
        f"open loop {done.open['spread']}"
    )
    out = Table(title=title, caption=caption)
    out.add_column("figure")
    for column in ("value", "target", "ok/miss"):
        out.add_column(column, justify="right")
    for row in rows:
        out.add_row(row.figure, row.shown, row.target, row.verdict)
    sweep = Table(title="Closed loop, by concurrent clients: throughput and p50 / p99 latency")
    for column in ("clients", "floor /s", "floor p50/p99", "quote /s", "quote p50/p99"):
        sweep.add_column(column, justify="right")
    for c in sorted(done.floor):
        f, q = done.floor[c], done.quote[c]
        fl, ql = f["latency_ms"].get("scenario", {}), q["latency_ms"].get("scenario", {})
        sweep.add_row(
            str(c),
            f"{f['rate']:,.0f}",
            f"{fl.get('p50', float('nan')):.1f} / {fl.get('p99', float('nan')):.1f} ms",
            f"{q['rate']:,.1f}",
            f"{ql.get('p50', float('nan')):.1f} / {ql.get('p99', float('nan')):.1f} ms",
        )
    return out, sweep


def main(argv: Sequence[str] | None = None) -> list[Row]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument(
        "--admin-url",
        default=os.environ.get("CPQ_BENCH_ADMIN_URL", DEFAULT_ADMIN_URL),
        help="PostgreSQL URL used only to CREATE and DROP the benchmark's own database",
    )
    parser.add_argument("--sqlite", action="store_true", help="SQLite files, one worker each")
    parser.add_argument("--workers", type=int, default=2, help="worker processes of each server")
    parser.add_argument("--quick", action="store_true", help="a few seconds of load (the test)")
    parser.add_argument("--json", action="store_true", help="also print the rows as JSON")
    parser.add_argument("--load", help=argparse.SUPPRESS)  # the load generator's own process
    args = parser.parse_args(argv)
    if args.load:
        load_main(json.loads(args.load))
        return []
    if str(BENCH_DIR) not in sys.path:
        sys.path.insert(0, str(BENCH_DIR))  # floor_app, for creating its table
    plan = QUICK if args.quick else FULL
    workers = 1 if args.sqlite else args.workers
    console = Console(width=130)
    done, rows = run(None if args.sqlite else args.admin_url, workers, plan, console)
    for table in tables(done, rows, args.quick):
        console.print(table)
    if args.json:
        print(json.dumps({"rows": [asdict(r) for r in rows], "run": asdict(done)}, default=str))
    return rows


if __name__ == "__main__":
    main()
