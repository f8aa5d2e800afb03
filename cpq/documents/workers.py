"""Render quote documents in separate processes, each render bounded in time and memory.

(First cut: renders in-process; the bounded process pool replaces the body of ``render_pdf``
without changing its signature.)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cpq.documents.variants import Variant
from cpq.errors import PdfUnavailable
from cpq.settings import Settings


def render_pdf(context: Mapping[str, Any], variant: Variant, *, settings: Settings) -> bytes:
    """The PDF of ``context``; ``RenderFailed`` when the render exceeds its bounds,
    ``PdfUnavailable`` when the server cannot render at all."""
    try:
        from cpq.documents.render import render_quote_pdf
    except (OSError, ImportError) as exc:
        raise PdfUnavailable(
            f"PDF rendering needs Pango on the server ({exc}); see README.md"
        ) from None
    return render_quote_pdf(context, variant=variant)
