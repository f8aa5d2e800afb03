"""Where the document templates are and which version they are (no renderer needed to know)."""

from __future__ import annotations

from functools import lru_cache

from cpq.settings import REPO_ROOT

TEMPLATES_DIR = REPO_ROOT / "templates"
QUOTE_DIR = TEMPLATES_DIR / "quote"
QUOTE_TEMPLATE = "quote/quote.html.j2"


@lru_cache
def template_version() -> str:
    """The quote template's version (recorded with each document it renders)."""
    return (QUOTE_DIR / "VERSION").read_text(encoding="utf-8").strip()
