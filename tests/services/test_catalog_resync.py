"""Re-sync by lines gives exactly what a full sync gives, or steps aside for it."""

from __future__ import annotations

import csv
import io
import random
import tempfile
from pathlib import Path

import pytest
from databases import fresh_database
from exports import small_export, write_export
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, select

from cpq.catalog.entities import ENTITIES, PRICE_LIST_ENTRIES
from cpq.db.engine import make_engine
from cpq.db.models import ENTITY_TABLES
from cpq.errors import InvalidInput
from cpq.services.catalog_sync import run_sync
from cpq.sync.mapping import load_profile
from cpq.sync.sources.files import FolderSource


def catalog(items: int = 30) -> dict[str, list[dict[str, object]]]:
    export = small_export()
    export["items"] += [
        {"sku": f"X-{n:03d}", "name": f"Item {n}", "base_unit": "each", "product_group": "HW"}
        for n in range(items)
    ]
    export["price_list_entries"] += [
        {"price_list": code, "sku": f"X-{n:03d}", "unit_price": f"{10 + n}.00"}
        for n in range(items)
        for code in ("STD-EUR", "STD-USD")
    ]
    export["price_list_entries"] += [
        {
            "price_list": "STD-EUR",
            "sku": f"X-{n:03d}",
            "unit_price": f"{8 + n}.00",
            "min_quantity": "10",
        }
        for n in range(0, items, 3)
    ]
    export["exchange_rates"] += [
        {
            "from_currency": "EUR",
            "to_currency": "GBP",
            "valid_date": f"2026-0{m}-01",
            "rate": f"0.8{m}",
        }
        for m in range(1, 7)
    ]
    return export


def sync(engine: Engine, folder: Path, by_lines: bool) -> tuple[str, object]:
    """The outcome in comparable form: status and counts, or the sorted error and warning codes."""
    try:
        outcome = run_sync(
            engine,
            FolderSource(folder),
            load_profile("canonical"),
            models_dir=None,
            by_lines=by_lines,
        )
    except InvalidInput as failure:
        return "failed", sorted(
            (i.code, i.file, i.row, i.column) for i in failure.extensions["issues"]
        )
    return outcome.status, (outcome.diff, sorted(i.code for i in outcome.issues), outcome.version)


def stored(engine: Engine) -> dict[str, set[tuple[object, ...]]]:
    with engine.connect() as conn:
        return {
            e.name: set(
                conn.execute(
                    select(
                        *(
                            ENTITY_TABLES[e.name].__table__.c[f]
                            for f in ("version_from", "version_to", "row_hash", *e.field_names)
                        )
                    )
                )
            )  # type: ignore[attr-defined]
            for e in ENTITIES
        }


def lines_of(text: str) -> list[str]:
    return text.splitlines()


FIELDS = list(PRICE_LIST_ENTRIES.field_names)  # the column order the mutations write


def row_line(**cells: object) -> str:
    buffer = io.StringIO()
    csv.writer(buffer).writerow([cells.get(f, "") for f in FIELDS])
    return buffer.getvalue().strip()


MUTATIONS = {
    "reprice": lambda rng, body: _replace(
        rng,
        body,
        lambda cells: {**cells, "unit_price": f"{rng.randint(1, 500)}.{rng.randint(0, 99):02d}"},
    ),
    "reformat": lambda rng, body: _replace(
        rng, body, lambda cells: {**cells, "unit_price": str(cells["unit_price"]) + "0"}
    ),
    "drop": lambda rng, body: body.pop(rng.randrange(len(body))),
    "new_break": lambda rng, body: body.append(
        row_line(
            price_list="STD-USD",
            sku=f"X-{rng.randrange(30):03d}",
            unit_price="5.00",
            min_quantity=str(rng.choice([25, 50, 100])),
        )
    ),
    "unknown_sku": lambda rng, body: body.append(
        row_line(price_list="STD-EUR", sku="NOPE", unit_price="1.00")
    ),
    "duplicate": lambda rng, body: _replace(
        rng, body, lambda cells: {**cells, "unit_price": "1.00"}, keep=True
    ),
    "overlap": lambda rng, body: body.append(
        row_line(
            price_list="STD-EUR",
            sku=f"X-{rng.randrange(30):03d}",
            unit_price="2.00",
            valid_from="2026-05-01",
        )
    ),
    "bad_number": lambda rng, body: _replace(
        rng, body, lambda cells: {**cells, "unit_price": "12,5x"}
    ),
    "negative": lambda rng, body: _replace(rng, body, lambda cells: {**cells, "unit_price": "-3"}),
    "unprice_item": lambda rng, body: body.__setitem__(
        slice(None), [line for line in body if ",X-007," not in line]
    ),
    "inactive_item_price": lambda rng, body: body.append(
        row_line(price_list="STD-EUR", sku="S-200", unit_price="3.00", min_quantity="1000")
    ),
    "box_price": lambda rng, body: body.append(
        row_line(price_list="STD-USD", sku="C-10", unit="box", unit_price="5.00")
    ),
    "foreign_unit": lambda rng, body: body.append(
        row_line(price_list="STD-USD", sku="S-100", unit="box", unit_price="5.00")
    ),
}


