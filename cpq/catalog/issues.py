"""Problems found in an input, each located by file, row and column."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Issue:
    """One problem. ``row`` counts as a spreadsheet does: the header is row 1 (JSON Lines: line)."""

    severity: Severity
    code: str
    message: str
    file: str | None = None
    row: int | None = None
    column: str | None = None
    value: str | None = None

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def where(self) -> str:
        parts = [p for p in (self.file, f"row {self.row}" if self.row else None) if p]
        if self.column:
            parts.append(f"column {self.column!r}")
        return ", ".join(parts)

    def __str__(self) -> str:
        where = self.where()
        return f"{where}: {self.message}" if where else self.message

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v is not None}


def error(code: str, message: str, **where: Any) -> Issue:
    return Issue(Severity.ERROR, code, message, **where)


def warning(code: str, message: str, **where: Any) -> Issue:
    return Issue(Severity.WARNING, code, message, **where)


def has_errors(issues: list[Issue]) -> bool:
    return any(i.is_error for i in issues)
