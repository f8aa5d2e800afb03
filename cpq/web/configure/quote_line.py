"""The configured bundle as a quote line: added as a new line, or put back on the line it came
from (its own id, discount and other terms kept), checked by the API's line schema."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from cpq.api.quote_schemas import QuoteLineIn
from cpq.errors import InvalidInput, NotFound
from cpq.services import quotes


def put_line(new_line: dict[str, Any], line_id: str) -> quotes.Edit:
    """The quote edit that adds ``new_line``, or replaces line ``line_id`` with it."""

    def change(
        terms: dict[str, Any], lines: list[dict[str, Any]]
    ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        if not line_id:
            added = quotes.number_lines([new_line], [ln["id"] for ln in lines])
            return terms, [*lines, *(_checked(ln) for ln in added)]
        if not any(ln["id"] == line_id for ln in lines):
            raise NotFound(f"the quote has no line {line_id}")
        replaced = []
        for ln in lines:
            if ln["id"] == line_id:
                kept = {k: v for k, v in ln.items() if k not in ("options", "configuration")}
                ln = _checked({**kept, **new_line})
            replaced.append(ln)
        return terms, replaced

    return change


def _checked(line: dict[str, Any]) -> dict[str, Any]:
    """A line as the API would store it (the same schema)."""
    try:
        return QuoteLineIn.model_validate(line).model_dump(mode="json", exclude_none=True)
    except ValidationError as exc:
        raise InvalidInput("; ".join(e["msg"] for e in exc.errors())) from None
