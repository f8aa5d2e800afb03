"""Opaque cursors. A catalog cursor pins the catalog version, so a listing paged across a sync
still comes from one version."""

from __future__ import annotations

import base64
import json
from typing import Any

from cpq.errors import InvalidInput


def encode(**state: Any) -> str:
    raw = json.dumps(state, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(cursor: str | None, *required: str) -> dict[str, Any] | None:
    if cursor is None:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        state = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, UnicodeDecodeError):
        state = None
    if not isinstance(state, dict) or set(state) != set(required) or not _well_typed(state):
        raise InvalidInput(
            "cursor is not one this API issued; start again without it", field="cursor"
        )
    return state


def _well_typed(state: dict[str, Any]) -> bool:
    """Versions and ids are positive integers, keys are text: nothing else reaches a query."""
    for name, value in state.items():
        if name == "after":
            if not isinstance(value, str):
                return False
        elif not isinstance(value, int) or isinstance(value, bool) or value < 1:
            return False
    return True
