"""Render quote documents in a pool of worker processes, each render bounded in time and memory.

A render never runs in the API process: a runaway document (a huge quote, a pathological
template) costs a worker, which is killed and replaced, and the request gets ``RenderFailed``
(503) while the server goes on. Workers are started once (spawned, so they share nothing with
the server's threads), warmed up (WeasyPrint, Pango and the fonts loaded) and each limited to
``document_memory_mb`` of data (``RLIMIT_DATA``: an allocation beyond it is a ``MemoryError``).

Long quotes are laid out in page ranges in parallel (``pages.py``): every page planned (the first
below where this quote's header ends), the pages split into ranges across the workers; the parts
are checked against the plan, merged, and the page footers ("page X of Y") stamped on. A part that
did not keep its plan makes the whole document render in one worker instead (slower, same
document). Short quotes and the PDF/A and PDF/UA variants always render in one worker.
"""

from __future__ import annotations

import io
import logging
import multiprocessing
import resource
import threading
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from cpq.documents.pages import (
    Geometry,
    matches,
    plan_pages,
    split_ranges,
)
from cpq.documents.templates import quote_sans, template_version
from cpq.documents.variants import Variant
from cpq.errors import PdfUnavailable, RenderFailed
from cpq.settings import Settings

log = logging.getLogger(__name__)

# Up to this many rows a document renders whole in one worker (a few pages: splitting it
# would cost more than it saves).
WHOLE_MAX_ROWS = 150
# No part lays out more rows than this: it bounds a worker's memory whatever the quote's size.
PART_MAX_ROWS = 600


def _limit_memory(memory_mb: int) -> None:
    limit = memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_DATA, (limit, limit))


def _start_worker(memory_mb: int) -> None:
    _limit_memory(memory_mb)
    try:
        from cpq.documents import render
    except (OSError, ImportError):
        return  # every job will say why (PdfUnavailable)
    render.warm_up()


def _ready() -> None:
    """Nothing: a first job that makes the executor start a worker."""


def _job(name: str, args: tuple[Any, ...]) -> Any:
    """Run ``cpq.documents.render.<name>(*args)`` in a worker. The API process never imports
    WeasyPrint: it sends names, and gets back plain data (``pages.LaidOut``, bytes)."""
    try:
        from cpq.documents import render
    except (OSError, ImportError) as exc:
        raise PdfUnavailable(
            f"PDF rendering needs Pango on the server ({exc}); see README.md"
        ) from None
    try:
        return getattr(render, name)(*args)
    except MemoryError:
        raise RenderFailed("the document needed more memory than a render may use") from None


class RenderPool:
    """Worker processes for renders; ``run`` waits for a batch of calls with one deadline."""

    def __init__(self, workers: int, timeout_seconds: float, memory_mb: int) -> None:
        self.workers = workers
        self.timeout_seconds = timeout_seconds
        self.memory_mb = memory_mb
        self._lock = threading.Lock()
        self._executor: ProcessPoolExecutor | None = None

    def _current(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._executor is None:
                self._executor = ProcessPoolExecutor(
                    self.workers,
                    mp_context=multiprocessing.get_context("spawn"),
                    initializer=_start_worker,
                    initargs=(self.memory_mb,),
                )
                # Start every worker now (the executor would start them one by one as work
                # comes), so that the first long quote does not wait for a cold one.
                for _ in range(self.workers):
                    self._executor.submit(_ready)
            return self._executor

    def _kill(self, executor: ProcessPoolExecutor) -> None:
        """Stop the workers now, mid-render (a new pool starts on the next call)."""
        with self._lock:
            if self._executor is executor:
                self._executor = None
        # Python 3.14 has ProcessPoolExecutor.kill_workers(); before it, its process table.
        processes: dict[int, Any] = getattr(executor, "_processes", None) or {}
        for process in list(processes.values()):
            process.kill()
        executor.shutdown(wait=False, cancel_futures=True)

    def run(self, calls: Sequence[tuple[str, tuple[Any, ...]]]) -> list[Any]:
        """The results of ``calls`` (run in parallel), or ``RenderFailed`` when they are not
        all done within the timeout or a worker died (out of memory in native code, say):
        then the workers are killed, so that a runaway render stops using the machine."""
        executor = self._current()
        futures = [executor.submit(_job, name, args) for name, args in calls]
        deadline = time.monotonic() + self.timeout_seconds
        try:
            return [f.result(timeout=max(0.0, deadline - time.monotonic())) for f in futures]
        except TimeoutError:
            self._kill(executor)
            raise RenderFailed(
                f"the document took longer than {self.timeout_seconds:g} s to render"
            ) from None
        except BrokenProcessPool:
            self._kill(executor)
            raise RenderFailed(
                "the render process stopped: the document needed more memory than a render "
                "may use, or the renderer crashed"
            ) from None
        except PdfUnavailable:
            raise
        except RenderFailed:
            self._kill(executor)  # a worker that ran out of memory is not trusted again
            raise
        except Exception as exc:  # the renderer failed (memory pressure in native code, say)
            log.exception("document render failed")
            self._kill(executor)
            raise RenderFailed(f"the renderer failed: {type(exc).__name__}") from None

    def close(self) -> None:
        with self._lock:
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=True, cancel_futures=True)


