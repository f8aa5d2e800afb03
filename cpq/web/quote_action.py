"""What every request about one quote from its page carries, resolved once by FastAPI: the
request, who is signed in, the engine and settings, the quote, and for a change the revision the
page showed. Its methods answer the way every quote page action answers: the page (or only its
body for htmx), the quote as it is now with why a change was refused, or after a plain form post
a redirect back to the page (post/redirect/get).

A page that went stale (its revision is not the quote's any more) gets the quote as it is now
and says that the change was not saved, never overwriting what someone else saved in between.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import Engine

from cpq.api.deps import EngineDep, SettingsDep
from cpq.errors import CPQError, PreconditionFailed
from cpq.services import quotes
from cpq.services.quotes import Context
from cpq.settings import Settings
from cpq.web.access import refused_page
from cpq.web.quote_page import quote_context
from cpq.web.render import is_htmx, page
from cpq.web.session import SignedIn, SignedInDep, base, context_of

MAX_REVISION = 2**31 - 1
STALE = (
    "This quote was changed elsewhere since this page was loaded, so your change was not "
    "saved. Here it is as it is now: check it and make your change again."
)


def error_text(exc: CPQError) -> str:
    if isinstance(exc, PreconditionFailed):
        return STALE
    return exc.detail


@dataclass(frozen=True, slots=True)
class OnQuote:
    """A page request about one quote."""

    request: Request
    signed: SignedIn
    engine: Engine
    settings: Settings
    quote_id: str

    @property
    def ctx(self) -> Context:
        return context_of(self.signed, self.settings)

    def base(self, title: str, **more: Any) -> dict[str, Any]:
        return base(self.signed, title, **more)

    def page(
        self,
        *,
        notice: str | None = None,
        error: str | None = None,
        status_code: int = 200,
    ) -> Response:
        """The quote page, or only its body for an htmx update."""
        try:
            with self.engine.connect() as conn:
                shown = quote_context(conn, self.ctx, self.quote_id)
        except CPQError as exc:  # not there, or not the caller's to see
            return refused_page(self.request, self.signed, exc)
        title = f"{shown['quote']['number']} · Quote"
        context = self.base(title, notice=notice, error=error, **shown)
        template = "_quote_body.html.j2" if is_htmx(self.request) else "quote.html.j2"
        return page(self.request, template, context, status_code)


@dataclass(frozen=True, slots=True)
class QuoteAction(OnQuote):
    """A change asked for from the quote page, at the revision the page showed."""

    revision: int

    def edit(self, change: quotes.Edit, notice: str) -> Response:
        """``change`` through ``quotes.edit`` in a transaction of its own, then the answer."""
        try:
            with self.engine.begin() as conn:
                quotes.edit(conn, self.ctx, self.quote_id, self.revision, change)
        except CPQError as exc:
            return self.refused(exc)
        return self.done(notice)

    def done(self, notice: str) -> Response:
        """htmx: the new body; a plain form post: back to the quote page."""
        if is_htmx(self.request):
            return self.page(notice=notice)
        return RedirectResponse(f"/quotes/{self.quote_id}", status_code=303)

    def refused(self, exc: CPQError) -> Response:
        """The quote as it is now, with why the change was refused."""
        return self.page(error=error_text(exc), status_code=exc.status)


async def _on_quote(
    request: Request,
    quote_id: str,
    signed: SignedInDep,
    engine: EngineDep,
    settings: SettingsDep,
) -> OnQuote:
    return OnQuote(request, signed, engine, settings, quote_id)


OnQuoteDep = Annotated[OnQuote, Depends(_on_quote)]


def _at(on: OnQuote, revision: int) -> QuoteAction:
    return QuoteAction(on.request, on.signed, on.engine, on.settings, on.quote_id, revision)


async def _posted(
    on: OnQuoteDep, revision: Annotated[int, Form(ge=1, le=MAX_REVISION)]
) -> QuoteAction:
    return _at(on, revision)


async def _asked(
    on: OnQuoteDep, revision: Annotated[int, Query(ge=1, le=MAX_REVISION)]
) -> QuoteAction:
    return _at(on, revision)


# A form posted from the quote page (its hidden ``revision`` field), and a read that judges a
# change without saving it (``?revision=``): both at the revision the page showed.
Posted = Annotated[QuoteAction, Depends(_posted)]
Asked = Annotated[QuoteAction, Depends(_asked)]
