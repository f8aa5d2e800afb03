"""Mount the pages on the API's app: the page routers, the static files, and the answers to a
missing session (to the login page), a missing CSRF token (403 page) and a refused page."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from cpq.web import (
    routes_admin,
    routes_approvals,
    routes_auth,
    routes_configure,
    routes_discounts,
    routes_lines,
    routes_people,
    routes_quotes,
)
from cpq.web.access import PageRefused, page_refused
from cpq.web.render import is_htmx, page
from cpq.web.session import HOME, CsrfRejected, LoginRequired, login_url

STATIC_DIR = Path(__file__).parent / "static"


async def _login_required(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, LoginRequired)
    target = login_url(exc.next_path)
    if is_htmx(request):  # a partial update: the whole page goes to the login
        return Response(status_code=204, headers={"HX-Redirect": target})
    return RedirectResponse(target, status_code=303)


async def _csrf_rejected(request: Request, exc: Exception) -> Response:
    return page(
        request,
        "error.html.j2",
        {
            "title": "Form expired",
            "user": None,
            "message": "This form was not sent from a page of this site, or it has expired. "
            "Go back, reload the page and try again.",
        },
        403,
    )


def install(app: FastAPI) -> None:
    app.include_router(routes_auth.router)
    app.include_router(routes_quotes.router)
    app.include_router(routes_lines.router)
    app.include_router(routes_discounts.router)
    app.include_router(routes_configure.router)
    app.include_router(routes_approvals.router)
    app.include_router(routes_admin.router)
    app.include_router(routes_people.router)
    app.add_api_route("/", lambda: RedirectResponse(HOME, status_code=303), include_in_schema=False)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.add_exception_handler(LoginRequired, _login_required)
    app.add_exception_handler(CsrfRejected, _csrf_rejected)
    app.add_exception_handler(PageRefused, page_refused)
