"""Terms and conditions of quote documents: one text file per language under
``templates/quote/terms/`` (paragraphs separated by empty lines; ``#`` lines are comments)."""

from __future__ import annotations

from pathlib import Path

from cpq.documents.templates import QUOTE_DIR

TERMS_DIR = QUOTE_DIR / "terms"


def parse_terms(text: str) -> list[str]:
    """The paragraphs of a terms file, each one line of text."""
    paragraphs: list[str] = []
    current: list[str] = []
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("#"):
            continue
        if not line:
            if current:
                paragraphs.append(" ".join(current))
                current = []
            continue
        current.append(line)
    if current:
        paragraphs.append(" ".join(current))
    return paragraphs


def terms_for(lang: str, folder: Path = TERMS_DIR) -> list[str]:
    """The paragraphs of ``lang``'s terms file (none when the language has no file)."""
    path = folder / f"{lang}.txt"
    return parse_terms(path.read_text(encoding="utf-8")) if path.is_file() else []
