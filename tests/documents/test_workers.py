"""Each render is bounded: past its time or memory it fails cleanly (RenderFailed), the worker
is replaced, and the next render works."""

from __future__ import annotations

import time

import pytest
from document_builders import context, line
from pdf_read import reader

from cpq.documents.variants import Variant
from cpq.documents.workers import RenderPool, render_pdf
from cpq.errors import RenderFailed
from cpq.settings import Settings

pytestmark = pytest.mark.slow


def _whole(lines: int) -> tuple[str, tuple[object, ...]]:
    ctx = context([line(n) for n in range(1, lines + 1)])
    return ("render_quote_pdf_variant", (ctx, Variant.STANDARD))


def test_a_render_past_its_time_fails_and_the_next_one_works() -> None:
    pool = RenderPool(workers=1, timeout_seconds=0.5, memory_mb=1000)
    try:
        started = time.monotonic()
        with pytest.raises(RenderFailed, match=r"longer than 0\.5 s"):
            pool.run([_whole(2000)])  # several seconds of layout
        assert time.monotonic() - started < 5  # the caller was not kept waiting for it

        pool.timeout_seconds = 60
        (pdf,) = pool.run([_whole(1)])
        assert len(reader(pdf).pages) == 1
    finally:
        pool.close()


def test_a_render_past_its_memory_fails_and_the_next_one_works() -> None:
    pool = RenderPool(workers=1, timeout_seconds=120, memory_mb=250)
    try:
        with pytest.raises(RenderFailed, match=r"memory|renderer failed"):
            pool.run([_whole(4000)])  # well over 250 MB in one process

        (pdf,) = pool.run([_whole(1)])
        assert len(reader(pdf).pages) == 1
    finally:
        pool.close()


def test_the_api_entry_point_reports_a_render_past_its_time() -> None:
    settings = Settings(document_workers=1, document_timeout_seconds=0.2)
    ctx = context([line(n) for n in range(1, 1500)])

    with pytest.raises(RenderFailed):
        render_pdf(ctx, Variant.STANDARD, settings=settings)
