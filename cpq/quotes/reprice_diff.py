"""What moved when a quote is priced again on a newer catalog or rule set: line by line, then
the totals. Works on the stored (JSON) form of two pricings."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

LINE_FIGURES = ("list_price", "net_unit_price", "final_amount", "margin_percent")
TOTAL_FIGURES = ("list_total", "total", "margin", "margin_percent")


def _change(before: Any, after: Any) -> dict[str, Any]:
    change: dict[str, Any] = {"before": before, "after": after}
    if before is not None and after is not None:
        change["delta"] = format(Decimal(after) - Decimal(before), "f")
    return change


def _moved(
    before: Mapping[str, Any], after: Mapping[str, Any], names: tuple[str, ...]
) -> dict[str, Any]:
    moved: dict[str, Any] = {}
    for name in names:
        old, new = before.get(name), after.get(name)
        if old != new and not (
            old is not None and new is not None and Decimal(old) == Decimal(new)
        ):
            moved[name] = _change(old, new)
    return moved


def reprice_diff(before: Mapping[str, Any] | None, after: Mapping[str, Any]) -> dict[str, Any]:
    """``before``/``after``: stored pricings (``lines``, ``totals``, ``catalog_version``...)."""
    before = before or {"lines": [], "totals": {}}
    old_lines = {ln["line_id"]: ln for ln in before.get("lines", [])}
    new_lines = {ln["line_id"]: ln for ln in after.get("lines", [])}
    lines: list[dict[str, Any]] = []
    for line_id, new in new_lines.items():
        old = old_lines.get(line_id)
        if old is None:
            lines.append({"line_id": line_id, "sku": new["sku"], "change": "added"})
            continue
        moved = _moved(old, new, LINE_FIGURES)
        if moved:
            lines.append({"line_id": line_id, "sku": new["sku"], "change": "changed", **moved})
    lines += [
        {"line_id": line_id, "sku": old["sku"], "change": "removed"}
        for line_id, old in old_lines.items()
        if line_id not in new_lines
    ]
    totals = _moved(before.get("totals", {}), after.get("totals", {}), TOTAL_FIGURES)
    pins = {
        name: {"before": before.get(name), "after": after.get(name)}
        for name in ("catalog_version", "rule_set")
        if before.get(name) != after.get(name)
    }
    return {
        "changed": bool(lines or totals),
        "pins": pins,
        "lines": lines,
        "totals": totals,
    }
