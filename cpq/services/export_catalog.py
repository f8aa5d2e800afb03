"""A pricing catalog straight from a back-office export folder, without any database.

The export is read and validated exactly as a sync would (against no stored catalog, so it must be
complete on its own); only an export without errors becomes a catalog.
"""

from __future__ import annotations

from pathlib import Path

from cpq.catalog import entities as E
from cpq.catalog.issues import Issue, has_errors
from cpq.catalog.parse import Parsed
from cpq.pricing.catalog_build import build_catalog
from cpq.pricing.snapshot import PricingCatalog
from cpq.services.sync_parts import NoCatalog, read_export
from cpq.sync.mapping import load_profile
from cpq.sync.sources.files import FolderSource


def _records(parsed: Parsed, entity: E.Entity) -> list[dict[str, object]]:
    return [
        dict(zip(entity.field_names, r, strict=True)) for r in parsed.records.get(entity.name, [])
    ]


def catalog_from_export(
    folder: Path, profile: str | None = None
) -> tuple[PricingCatalog | None, list[Issue]]:
    """The whole pricing catalog of the export in ``folder`` (version None), and every issue.

    ``profile``: ``canonical`` (the default), ``erpnext``, ``odoo`` or a mapping file's path.
    The catalog is None when any issue is an error. A folder that cannot be read, or an unknown
    profile, raises as it does for a sync (``SourceError``, ``InvalidInput``).
    """
    parsed = read_export(FolderSource(folder), load_profile(profile or "canonical"), NoCatalog())
    if has_errors(parsed.issues):
        return None, parsed.issues
    catalog = build_catalog(
        None,
        items=_records(parsed, E.ITEMS),
        groups=_records(parsed, E.PRODUCT_GROUPS),
        units=_records(parsed, E.ITEM_UNITS),
        price_lists=_records(parsed, E.PRICE_LISTS),
        entries=_records(parsed, E.PRICE_LIST_ENTRIES),
        customers=_records(parsed, E.CUSTOMERS),
        rates=_records(parsed, E.EXCHANGE_RATES),
    )
    return catalog, parsed.issues
