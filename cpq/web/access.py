"""Who a page is for. ``AdminDep`` and ``ApproverDep`` are the signed-in user of a page that only
admins, or only approvers, may open; anyone else gets the error page (403). A route that cannot
answer for another reason (not found, not yours) raises ``PageRefused`` with the domain error."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.responses import Response

from cpq.auth.principal import APPROVING_ROLES, Role
from cpq.errors import CPQError, Forbidden
from cpq.web.render import page
from cpq.web.session import SignedIn, SignedInDep, base


class PageRefused(Exception):
    """The page cannot be shown to this user: the error page says why, with the error's status."""

    def __init__(self, signed: SignedIn, error: CPQError) -> None:
        super().__init__(error.detail)
        self.signed = signed
        self.error = error


def refused_page(request: Request, signed: SignedIn, error: CPQError) -> Response:
    context = base(signed, error.title, message=error.detail)
    return page(request, "error.html.j2", context, error.status)


async def page_refused(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, PageRefused)
    return refused_page(request, exc.signed, exc.error)


def _only(roles: frozenset[Role], why: str) -> Callable[[SignedIn], Awaitable[SignedIn]]:
    async def gate(signed: SignedInDep) -> SignedIn:
        if signed.who.role not in roles:
            raise PageRefused(signed, Forbidden(why))
        return signed

    return gate


AdminDep = Annotated[
    SignedIn, Depends(_only(frozenset({Role.ADMIN}), "These pages are for admins."))
]
ApproverDep = Annotated[
    SignedIn,
    Depends(_only(APPROVING_ROLES, "Only managers, directors and finance decide approvals.")),
]
