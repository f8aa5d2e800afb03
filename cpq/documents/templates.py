"""Where the document templates are and which version they are (no renderer needed to know)."""

from __future__ import annotations

import hashlib
from functools import lru_cache

from cpq.documents.pages import AdvanceWidths
from cpq.settings import REPO_ROOT

TEMPLATES_DIR = REPO_ROOT / "templates"
QUOTE_DIR = TEMPLATES_DIR / "quote"
FONTS_DIR = TEMPLATES_DIR / "fonts"
QUOTE_TEMPLATE = "quote/quote.html.j2"
STAMP_TEMPLATE = "quote/stamp.html.j2"


@lru_cache
def template_version() -> str:
    """The quote template's version, recorded with each document it renders: the declared
    ``VERSION`` and a digest of every file the document is made of (template, CSS, fonts,
    logo, terms), so that an edit without a new ``VERSION`` is still a new version (and no
    stored document made with the old files is served for it)."""
    declared = (QUOTE_DIR / "VERSION").read_text(encoding="utf-8").strip()
    digest = hashlib.sha256()
    for folder in (QUOTE_DIR, FONTS_DIR):
        for path in sorted(
            p for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts
        ):
            digest.update(path.relative_to(TEMPLATES_DIR).as_posix().encode() + b"\0")
            digest.update(path.read_bytes() + b"\0")
    return f"{declared}.{digest.hexdigest()[:12]}"


@lru_cache
def quote_sans() -> tuple[AdvanceWidths, AdvanceWidths]:
    """The document fonts' glyph advances (regular, bold), read once per process: to plan
    page ranges and to know which characters the fonts have."""
    from fontTools.ttLib import TTFont

    faces = []
    for style in ("Regular", "Bold"):
        font = TTFont(FONTS_DIR / f"QuoteSans-{style}.ttf")
        metrics = font["hmtx"].metrics
        advances = {chr(cp): metrics[glyph][0] for cp, glyph in font.getBestCmap().items()}
        faces.append(AdvanceWidths(advances, int(font["head"].unitsPerEm)))
    return faces[0], faces[1]
