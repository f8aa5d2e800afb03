"""The long contract fuzz: the run tests/e2e/test_contract_fuzz.py makes, with many more examples.

Starts ``cpq demo`` (SQLite, or a fresh PostgreSQL database made from ``--admin-url`` and
dropped afterwards), then, as a rep (the demo CRM token) and as an admin (a web session):

1. ``--examples`` valid and as many invalid requests to every operation in /openapi.json;
2. ``--sequences`` sequences of up to ``--steps`` calls along the OpenAPI links (a quote created,
   then its lines changed, submitted, ...).

Every answer is checked: no server error; a status code, content type and body the schema
documents; invalid data rejected. Prints a table (operations, requests, linked steps and how many
of them succeeded, failures, time) and every failure; exits 1 if there was any.

    python bench/contract_fuzz.py [--examples 100] [--sequences 300] [--steps 10]
                                  [--admin-url postgresql://postgres@127.0.0.1:5432/test] [--json]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO / "bench"), str(REPO / "tests")]

from contract_fuzzing import (  # noqa: E402
    Report,
    admin_session,
    fuzz_operations,
    linked_sequences,
    load_schema,
    rep_session,
)
from e2e_env import cpq_env, free_port, running  # noqa: E402
from quotes_bench import bench_database  # noqa: E402
from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

CALLERS = {"rep (API token)": rep_session, "admin (web session)": admin_session}


def run(args: argparse.Namespace, folder: Path) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    with bench_database(args.admin_url, folder) as url:
        port = free_port()
        env = cpq_env(
            database_url=url, data_dir=str(folder), port=str(port), rate_limit_per_minute="0"
        )
        with running(["demo"], env, port, timeout=300) as base:
            schema = load_schema(base)
            for caller, session_of in CALLERS.items():
                for kind in ("operations", "linked sequences"):
                    started = time.perf_counter()
                    with session_of(base) as session:
                        report: Report
                        if kind == "operations":
                            report = fuzz_operations(schema, base, session, args.examples)
                        else:
                            report = linked_sequences(
                                schema, base, session, args.sequences, args.steps
                            )
                    rows.append(
                        {
                            "caller": caller,
                            "run": kind,
                            "operations": report.operations,
                            "requests": report.requests,
                            "linked_steps": len(report.linked),
                            "linked_ok": sum(1 for _, s in report.linked if 200 <= s < 300),
                            "failures": report.failures,
                            "seconds": round(time.perf_counter() - started, 1),
                        }
                    )
    return rows


def show(rows: list[dict[str, object]], database: str) -> None:
    console = Console(width=130)
    table = Table(title=f"Contract fuzz against cpq demo on {database}")
    for column in ("caller", "run", "operations", "requests", "linked steps (2xx)", "failures",
                   "seconds"):  # fmt: skip
        # operations: fuzzed one by one, or (linked sequences) reached through a link
        table.add_column(column, justify="left" if column in ("caller", "run") else "right")
    for row in rows:
        failures = row["failures"]
        assert isinstance(failures, list)
        table.add_row(
            str(row["caller"]),
            str(row["run"]),
            str(row["operations"]),
            str(row["requests"]),
            f"{row['linked_steps']} ({row['linked_ok']})" if row["run"] != "operations" else "-",
            str(len(failures)),
            str(row["seconds"]),
        )
    console.print(table)
    for row in rows:
        for failure in row["failures"]:  # type: ignore[attr-defined]
            console.print(f"[red]{row['caller']}, {row['run']}:[/red] {failure}", markup=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=100, help="per operation and mode")
    parser.add_argument("--sequences", type=int, default=300, help="per caller")
    parser.add_argument("--steps", type=int, default=10, help="calls per sequence, at most")
    parser.add_argument("--admin-url", help="PostgreSQL to make a fresh database in")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        rows = run(args, Path(folder))
    if args.json:
        print(json.dumps(rows, indent=2))
    else:
        show(rows, "PostgreSQL" if args.admin_url else "SQLite")
    return 1 if any(row["failures"] for row in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
