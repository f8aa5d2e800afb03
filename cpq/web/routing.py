"""The route class of every page: a request the route cannot parse (a tampered or truncated
form) is answered with a page saying so, not with the API's problem+json."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.requests import Request
from starlette.responses import Response

from cpq.web.render import is_htmx, page

UNREADABLE = "This form could not be read. Reload the page and try again."


class PageRoute(APIRoute):
    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def route(request: Request) -> Response:
            try:
                return await handler(request)
            except RequestValidationError:
                if is_htmx(request):  # a message on top of the page, the rest untouched
                    answer = page(request, "_messages.html.j2", {"error": UNREADABLE}, 422)
                    answer.headers.update({"HX-Retarget": "#main", "HX-Reswap": "afterbegin"})
                    return answer
                context = {"title": "Form not understood", "user": None, "message": UNREADABLE}
                return page(request, "error.html.j2", context, 422)

        return route
