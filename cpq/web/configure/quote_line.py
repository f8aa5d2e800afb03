"""A line the pages put on the quote (a product, or a configured bundle): added as a new line,
or put back on the line it came from (its own id, discount and other terms kept), checked by the
API's line schema."""

from __future__ import annotations

from typing import Any

from cpq.api.quote_schemas import stored_line
from cpq.services import quotes


def put_line(new_line: dict[str, Any], line_id: str) -> quotes.Edit:
    """The quote edit that adds ``new_line`` (no ``line_id``), or puts it on line ``line_id``
    in place of that line's configuration, keeping its id, discount and other terms."""
    if line_id:

        def configured(line: dict[str, Any]) -> dict[str, Any]:
            kept = {k: v for k, v in line.items() if k not in ("options", "configuration")}
            return stored_line({**kept, **new_line})

        return quotes.line_replaced(line_id, configured)

    def added(
        terms: dict[str, Any], lines: list[dict[str, Any]]
    ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        numbered = quotes.number_lines([new_line], [ln["id"] for ln in lines])
        return terms, [*lines, *(stored_line(ln) for ln in numbered)]

    return added
