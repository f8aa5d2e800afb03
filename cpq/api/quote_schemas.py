"""Request and response schemas of the quote and approval API.

Requests forbid unknown fields, and name the fields the service computes or controls (prices,
totals, status, approvals...) with a clear error: such input is rejected, never ignored.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from babel import Locale, UnknownLocaleError
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    field_validator,
    model_validator,
)

from cpq.api.pricing import LINES_DESCRIPTION, LineIn, PricedQuoteOut, within_line_limit
from cpq.api.types import Code, Money, Percent, Term
from cpq.errors import InvalidInput
from cpq.money import is_currency

# Fields a client might try to set that only the service sets (and where they come from).
CONTROLLED = {
    "id": "assigned by the service",
    "number": "assigned by the service",
    "status": "changed only by the actions (/submit, /send...)",
    "owner": "the caller",
    "owner_id": "the caller",
    "version": "changed only by /revise",
    "revision": "the ETag",
    "etag": "the ETag",
    "pricing": "computed by the pricing engine",
    "priced": "computed by the pricing engine",
    "total": "computed by the pricing engine",
    "totals": "computed by the pricing engine",
    "figures": "computed by the pricing engine",
    "list_price": "computed by the pricing engine",
    "net_unit_price": "computed by the pricing engine",
    "net_total": "computed by the pricing engine",
    "final_amount": "computed by the pricing engine",
    "margin": "computed by the pricing engine",
    "margin_percent": "computed by the pricing engine",
    "catalog_version": "pinned when priced (POST /reprice moves it)",
    "rule_set": "pinned when priced (POST /reprice moves it)",
    "snapshot_hash": "computed from the content",
    "approvals": "given by approvers",
    "approved": "given by approvers",
    "approved_by": "given by approvers",
    "created_at": "set by the service",
    "updated_at": "set by the service",
}

Text = Annotated[str, StringConstraints(max_length=5000)]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
LocaleTag = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=35)]
Comment = Annotated[str, StringConstraints(strip_whitespace=True, max_length=5000)]


# On a line, the client names the line (``id``); the rest is computed as for the quote.
LINE_CONTROLLED = {k: v for k, v in CONTROLLED.items() if k != "id"}


def _reject_controlled(data: Any, controlled: dict[str, str] = CONTROLLED) -> Any:
    if isinstance(data, dict):
        found = [f"{name} ({controlled[name]})" for name in data if name in controlled]
        if found:
            raise ValueError("these fields cannot be set by a client: " + "; ".join(found))
    return data


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _no_controlled(cls, data: Any) -> Any:
        return _reject_controlled(data)


class QuoteLineIn(LineIn):
    """A quote line: a SKU (with options) or a configured bundle. ``id`` defaults to the next
    free number."""

    id: Code | None = None  # type: ignore[assignment]

    @model_validator(mode="before")
    @classmethod
    def _no_controlled(cls, data: Any) -> Any:
        return _reject_controlled(data, LINE_CONTROLLED)


def stored_line(line: dict[str, Any]) -> dict[str, Any]:
    """``line`` as the API stores it (through ``QuoteLineIn``), or 422 naming what is wrong:
    for the pages, which build lines from forms rather than from a request body."""
    try:
        return QuoteLineIn.model_validate(line).model_dump(mode="json", exclude_none=True)
    except ValidationError as exc:
        raise InvalidInput("; ".join(e["msg"] for e in exc.errors())) from None


class TermsIn(_In):
    customer: Code | None = Field(None, description="A synced customer (account) id.")
    currency: str | None = Field(None, description="ISO 4217; default: the customer's.")
    valid_until: date | None = Field(None, description="Default: 30 days from today.")
    payment_terms: Code | None = Field(None, description="e.g. NET30; the policy judges them.")
    price_list: Code | None = None
    codes: Annotated[list[Code], Field(max_length=50)] | None = None
    term_months: Term | None = None
    quote_discount_percent: Percent | None = None
    quote_discount_reason: Reason | None = Field(
        None,
        description="Why the rep gives the quote discount: shown to approvers, not on the "
        "customer's document. Needs a quote discount; clearing the discount clears it.",
    )
    title: Text | None = None
    notes: Text | None = None
    locale: LocaleTag | None = Field(
        None,
        description="BCP 47 (de-DE, en-GB, de-CH): how documents write numbers, dates and "
        "words; default: the server's (en-US).",
    )
    crm_opportunity_id: Code | None = None
    crm_account_id: Code | None = None

    @field_validator("currency")
    @classmethod
    def _iso(cls, value: str | None) -> str | None:
        if value is not None and not is_currency(value):
            raise ValueError(f"{value!r} is not an ISO 4217 currency code")
        return value

    @field_validator("locale")
    @classmethod
    def _bcp47(cls, value: str | None) -> str | None:
        return None if value is None else bcp47(value)


def bcp47(value: str) -> str:
    """``value`` as a BCP 47 tag in its usual case (de-de -> de-DE), if Babel knows the locale."""
    try:
        found = Locale.parse(value, sep="-")
    except (ValueError, UnknownLocaleError):
        raise ValueError(f"{value!r} is not a known locale (BCP 47, e.g. de-DE)") from None
    return "-".join(p for p in (found.language, found.script, found.territory, found.variant) if p)


class QuoteCreateIn(TermsIn):
    lines: list[QuoteLineIn] = Field([], description=LINES_DESCRIPTION)

    _lines_within_limit = field_validator("lines")(within_line_limit)


class LinesIn(_In):
    lines: list[QuoteLineIn] = Field(description=LINES_DESCRIPTION)

    _lines_within_limit = field_validator("lines")(within_line_limit)


class ActionIn(_In):
    comment: Comment | None = None


class DecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    comment: Comment | None = None
    snapshot_hash: str | None = Field(
        None, description="The content you reviewed; 409 if the quote changed since."
    )


class RejectIn(DecisionIn):
    comment: Comment = Field(min_length=1, description="Why: the rep needs to know.")


# --- responses -------------------------------------------------------------------------------


class PersonOut(BaseModel):
    id: int
    username: str | None
    display_name: str | None


class ApprovalQuoteOut(BaseModel):
    """The quote an approval is for, as an approver needs it in front of them."""

    number: str
    status: str
    owner: PersonOut
    customer: str | None
    currency: str
    total: Money | None
    valid_until: date
    payment_terms: str | None
    title: str | None


class ApprovalOut(BaseModel):
    quote: ApprovalQuoteOut | None = Field(
        None, description="In the approver's lists: the quote's facts (null inside a quote)."
    )
    id: int
    quote_id: str
    quote_number: str | None = None
    version: int
    step: int
    level: str
    require: str
    status: str = Field(description="waiting, pending, approved, rejected, escalated or void")
    approver: PersonOut
    decided_by: PersonOut | None
    decided_at: datetime | None
    comment: str | None
    due_at: datetime | None
    voided_at: datetime | None = Field(description="Set when the content it saw changed.")
    reasons: list[dict[str, Any]] = Field(description="The rules that required this level.")
    figures: dict[str, Any] = Field(description="The quote's figures when it was asked.")
    snapshot_hash: str
    escalated_from_id: int | None
    carried_from_id: int | None = Field(description="An earlier approval that still stands.")
    created_at: datetime


class QuoteSummaryOut(BaseModel):
    id: str
    number: str
    status: str
    version: int
    owner: PersonOut
    customer: str | None
    currency: str
    total: Money | None
    valid_until: date
    crm_opportunity_id: str | None
    crm_account_id: str | None
    created_at: datetime
    updated_at: datetime


class QuoteOut(QuoteSummaryOut):
    etag: str = Field(description="Send it back as If-Match to change the quote.")
    versions: list[int]
    read_only: bool = Field(description="An older version, or a status that allows no edit.")
    payment_terms: str | None
    price_list: str | None
    codes: list[str]
    term_months: int | None
    quote_discount_percent: Money | None
    quote_discount_reason: str | None
    title: str | None
    notes: str | None
    locale: str = Field(description="BCP 47: how the quote's documents are written.")
    lines: list[dict[str, Any]] = Field(description="The lines as asked for (input form).")
    pricing: PricedQuoteOut | None = Field(description="null until the quote has a line.")
    pricing_date: date
    priced_at: datetime | None
    rule_set_digest: str | None
    snapshot_hash: str | None = Field(description="What an approval binds to.")
    figures: dict[str, Any] | None = Field(description="What the approval policy judges.")
    approvals: list[ApprovalOut]
    actions: list[str] = Field(description="What the caller may do now.")


class QuotePageOut(BaseModel):
    items: list[QuoteSummaryOut]
    next_cursor: str | None


class RepriceOut(BaseModel):
    applied: bool
    changed: bool
    pins: dict[str, Any]
    lines: list[dict[str, Any]]
    totals: dict[str, Any]
    quote: QuoteOut | None = None


class EventOut(BaseModel):
    id: int
    version: int
    at: datetime
    actor: PersonOut | None
    token_id: int | None
    action: str
    from_status: str | None
    to_status: str | None
    comment: str | None
    snapshot_hash: str | None
    data: dict[str, Any]


class PreviewLevelOut(BaseModel):
    step: int
    level: str
    name: str
    require: str
    approvers: list[dict[str, Any]]
    problem: str | None = Field(description="Why nobody could be found to approve, if so.")
    reasons: list[dict[str, Any]]
    still_stands: bool = Field(description="An earlier approval of this level still stands.")


class GuidanceOut(BaseModel):
    discount: str = Field(description="quote: the quote discount %; line: that line's discount %")
    line_id: str | None
    no_approval: Money | None = Field(description="Largest discount needing no approval.")
    within: dict[str, Money | None] = Field(
        description="Per level below the highest needed now: the largest discount needing at "
        "most that level."
    )


class PreviewOut(BaseModel):
    quote_id: str
    version: int
    snapshot_hash: str | None
    policy: str
    figures: dict[str, Any]
    approval_required: bool
    levels: list[PreviewLevelOut]
    guidance: GuidanceOut


class ApprovalPageOut(BaseModel):
    items: list[ApprovalOut]