# Valid changes four times as likely as broken ones, so that runs of several syncs happen.
VALID = [
    "reprice",
    "reformat",
    "drop",
    "new_break",
    "unprice_item",
    "inactive_item_price",
    "box_price",
]
LIKELY = sorted(VALID * 4 + [m for m in MUTATIONS if m not in VALID])


def _replace(rng: random.Random, body: list[str], change: object, keep: bool = False) -> None:
    n = rng.randrange(len(body))
    cells = dict(zip(FIELDS, next(csv.reader([body[n]])), strict=False))
    new = {**cells, **change(cells)}  # type: ignore[operator]
    buffer = io.StringIO()
    csv.writer(buffer).writerow([new.get(f, "") for f in FIELDS])
    line = buffer.getvalue().strip()
    if keep:
        body.append(line)
    else:
        body[n] = line


def mutated(folder: Path, out: Path, names: list[str], seed: int) -> Path:
    rng = random.Random(seed)
    out.mkdir()
    for file in folder.iterdir():
        (out / file.name).write_bytes(file.read_bytes())
    path = out / "price_list_entries.csv"
    header, *body = lines_of(path.read_text())
    for name in names:
        MUTATIONS[name](rng, body)
    path.write_text("\n".join([header, *body]) + "\n")
    return out


def base(folder: Path) -> Path:
    export = catalog()
    export["items"][1]["active"] = "false"  # S-200, an inactive item
    export["price_list_entries"] = [p for p in export["price_list_entries"] if p["sku"] != "S-200"]
    write_export(folder, export)
    entries = folder / "price_list_entries.csv"
    rows = list(csv.DictReader(entries.open()))
    with entries.open("w", newline="") as f:  # the column order the mutations write
        writer = csv.DictWriter(f, FIELDS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return folder


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    st.lists(st.lists(st.sampled_from(LIKELY), min_size=1, max_size=3), min_size=1, max_size=3),
    st.integers(0, 10**6),
)
def test_by_lines_and_full_sync_agree(template_url: str, steps: list[list[str]], seed: int) -> None:
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        with (
            fresh_database(template_url, tmp) as url_lines,
            fresh_database(template_url, tmp) as url_full,
        ):
            lines, full = make_engine(url_lines), make_engine(url_full)
            folder = base(tmp / "v0")
            assert sync(lines, folder, True) == sync(full, folder, False)
            for n, names in enumerate(steps):
                folder = mutated(folder, tmp / f"v{n + 1}", names, seed + n)
                assert sync(lines, folder, True) == sync(full, folder, False), names
                assert stored(lines) == stored(full), names
            lines.dispose()
            full.dispose()


def test_a_repriced_line_is_read_alone(engine: Engine, tmp_path: Path) -> None:
    folder = base(tmp_path / "v0")
    run_sync(engine, FolderSource(folder), load_profile("canonical"), models_dir=None)
    changed = mutated(folder, tmp_path / "v1", ["reprice"], seed=1)

    outcome = run_sync(engine, FolderSource(changed), load_profile("canonical"), models_dir=None)

    assert (outcome.status, outcome.mode) == ("succeeded", "lines")
    assert outcome.diff["price_list_entries"]["changed"] == 1
    assert outcome.diff["items"] == {
        "added": 0,
        "changed": 0,
        "deactivated": 0,
        "unchanged": 33,
        "samples": {"added": [], "changed": [], "deactivated": []},
    }


@pytest.mark.parametrize(
    ("mutation", "code"),
    [("unknown_sku", "unknown_sku"), ("overlap", "overlapping_validity"), ("negative", "negative")],
)
def test_errors_in_changed_lines_are_reported_by_the_full_check(
    engine: Engine, tmp_path: Path, mutation: str, code: str
) -> None:
    folder = base(tmp_path / "v0")
    run_sync(engine, FolderSource(folder), load_profile("canonical"), models_dir=None)

    with pytest.raises(InvalidInput) as failure:
        run_sync(
            engine,
            FolderSource(mutated(folder, tmp_path / "v1", [mutation], seed=3)),
            load_profile("canonical"),
            models_dir=None,
        )

    assert code in {i.code for i in failure.value.extensions["issues"]}
