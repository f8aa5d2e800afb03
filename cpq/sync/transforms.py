"""The named value transforms a mapping profile may apply to a source column.

The registry is fixed on purpose: a profile is data a user writes, so it picks from a few reviewed
functions rather than carrying code. A transform sees only non-blank values and returns what the
catalog parser then reads. A value a transform does not recognise is returned unchanged, so the
parser reports it against the source column the user sees instead of it vanishing here.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from html.parser import HTMLParser

Transform = Callable[[object], object]

_TRUE = frozenset({"1", "true", "yes", "y", "t"})
_FALSE = frozenset({"0", "false", "no", "n", "f"})
# Odoo shows a product as "[FURN-0001] Office Desk" wherever it refers to one.
_ODOO_REFERENCE = re.compile(r"^\s*\[([^\]]+)\]")
# Odoo shows a pricelist as "Public Pricelist (EUR)" wherever it refers to one.
_CURRENCY_SUFFIX = re.compile(r"^(.*\S)\s+\([A-Z]{3}\)\s*$", re.DOTALL)
_BLOCK_TAGS = frozenset({"br", "p", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6"})


def token(value: object) -> str:
    """The form values are compared in by row filters and value maps: 1, "1" and "1 " agree."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value).strip().casefold()


def inverted(value: object) -> object:
    """ERPNext's "Disabled" flag read as the catalog's ``active``."""
    flag = token(value)
    if flag in _TRUE:
        return False
    if flag in _FALSE:
        return True
    return value


def odoo_reference(value: object) -> object:
    """The internal reference (SKU) in Odoo's "[SKU] Name" display of a product."""
    match = _ODOO_REFERENCE.match(str(value))
    return match.group(1).strip() if match else value


def strip_currency_suffix(value: object) -> object:
    """ "Public Pricelist (EUR)" -> "Public Pricelist": the name the pricelist export shows."""
    match = _CURRENCY_SUFFIX.match(str(value))
    return match.group(1) if match else value


class _TextCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def html_to_text(value: object) -> object:
    """Plain text of an HTML rich-text field (ERPNext stores descriptions as HTML)."""
    if not isinstance(value, str) or "<" not in value:
        return value
    collector = _TextCollector()
    collector.feed(value)
    collector.close()
    lines = (" ".join(line.split()) for line in "".join(collector.parts).split("\n"))
    return "\n".join(line for line in lines if line) or None


TRANSFORMS: dict[str, Transform] = {
    "not": inverted,
    "odoo_reference": odoo_reference,
    "strip_currency_suffix": strip_currency_suffix,
    "html_to_text": html_to_text,
}
