"""The template context of a quote document, built from the quote and version rows (no I/O).

Every figure is formatted here, with Babel for the document's locale, so the template only
places strings; the amounts themselves come from the stored priced quote, never recomputed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from babel import Locale, UnknownLocaleError
from babel.dates import format_date
from babel.numbers import format_currency, format_decimal, format_percent

from cpq.documents.labels import LANGUAGES, labels_for
from cpq.money import quantize
from cpq.pricing.quote_level import MANUAL_QUOTE_DISCOUNT

# A quote in one of these states has been approved (or needed no approval): its document is
# clean. Every other state renders with the draft watermark.
CLEAN_STATUSES = frozenset({"approved", "sent", "accepted", "declined"})
LOCALES = {"en": "en_US", "de": "de_DE"}


@dataclass(frozen=True, slots=True)
class Parties:
    """Who the document names: the seller (from settings), the customer and the rep."""

    seller_name: str
    seller_address: str
    customer_name: str | None = None
    rep_name: str | None = None
    seller_logo: str = ""  # a file under templates/, relative to it ("" for none)
    rep_email: str = ""


def document_locale(lang: str | None, quote_locale: str | None) -> tuple[str, str]:
    """The document's (language, Babel locale): the language asked for, or else the quote's
    own when there are labels for it (else English); numbers and dates follow the quote's locale
    when it speaks that language (de-CH stays Swiss), else the language's usual locale."""
    parsed: Locale | None = None
    if quote_locale:
        try:
            parsed = Locale.parse(quote_locale.replace("-", "_"))
        except (ValueError, UnknownLocaleError):
            parsed = None
    chosen = lang or (parsed.language if parsed and parsed.language in LANGUAGES else "en")
    if chosen not in LANGUAGES:
        raise KeyError(f"no document labels for language {chosen!r}")
    if parsed is not None and parsed.language == chosen:
        return chosen, str(parsed)
    return chosen, LOCALES[chosen]


def is_draft(status: str) -> bool:
    return status not in CLEAN_STATUSES


