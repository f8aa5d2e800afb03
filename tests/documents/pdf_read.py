"""Read a rendered PDF back with pypdf: its text per page, its fonts and its images."""

from __future__ import annotations

import io
from typing import Any

from pypdf import PdfReader


def reader(pdf: bytes) -> PdfReader:
    assert pdf.startswith(b"%PDF-"), pdf[:20]
    return PdfReader(io.BytesIO(pdf))


def page_texts(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in reader(pdf).pages]


def text(pdf: bytes) -> str:
    return "\n".join(page_texts(pdf))


def squeezed(value: str) -> str:
    """Without white space: rotated text (the watermark) comes back with spaces lost."""
    return "".join(value.split())


def _descriptor(font: Any) -> Any:
    if "/FontDescriptor" in font:
        return font["/FontDescriptor"].get_object()
    if "/DescendantFonts" in font:
        return _descriptor(font["/DescendantFonts"][0].get_object())
    return None


def fonts(pdf: bytes) -> dict[str, bool]:
    """Every font the pages use, and whether its program is embedded in the file."""
    found: dict[str, bool] = {}
    for page in reader(pdf).pages:
        resources = page.get("/Resources")
        if resources is None or "/Font" not in resources.get_object():
            continue
        for ref in resources.get_object()["/Font"].values():
            font = ref.get_object()
            descriptor = _descriptor(font)
            embedded = descriptor is not None and any(
                k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")
            )
            found[str(font.get("/BaseFont"))] = embedded
    return found


def image_count(pdf: bytes) -> int:
    return sum(len(page.images) for page in reader(pdf).pages)
