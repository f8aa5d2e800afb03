"""Pricing problems in the input (unknown SKU, unit or customer, no price...), all at once."""

from __future__ import annotations

from cpq.catalog.issues import Issue


class PricingError(Exception):
    def __init__(self, issues: list[Issue]) -> None:
        super().__init__("; ".join(str(i) for i in issues))
        self.issues = issues
