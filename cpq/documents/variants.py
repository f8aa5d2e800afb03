"""The kinds of PDF a quote document comes in."""

from __future__ import annotations

from enum import StrEnum


class Variant(StrEnum):
    """``standard`` for sending; ``pdf-a`` (PDF/A-3b) for archiving; ``pdf-ua`` (tagged
    PDF/UA-1) for screen readers. The last two are WeasyPrint's own variants."""

    STANDARD = "standard"
    PDF_A = "pdf-a"
    PDF_UA = "pdf-ua"

    @property
    def weasyprint_variant(self) -> str | None:
        return {Variant.PDF_A: "pdf/a-3b", Variant.PDF_UA: "pdf/ua-1"}.get(self)
