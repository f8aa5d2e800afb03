"""Pausing Python's cyclic garbage collector around work that makes many objects and no cycles.

A sync (hundreds of thousands of tuples) or pricing a large quote (thousands of small frozen
objects) would otherwise have the collector rescan everything alive, again and again; reference
counting still frees everything as usual. Pauses nest and may overlap across threads: the
collector is back on when the last pause ends (if it was on before the first).
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_pauses = 0
_was_enabled = False


@contextmanager
def collector_paused() -> Iterator[None]:
    global _pauses, _was_enabled
    with _lock:
        if _pauses == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _pauses += 1
    try:
        yield
    finally:
        with _lock:
            _pauses -= 1
            if _pauses == 0 and _was_enabled:
                gc.enable()
