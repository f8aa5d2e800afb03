"""One request of the configuration page: the picks (the form's; else a quote line's, else the
defaults), read, completed when asked, evaluated on the quote's pinned catalog version, priced
alone under the quote's terms, and built into the page. Fetch, then compute: nothing is saved.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import Connection

from cpq.configuration.choices import ConfigurationRequest, Selection
from cpq.errors import CPQError, NotFound
from cpq.repositories import catalog_read
from cpq.services import configuration, quotes
from cpq.services.quote_pricing import price_content, terms_of
from cpq.services.quotes import Context
from cpq.web.configure import selections
from cpq.web.configure.bundle_price import priced_line, stored_configuration
from cpq.web.configure.option_groups import build
from cpq.web.configure.option_states import evaluate_all

NOT_COMPLETED = "These choices cannot be completed: change the ones named below."
COMPLETED = "Completed: your choices kept, the rest from the defaults."


def catalog_version(conn: Connection, loaded: quotes.Loaded) -> int:
    """The quote's pinned catalog version (the latest when it has none yet)."""
    version = loaded.version["catalog_version"] or catalog_read.resolve_version(conn, None)
    if version is None:
        raise NotFound("no catalog has been synced yet")
    return int(version)


def configure_bundle(
    conn: Connection,
    ctx: Context,
    loaded: quotes.Loaded,
    bundle: str,
    form: selections.Form | None,
    *,
    line_id: str,
    complete: bool = False,
) -> dict[str, Any]:
    """Everything the configuration page renders."""
    found = configuration.load(conn, bundle, catalog_version(conn, loaded))
    model = found.configurator.model
    notice = None
    error = None
    if form is not None:
        picks = selections.form_picks(model, form)
    elif line_id:
        picks = _line_picks(found, loaded, line_id, bundle)
    else:
        picks = selections.default_picks(model)
    was_read = selections.read(model, picks)
    if complete:
        completed = found.configurator.complete(was_read.choices)
        if completed is None:
            error = NOT_COMPLETED
        else:
            picks = selections.configuration_picks(model, completed, picks.count)
            was_read = selections.read(model, picks)
            notice = COMPLETED
    evaluated = evaluate_all(model, was_read.choices, found.configurator.evaluate)
    names = configuration.item_names(conn, found)
    priced, price_problem = None, None
    main = evaluated.main
    if main.consistent and was_read.count is not None:
        line = priced_line(model, main.configuration, was_read.count)
        try:
            priced = _price(conn, ctx, loaded, line)
        except CPQError as exc:
            price_problem = exc.detail
    changed = selections.changed(model, picks, form)
    view = build(model, names, picks, was_read, evaluated, priced, changed)
    return {
        "view": view,
        "bundle": bundle,
        "line_id": line_id,
        "price_problem": price_problem,
        "notice": notice,
        "error": error,
        "stored": stored_configuration(model, main.configuration),
        "count": was_read.count,
    }


def _line_picks(
    found: configuration.Loaded, loaded: quotes.Loaded, line_id: str, bundle: str
) -> selections.Picks:
    """The picks of a configured line of the quote, to reconfigure it."""
    line = next((ln for ln in loaded.version["lines"] if ln["id"] == line_id), None)
    wanted = (line or {}).get("configuration")
    if line is None or wanted is None or wanted.get("bundle") != bundle:
        raise NotFound(f"the quote has no line {line_id} configured as {bundle}")
    request = ConfigurationRequest(
        bundle=bundle,
        selections=tuple(
            Selection(s["option"], _decimal(s.get("quantity"))) for s in wanted["selections"]
        ),
        attributes=dict(wanted.get("attributes") or {}),
    )
    choices = configuration.choices_of(found.configurator, request)
    return selections.choices_picks(found.configurator.model, choices, str(line["quantity"]))


def _decimal(text: Any) -> Decimal | None:
    return None if text is None else Decimal(str(text))


def _price(
    conn: Connection, ctx: Context, loaded: quotes.Loaded, line: dict[str, Any]
) -> dict[str, Any] | None:
    """The bundle priced alone under the quote's terms, on its pinned catalog and rules."""
    version = loaded.version
    return price_content(
        conn,
        rules_dir=ctx.rules_dir,
        policy_currency=quotes.policy_currency(ctx.rules_dir, version["currency"]),
        terms=terms_of(version),
        lines=[line],
        pricing_date=version["pricing_date"],
        catalog_version=version["catalog_version"],
        rule_set_digest=version["rule_set_digest"],
    ).priced
