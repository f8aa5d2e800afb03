"""Pricing a request: the rule set (loaded once, reloaded when its files change), the catalog of
one version for the request's SKUs, then the pure engine. Nothing is stored."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path

from sqlalchemy import Connection

from cpq.catalog.issues import Issue
from cpq.errors import InvalidInput, NotFound, RuleSetInvalid
from cpq.pricing.engine import PricingEngine
from cpq.pricing.errors import PricingError
from cpq.pricing.inputs import LineInput, PricingRequest
from cpq.pricing.rules.files import load_rule_set, rule_files, rule_set_from_texts
from cpq.pricing.rules.model import RuleSet
from cpq.pricing.snapshot import PricingCatalog
from cpq.pricing.waterfall import PricedQuote
from cpq.repositories.catalog_read import resolve_version
from cpq.repositories.pricing_catalog import load_full_pricing_catalog
from cpq.services.catalog_cache import CACHE

KEEP_ENGINES = 8  # rule sets kept by digest, so that an edit undone reuses its engine

# (name, mtime_ns, size) of each rule file: changes when a file is edited, added or removed.
Stamp = tuple[tuple[str, int, int], ...]


def _stamp(folder: Path) -> Stamp:
    if not folder.is_dir():
        return ()
    found: list[tuple[str, int, int]] = []
    for path in rule_files(folder):
        try:
            st = path.stat()
        except FileNotFoundError:  # removed while we looked: the next call sees the new state
            continue
        if path.is_file():
            found.append((path.name, st.st_mtime_ns, st.st_size))
    return tuple(found)


class RuleSetCache:
    """One ``PricingEngine`` per rule set: built on first use, kept while the files stay the same.

    Checking the files costs a ``stat`` per file; reading and validating them happens only when
    one changed. Edits that give back a rule set already built (same digest) reuse its engine.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._folders: dict[Path, tuple[Stamp, PricingEngine | list[Issue]]] = {}
        self._by_digest: OrderedDict[str, PricingEngine] = OrderedDict()  # the latest few
        self._files: dict[str, Mapping[str, bytes]] = {}  # digest -> the files it was built from

    def engine(self, folder: Path) -> PricingEngine:
        """The engine of the rule set in ``folder``; ``RuleSetInvalid`` when it does not load."""
        folder = folder.resolve()
        stamp = _stamp(folder)  # before reading: a change made while loading is seen next time
        with self._lock:
            cached = self._folders.get(folder)
            if cached is None or cached[0] != stamp:
                cached = (stamp, self._load(folder))
                self._folders[folder] = cached
        found = cached[1]
        if isinstance(found, PricingEngine):
            return found
        errors = [i for i in found if i.is_error]
        raise RuleSetInvalid(
            f"the pricing rule set does not load ({len(errors)} problem(s)); pricing is "
            "unavailable until it is fixed (check it with `cpq rules check`)",
            issues=found,
        )

    def files(self, digest: str) -> Mapping[str, bytes] | None:
        """The files of a rule set this process loaded, by its digest."""
        return self._files.get(digest)

    def pinned(self, digest: str, files: Callable[[], Mapping[str, bytes]]) -> PricingEngine:
        """The engine of the rule set ``digest``; built from ``files()`` when not cached (a quote
        priced with rules that have changed since). ``RuleSetInvalid`` if they no longer load."""
        with self._lock:
            engine = self._by_digest.get(digest)
            if engine is not None:
                self._by_digest.move_to_end(digest)
                return engine
        texts = files()
        loaded, issues = rule_set_from_texts(texts)
        if loaded is None or loaded.rule_set.digest != digest:
            raise RuleSetInvalid(
                f"the rule set {digest[:12]} a quote was priced with does not load any more",
                issues=issues,
            )
        with self._lock:
            return self._keep(loaded.rule_set, texts)

    def _keep(self, rule_set: RuleSet, texts: Mapping[str, bytes]) -> PricingEngine:
        engine = self._by_digest.pop(rule_set.digest, None) or PricingEngine(rule_set)
        self._by_digest[rule_set.digest] = engine
        self._files[rule_set.digest] = texts
        while len(self._by_digest) > KEEP_ENGINES:
            old, _ = self._by_digest.popitem(last=False)
            self._files.pop(old, None)
        return engine

    def _load(self, folder: Path) -> PricingEngine | list[Issue]:
        texts = {p.name: p.read_bytes() for p in rule_files(folder)}
        if not texts:
            return load_rule_set(folder)[1]  # the "no rule files" problem
        loaded, issues = rule_set_from_texts(texts)
        if loaded is None:
            return issues
        return self._keep(loaded.rule_set, texts)


_CACHE = RuleSetCache()


def engine_for(rules_dir: Path) -> PricingEngine:
    """The process-wide cached engine of the rule set in ``rules_dir``."""
    return _CACHE.engine(rules_dir)


def rule_set_files(digest: str) -> Mapping[str, bytes] | None:
    return _CACHE.files(digest)


def pinned_engine(digest: str, files: Callable[[], Mapping[str, bytes]]) -> PricingEngine:
    return _CACHE.pinned(digest, files)


def _skus(lines: Iterable[LineInput]) -> Iterator[str]:
    for line in lines:
        yield line.sku
        yield from _skus(line.options)


def pinned_version(conn: Connection, requested: int | None) -> int:
    version = resolve_version(conn, requested)
    if version is None:
        if requested is not None:
            raise NotFound(f"catalog version {requested} does not exist")
        raise NotFound("no catalog has been synced yet: sync one first (cpq sync)")
    return version


def full_catalog(conn: Connection, catalog_version: int | None) -> PricingCatalog:
    """Everything pricing reads of ``catalog_version`` (default: the latest), for pricing many
    baskets (rule examples, impact previews); ``NotFound`` as for ``price_request``."""
    return load_full_pricing_catalog(conn, pinned_version(conn, catalog_version))


def price_request(
    conn: Connection, engine: PricingEngine, request: PricingRequest, catalog_version: int | None
) -> PricedQuote:
    """Price ``request`` on catalog ``catalog_version`` (default: the latest).

    ``NotFound`` for an unknown version or when no catalog was ever synced; ``InvalidInput`` with
    every issue when the request cannot be priced (unknown SKU, unit, customer, no price...).
    """
    return price_with_catalog(conn, engine, request, catalog_version)[0]


def price_with_catalog(
    conn: Connection, engine: PricingEngine, request: PricingRequest, catalog_version: int | None
) -> tuple[PricedQuote, PricingCatalog]:
    """As ``price_request``, with the catalog slice it read (groups, customer, rates)."""
    return price_on_version(conn, engine, request, pinned_version(conn, catalog_version))


def price_on_version(
    conn: Connection, engine: PricingEngine, request: PricingRequest, version: int
) -> tuple[PricedQuote, PricingCatalog]:
    """As ``price_with_catalog`` on a version known to exist (a quote's pinned one)."""
    catalog = CACHE.catalog(conn, version, _skus(request.lines), request.context.customer)
    try:
        return engine.price(request, catalog), catalog
    except PricingError as exc:
        errors = [i for i in exc.issues if i.is_error] or exc.issues
        shown = "; ".join(f"{i.column}: {i.message}" if i.column else i.message for i in errors[:5])
        more = f" (and {len(errors) - 5} more)" if len(errors) > 5 else ""
        raise InvalidInput(
            f"{len(errors)} problem(s) pricing the request: {shown}{more}", issues=exc.issues
        ) from None
