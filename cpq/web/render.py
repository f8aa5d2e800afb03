"""The Jinja2 environment of the pages (``templates/pages/``, autoescaped), the filters that write
money, dates and statuses, and the HTML response with the pages' security headers."""

from __future__ import annotations

from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_datetime
from babel.numbers import format_currency, format_decimal
from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from cpq.settings import REPO_ROOT

PAGES_DIR = REPO_ROOT / "templates" / "pages"
# Scripts only from this site, no inline script or style, no framing, forms post here only.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'; "
    "object-src 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}
STATUS_LABELS = {
    "draft": "Draft",
    "pending_approval": "Pending approval",
    "approved": "Approved",
    "rejected": "Rejected",
    "sent": "Sent",
    "accepted": "Accepted",
    "declined": "Declined",
    "expired": "Expired",
    "cancelled": "Cancelled",
    "waiting": "Waiting",
    "pending": "Pending",
    "escalated": "Escalated",
    "void": "Void",
}
NO_FIGURE = "\N{EN DASH}"  # shown where a figure is missing
_SHOWN_DECIMALS = Decimal("0.000001")  # full-precision figures are shown to 6 places at most


@lru_cache(maxsize=64)
def babel_locale(tag: str | None) -> Locale:
    try:
        return Locale.parse(tag or "en-US", sep="-")
    except (ValueError, UnknownLocaleError):
        return Locale.parse("en_US")


def _decimal(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def money(value: Any, currency: str, locale: str | None = None) -> str:
    """``value`` in ``currency``: at least the currency's minor units, more when the figure has
    them (a list price of 0.0123), at most 6 places."""
    amount = _decimal(value)
    if amount is None:
        return NO_FIGURE
    shown = amount.quantize(_SHOWN_DECIMALS, ROUND_HALF_UP).normalize()
    return format_currency(shown, currency, locale=babel_locale(locale), decimal_quantization=False)


def number(value: Any, locale: str | None = None) -> str:
    amount = _decimal(value)
    if amount is None:
        return NO_FIGURE
    return format_decimal(
        amount.normalize(), locale=babel_locale(locale), decimal_quantization=False
    )


def percent(value: Any, locale: str | None = None) -> str:
    amount = _decimal(value)
    return NO_FIGURE if amount is None else f"{number(amount.quantize(Decimal('0.01')), locale)}%"


def plain(value: Any) -> str:
    """A decimal as an input's value (``12.5``, never ``1.25E+1``)."""
    amount = _decimal(value)
    return "" if amount is None else format(amount.normalize(), "f")


def day(value: date | datetime | str | None, locale: str | None = None) -> str:
    if value is None:
        return NO_FIGURE
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    if isinstance(value, datetime):
        return format_datetime(value, "medium", locale=babel_locale(locale))
    return format_date(value, "medium", locale=babel_locale(locale))


def status_label(status: str) -> str:
    return STATUS_LABELS.get(status, status.replace("_", " ").capitalize())


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(PAGES_DIR),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        money=money, number=number, percent=percent, plain=plain, day=day, status=status_label
    )
    return env


def is_htmx(request: Request) -> bool:
    return request.headers.get("HX-Request") == "true"


def page(
    request: Request, template: str, context: dict[str, Any], status_code: int = 200
) -> HTMLResponse:
    """Render ``template`` (a whole page, or a partial for htmx) with the security headers."""
    html = environment().get_template(template).render(request=request, **context)
    return HTMLResponse(html, status_code=status_code, headers=SECURITY_HEADERS)
