"""Long quotes rendered in page ranges by the worker pool, read back: every row once and in
order, the table header and "page X of Y" on every page, the plan kept (no fallback), the same
bytes every time; and the fallback when a plan is wrong."""

from __future__ import annotations

import logging
import random
import re
from collections.abc import Iterator
from typing import Any

import pytest
from document_builders import context, line
from pdf_read import fonts, page_texts, reader, squeezed

from cpq.documents import workers
from cpq.documents.render import render_quote_pdf
from cpq.documents.variants import Variant
from cpq.settings import Settings

pytestmark = pytest.mark.slow

SETTINGS = Settings(document_workers=2, document_timeout_seconds=120)
WORDS = [
    "sensor",
    "pressure",
    "transmitter",
    "stainless",
    "steel",
    "diaphragm",
    "gateway",
    "cabinet",
    "controller",
    "Edelstahl-Drucktransmitter",
    "4-20mA/HART-output-module",
    "installation",
    "commissioning",
    "service",
    "annual",
    "maintenance",
    "calibration",
    "certificate",
    "bracket",
    "cable",
    "gland",
    "IP67",
    "ATEX",
    "zone",
]


@pytest.fixture(scope="module", autouse=True)
def _pool() -> Iterator[None]:
    yield
    workers.close_pools()


def varied_lines(count: int, seed: int) -> list[dict[str, Any]]:
    """Bundles with options, recurring lines, names from one word to a paragraph, long SKUs."""
    rng = random.Random(seed)
    out: list[dict[str, Any]] = []
    bundle = None
    for n in range(1, count + 1):
        name = " ".join(rng.choice(WORDS) for _ in range(rng.choice([1, 2, 4, 8, 14, 30])))
        sku = f"SKU-{n:05d}" + ("-EXTRA-LONG-VARIANT-CODE" if rng.random() < 0.05 else "")
        extra: dict[str, Any] = {"name": name, "sku": sku}
        if rng.random() < 0.15:
            extra |= {"recurring": True, "term_months": rng.choice([12, 36])}
        if bundle is not None and rng.random() < 0.5:
            out.append(line(n, parent=bundle, **extra))
        else:
            out.append(line(n, **extra))
            bundle = n if rng.random() < 0.3 else None
    return out


def _skus(pages: list[str]) -> list[str]:
    return [m for page in pages for m in re.findall(r"SKU-\d{5}", page)]


@pytest.mark.parametrize(
    ("count", "seed", "lang"), [(300, 1, "en"), (300, 2, "de"), (500, 3, "en")]
)
def test_a_long_quote_in_page_ranges_keeps_every_row_once_and_numbers_its_pages(
    count: int, seed: int, lang: str, caplog: pytest.LogCaptureFixture
) -> None:
    ctx = context(varied_lines(count, seed), lang=lang)

    with caplog.at_level(logging.WARNING, logger=workers.__name__):
        pdf = workers.render_pdf(ctx, Variant.STANDARD, settings=SETTINGS)

    assert "did not keep its plan" not in caplog.text  # the ranges were used, not the fallback
    pages = page_texts(pdf)
    assert _skus(pages) == [f"SKU-{n:05d}" for n in range(1, count + 1)]
    page_word, of_word, header = {
        "en": ("Page", "of", "Line total"),
        "de": ("Seite", "von", "Gesamt"),
    }[lang]
    for number, page in enumerate(pages, start=1):
        assert f"{page_word} {number} {of_word} {len(pages)}" in page
        assert "Q-2026-000042" in page
        if "SKU-" in page:
            assert header in page
    after_rows = squeezed("".join(pages)).split(f"SKU-{count:05d}")[-1]
    assert squeezed(ctx["totals"]["total"]) in after_rows
    assert ctx["labels"]["acceptance"].upper() in pages[-1]
    # Planned pages are at most a little less full than WeasyPrint's own.
    whole = len(reader(render_quote_pdf(ctx)).pages)
    assert whole <= len(pages) <= whole + max(1, whole // 10)


def test_page_ranges_give_the_same_bytes_every_time() -> None:
    ctx = context(varied_lines(300, 7), status="approved")

    first = workers.render_pdf(ctx, Variant.STANDARD, settings=SETTINGS)
    second = workers.render_pdf(ctx, Variant.STANDARD, settings=SETTINGS)
    workers.close_pools()  # new worker processes, as after a restart or in another API process
    third = workers.render_pdf(ctx, Variant.STANDARD, settings=SETTINGS)

    assert first == second == third
    assert all(fonts(first).values()), fonts(first)  # every part's fonts embedded
    meta = reader(first).metadata
    assert meta is not None and meta.title == "Quote Q-2026-000042 v2"
    assert "DRAFT" not in squeezed("".join(page_texts(first)))


def test_a_plan_the_layout_does_not_keep_falls_back_to_one_whole_render(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    ctx = context(varied_lines(300, 9))
    # Rows planned as a tenth of their height: every planned page overflows.
    from cpq.documents.pages import row_height as real

    monkeypatch.setattr(workers, "plan_pages", _squeezed_plan(real))

    with caplog.at_level(logging.WARNING, logger=workers.__name__):
        pdf = workers.render_pdf(ctx, Variant.STANDARD, settings=SETTINGS)

    assert "did not keep its plan" in caplog.text
    pages = page_texts(pdf)
    assert _skus(pages) == [f"SKU-{n:05d}" for n in range(1, 301)]
    assert f"Page {len(pages)} of {len(pages)}" in pages[-1]


def _squeezed_plan(real: Any) -> Any:
    from cpq.documents import pages as planning

    def plan(
        rows: Any, geometry: Any, regular: Any, bold: Any, first_page_top: Any = None
    ) -> list[list[int]]:
        out: list[list[int]] = [[]]
        used = 0.0
        room = geometry.page_bottom - geometry.first_row_top
        for row in rows:
            height = real(row, geometry, regular, bold) / 10
            if out[-1] and used + height > room:
                out.append([])
                used = 0.0
            out[-1].append(int(row["index"]))
            used += height
        return out

    assert planning.plan_pages is not None
    return plan
