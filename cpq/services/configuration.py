"""Configure bundles against the stored product models of one catalog version.

Configurators (flattened model, clauses, warm solvers) are cached by the content of the bundle
definitions they are built from, so every catalog version with the same models shares one, and
two databases never mix theirs up.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace

from sqlalchemy import Connection

from cpq.catalog.issues import Issue, error
from cpq.catalog.product_models import Bundle
from cpq.configuration.checking import Configuration
from cpq.configuration.choices import Choice, ConfigurationRequest, read_choices
from cpq.configuration.configurator import Configurator
from cpq.configuration.evaluate import Evaluation
from cpq.configuration.lines import bundle_line
from cpq.errors import InvalidInput, NotFound
from cpq.pricing.inputs import LineInput, PricingRequest
from cpq.repositories import catalog_read
from cpq.services.pricing import pinned_version

CACHE_SIZE = 64


class _Cache:
    def __init__(self) -> None:
        self._found: OrderedDict[str, Configurator] = OrderedDict()
        self._lock = threading.Lock()

    def get(
        self, root: str, bundles: Callable[[], Mapping[str, Bundle]], digest: str
    ) -> Configurator:
        with self._lock:
            found = self._found.get(digest)
            if found is not None:
                self._found.move_to_end(digest)
                return found
        configurator, problems = Configurator.build(root, bundles())
        if configurator is None:  # the sync checked the models: only a damaged database
            raise InvalidInput(
                f"product model {root} does not build: {problems[0].message}",
                issues=[error(p.code, p.message) for p in problems],
            )
        with self._lock:
            self._found[digest] = configurator
            while len(self._found) > CACHE_SIZE:
                self._found.popitem(last=False)
        return configurator


_cache = _Cache()


@dataclass(frozen=True, slots=True)
class Loaded:
    configurator: Configurator
    version: int


def load(conn: Connection, bundle: str, catalog_version: int | None) -> Loaded:
    """The configurator of ``bundle`` on ``catalog_version`` (default: the latest). The cache
    key is the text of every model of the version, so a hit parses nothing."""
    version = pinned_version(conn, catalog_version)
    rows = {r["code"]: r["definition"] for r in catalog_read.product_models(conn, version)}
    if bundle not in rows:
        raise NotFound(f"no product model {bundle!r} in catalog version {version}")
    text = "\n".join(f"{code}\t{definition}" for code, definition in sorted(rows.items()))
    digest = hashlib.sha256(f"{bundle}\n{text}".encode()).hexdigest()
    return Loaded(_cache.get(bundle, lambda: _closure(bundle, rows), digest), version)


def item_names(conn: Connection, loaded: Loaded) -> dict[str, str]:
    """SKU -> item name, for the bundle and its options."""
    model = loaded.configurator.model
    skus = {o.sku for o in model.options} | {model.sku}
    return catalog_read.item_names(conn, loaded.version, skus)


def _closure(root: str, definitions: Mapping[str, str]) -> dict[str, Bundle]:
    """``root`` and every bundle nested in it, parsed."""
    found = {root: Bundle.model_validate_json(definitions[root])}
    todo = [root]
    while todo:
        for group in found[todo.pop()].option_groups:
            for option in group.options:
                nested = option.bundle
                if nested and nested in definitions and nested not in found:
                    found[nested] = Bundle.model_validate_json(definitions[nested])
                    todo.append(nested)
    return found


def choices_of(
    configurator: Configurator, request: ConfigurationRequest, at: str = ""
) -> list[Choice]:
    choices, issues = read_choices(
        configurator.model, request.selections, request.rejected, request.attributes
    )
    if issues:
        if at:
            issues = [replace(i, column=f"{at}.{i.column}") for i in issues]
        shown = "; ".join(f"{i.column}: {i.message}" for i in issues[:5])
        raise InvalidInput(f"{len(issues)} problem(s) in the choices: {shown}", issues=issues)
    return choices


def evaluate(
    loaded: Loaded, request: ConfigurationRequest, explain: bool = True
) -> tuple[list[Choice], Evaluation]:
    choices = choices_of(loaded.configurator, request)
    return choices, loaded.configurator.evaluate(choices, explain)


def complete(
    loaded: Loaded, request: ConfigurationRequest
) -> tuple[list[Choice], Configuration | None]:
    """The choices and their completion; None when no valid configuration keeps them."""
    choices = choices_of(loaded.configurator, request)
    return choices, loaded.configurator.complete(choices)


def configure_lines(
    conn: Connection,
    request: PricingRequest,
    configured: Mapping[int, ConfigurationRequest],
    catalog_version: int | None,
) -> PricingRequest:
    """``request`` with each configured line (by index) expanded into its bundle and options;
    ``InvalidInput`` naming the line when a configuration is not valid."""
    lines = list(request.lines)
    issues: list[Issue] = []
    loaded_by_bundle: dict[str, Loaded] = {}
    for index, wanted in configured.items():
        at = f"lines[{index}].configuration"
        loaded = loaded_by_bundle.get(wanted.bundle)
        if loaded is None:
            loaded = loaded_by_bundle[wanted.bundle] = load(conn, wanted.bundle, catalog_version)
        line = lines[index]
        if line.sku != loaded.configurator.model.sku:
            message = (
                f"bundle {wanted.bundle} is sold as {loaded.configurator.model.sku}, not {line.sku}"
            )
            issues.append(error("bundle_sku_mismatch", message, column=f"lines[{index}].sku"))
            continue
        evaluation = loaded.configurator.evaluate(choices_of(loaded.configurator, wanted, at))
        if not evaluation.valid:
            for violation in evaluation.violations:
                issues.append(error("invalid_configuration", violation.message, column=at))
            if not evaluation.consistent and not evaluation.violations:
                issues.append(error("invalid_configuration", "the choices conflict", column=at))
            continue
        lines[index] = _expanded(line, loaded, evaluation.configuration)
    if issues:
        shown = "; ".join(f"{i.column}: {i.message}" for i in issues[:5])
        raise InvalidInput(f"{len(issues)} configuration problem(s): {shown}", issues=issues)
    return replace(request, lines=tuple(lines))


def _expanded(line: LineInput, loaded: Loaded, config: Configuration) -> LineInput:
    built = bundle_line(loaded.configurator.model, config, line.line_id, line.quantity)
    return replace(line, options=built.options)