def _decimal(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _instant(value: Any) -> datetime:
    found = datetime.fromisoformat(value) if isinstance(value, str) else value
    if not isinstance(found, datetime):
        raise TypeError(f"not a date and time: {value!r}")
    return found if found.tzinfo is not None else found.replace(tzinfo=UTC)


def _day(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


class _Formats:
    def __init__(self, locale: str, currency: str) -> None:
        self.locale = locale
        self.currency = currency

    def money(self, value: Any) -> str:
        amount = _decimal(value)
        return "" if amount is None else format_currency(amount, self.currency, locale=self.locale)

    def number(self, value: Any) -> str:
        amount = _decimal(value)
        return "" if amount is None else format_decimal(amount, locale=self.locale)

    def percent(self, ratio: Decimal) -> str:
        """The locale's percent pattern, to at most two decimals (12.5 %, not 13 %)."""
        shown = ratio.quantize(Decimal("0.0001")).normalize()
        return format_percent(shown, locale=self.locale, decimal_quantization=False)

    def day(self, value: Any) -> str:
        return format_date(_day(value), format="medium", locale=self.locale)


def _adjustment(
    adjustment: Mapping[str, Any],
    version: Mapping[str, Any],
    fmt: _Formats,
    labels: Mapping[str, str],
) -> str:
    """What the customer reads of a quote-level adjustment: the rep's quote discount in the
    document's language (its reason is for the approver only), a rule's its description."""
    if adjustment.get("kind") == MANUAL_QUOTE_DISCOUNT and version.get("quote_discount_percent"):
        ratio = Decimal(version["quote_discount_percent"]) / 100
        return labels["quote_discount"].format(percent=fmt.percent(ratio))
    return str(adjustment.get("description") or adjustment.get("kind") or "")


def _discount(line: Mapping[str, Any], fmt: _Formats) -> str:
    """Net against list price per unit, as a percentage (blank when there is none)."""
    listed = _decimal(line.get("list_price"))
    net = _decimal(line.get("net_unit_price"))
    if not listed or net is None or net >= listed:
        return ""
    return fmt.percent((listed - net) / listed)


def _line_row(
    line: Mapping[str, Any], depth: int, fmt: _Formats, labels: Mapping[str, str]
) -> dict[str, Any]:
    months = line.get("term_months")
    note = labels["recurring_note"].format(months=months) if line.get("recurring") else ""
    return {
        "index": 0,
        "line_id": str(line["line_id"]),
        "sku": str(line["sku"]),
        "name": str(line.get("name") or ""),
        "depth": depth,
        "is_bundle": False,
        "quantity": fmt.number(line.get("quantity")),
        "unit": str(line.get("unit") or ""),
        "list_price": fmt.money(line.get("list_price")),
        "discount": _discount(line, fmt),
        "net_unit_price": fmt.money(line.get("net_unit_price")),
        "line_total": fmt.money(line.get("final_amount")),
        "recurring_note": note,
    }


def _tax(
    total: Decimal,
    currency: str,
    rate_percent: Decimal | None,
    fmt: _Formats,
    labels: Mapping[str, str],
) -> dict[str, str] | None:
    """The estimated tax on the total (rounded to the currency's minor unit), or None."""
    if rate_percent is None:
        return None
    tax = quantize(total * rate_percent / 100, currency)
    rate = fmt.percent(rate_percent / 100)
    return {
        "label": labels["tax_estimate"].format(rate=rate),
        "amount": fmt.money(tax),
        "total": fmt.money(total + tax),
        "statement": labels["tax_statement"].format(rate=rate),
    }


def grouped_lines(lines: Sequence[Mapping[str, Any]]) -> list[tuple[Mapping[str, Any], int]]:
    """Each line with its depth, options right under their bundle (in the quote's order); a
    line whose parent is not on the quote stays at the top level rather than vanish."""
    ids = {ln["line_id"] for ln in lines}
    children: dict[Any, list[Mapping[str, Any]]] = {}
    roots: list[Mapping[str, Any]] = []
    for ln in lines:
        parent = ln.get("parent_line_id")
        if parent is not None and parent in ids and parent != ln["line_id"]:
            children.setdefault(parent, []).append(ln)
        else:
            roots.append(ln)
    out: list[tuple[Mapping[str, Any], int]] = []
    seen: set[Any] = set()

    def walk(line: Mapping[str, Any], depth: int) -> None:
        if line["line_id"] in seen:  # a cycle of parents: show each line once
            return
        seen.add(line["line_id"])
        out.append((line, depth))
        for child in children.get(line["line_id"], []):
            walk(child, depth + 1)

    for root in roots:
        walk(root, 0)
    for ln in lines:  # lines only reachable through a cycle
        if ln["line_id"] not in seen:
            walk(ln, 0)
    return out


def quote_context(
    quote: Mapping[str, Any],
    version: Mapping[str, Any],
    parties: Parties,
    *,
    lang: str = "en",
    locale: str | None = None,
    template_version: str,
    terms: Sequence[str] = (),
    tax_rate_percent: Decimal | None = None,
) -> dict[str, Any]:
    """Everything the quote template shows, as display strings; plus the document's metadata
    (``issued``/``modified`` from the version, never the clock, so renders repeat exactly).

    ``locale`` (Babel's form, default: the language's usual one) formats numbers and dates;
    ``tax_rate_percent``, when configured, adds an estimated tax and the total including it."""
    labels = labels_for(lang)
    priced: Mapping[str, Any] = version.get("priced") or {}
    currency = str(priced.get("currency") or version["currency"])
    fmt = _Formats(locale or LOCALES[lang], currency)
    rows = []
    with_children = {ln.get("parent_line_id") for ln in priced.get("lines", [])}
    for index, (line, depth) in enumerate(grouped_lines(priced.get("lines", []))):
        row = _line_row(line, depth, fmt, labels)
        row["index"] = index
        row["is_bundle"] = depth == 0 and line["line_id"] in with_children
        rows.append(row)
    totals: Mapping[str, Any] = priced.get("totals") or {}
    recurring = _decimal(totals.get("recurring_total")) or Decimal(0)
    grand = _decimal(totals.get("total", version.get("total"))) or Decimal(0)
    issued = _instant(version.get("priced_at") or version["created_at"])
    status = str(version["status"])
    return {
        "lang": lang,
        "locale": fmt.locale,
        "labels": labels,
        "template_version": template_version,
        "title": version.get("title") or "",
        "notes": version.get("notes") or "",
        "number": str(quote["number"]),
        "version": int(version["version"]),
        "status": status,
        "draft": is_draft(status),
        "date": fmt.day(issued),
        "valid_until": fmt.day(version["valid_until"]),
        "payment_terms": version.get("payment_terms") or "",
        "currency": currency,
        "seller": {
            "name": parties.seller_name,
            "address": parties.seller_address.splitlines(),
            "logo": parties.seller_logo,
        },
        "customer": {
            "code": version.get("customer") or "",
            "name": parties.customer_name or "",
        },
        "rep": parties.rep_name or "",
        "rep_email": parties.rep_email,
        "lines": rows,
        "adjustments": [
            {
                "description": _adjustment(a, version, fmt, labels),
                "amount": fmt.money(a.get("amount")),
            }
            for a in priced.get("quote_adjustments", [])
        ],
        "totals": {
            "one_time": fmt.money(totals.get("one_time_total")),
            "recurring_monthly": fmt.money(totals.get("recurring_monthly_total")),
            "recurring": fmt.money(totals.get("recurring_total")),
            "has_recurring": recurring != 0,
            "total": fmt.money(totals.get("total", version.get("total"))),
        },
        "tax": _tax(grand, currency, tax_rate_percent, fmt, labels),
        "terms": list(terms),
        "metadata": {
            "title": f"{labels['quote']} {quote['number']} v{version['version']}",
            "created": issued.isoformat(timespec="seconds"),
            "modified": issued.isoformat(timespec="seconds"),
            "identifier": f"{quote['id']}/{version['version']}/{template_version}",
        },
    }