_pools: dict[tuple[int, float, int], RenderPool] = {}
_pools_lock = threading.Lock()


def pool_for(settings: Settings) -> RenderPool:
    """The process-wide pool for these settings (started on first use)."""
    key = (
        settings.document_workers,
        settings.document_timeout_seconds,
        settings.document_memory_mb,
    )
    with _pools_lock:
        if key not in _pools:
            _pools[key] = RenderPool(*key)
        return _pools[key]


def close_pools() -> None:
    with _pools_lock:
        pools = list(_pools.values())
        _pools.clear()
    for pool in pools:
        pool.close()


_geometry: dict[tuple[str, str], Geometry] = {}


def _geometry_for(pool: RenderPool, context: Mapping[str, Any]) -> Geometry:
    key = (template_version(), str(context["lang"]))
    if key not in _geometry:
        (_geometry[key],) = pool.run([("calibrate", (context,))])
    return _geometry[key]


def render_pdf(context: Mapping[str, Any], variant: Variant, *, settings: Settings) -> bytes:
    """The PDF of ``context``; ``RenderFailed`` when the render exceeds its bounds,
    ``PdfUnavailable`` when the server cannot render at all."""
    pool = pool_for(settings)
    rows = context["lines"]
    if variant != Variant.STANDARD or len(rows) <= WHOLE_MAX_ROWS:
        (pdf,) = pool.run([("render_quote_pdf_variant", (context, variant))])
        return bytes(pdf)
    merged = _render_in_ranges(pool, context)
    if merged is None:
        (pdf,) = pool.run([("render_quote_pdf_variant", (context, variant))])
        return bytes(pdf)
    return merged


def render_html(context: Mapping[str, Any], *, settings: Settings) -> str:
    """The self-contained HTML preview of ``context``, rendered in a worker like the PDFs
    (bounded the same way; the render module is WeasyPrint's side of the house)."""
    (html,) = pool_for(settings).run([("render_quote_html", (context,))])
    return str(html)


def _render_in_ranges(pool: RenderPool, context: Mapping[str, Any]) -> bytes | None:
    rows: Sequence[Mapping[str, Any]] = context["lines"]
    geometry = _geometry_for(pool, context)
    regular, bold = quote_sans()
    # Where the first row starts under this quote's header (its height varies: address,
    # title, logo), then every page planned and every range laid out at once.
    (first_top,) = pool.run([("first_row_top", (context,))])
    planned = plan_pages(rows, geometry, regular, bold, first_page_top=first_top)
    ranges = split_ranges(planned, pool.workers, PART_MAX_ROWS)
    by_index = {int(row["index"]): row for row in rows}
    calls = []
    for number, pages in enumerate(ranges):
        part_rows = [by_index[i] for page in pages for i in page]
        breaks = frozenset(page[0] for page in pages[1:])
        last = number == len(ranges) - 1
        calls.append(("render_range", (context, part_rows, breaks, number == 0, last)))
    parts = pool.run(calls)
    for number, (pages, laid) in enumerate(zip(ranges, parts, strict=True)):
        if not matches(pages, laid.first_rows, tail=number == len(ranges) - 1):
            log.warning(
                "quote %s: page range %d did not keep its plan; rendering it whole",
                context["number"],
                number,
            )
            return None
    total = sum(len(laid.first_rows) for laid in parts)
    (stamp,) = pool.run([("render_stamp", (context, total))])
    return merge([laid.pdf for laid in parts], stamp)


def merge(pdfs: Sequence[bytes], stamp: bytes) -> bytes:
    """The parts' pages in order, each with its stamp page laid over it; the first part's
    metadata and identifier (the quote's) are the document's."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=io.BytesIO(pdfs[0]))
    for pdf in pdfs[1:]:
        writer.append(PdfReader(io.BytesIO(pdf)))
    stamps = PdfReader(io.BytesIO(stamp)).pages
    if len(stamps) != len(writer.pages):
        raise RenderFailed(f"{len(stamps)} page footers for {len(writer.pages)} pages")
    for page, footer in zip(writer.pages, stamps, strict=True):
        page.merge_page(footer)
        page.compress_content_streams()  # merging leaves them uncompressed (10x the bytes)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
