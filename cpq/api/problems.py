"""RFC 9457 problem details: one rendering for every error the API answers with."""

from __future__ import annotations

import json
import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict
from starlette.exceptions import HTTPException as StarletteHTTPException

from cpq.api.openapi import Spec, operations
from cpq.catalog.issues import Issue
from cpq.errors import CPQError

MEDIA_TYPE = "application/problem+json"
log = logging.getLogger("cpq.api")

_TITLES = {
    400: "Bad request",
    404: "Not found",
    405: "Method not allowed",
    401: "Unauthorized",
    413: "Content too large",
}


class Problem(BaseModel):
    """An RFC 9457 problem; ``code`` is stable for programs, ``detail`` is for people."""

    model_config = ConfigDict(extra="allow")
    type: str
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    code: str


def problem_response(
    request: Request,
    status: int,
    code: str,
    title: str,
    detail: str | None,
    headers: dict[str, str] | None = None,
    **extensions: Any,
) -> JSONResponse:
    body = {
        "type": f"/problems/{code}",
        "title": title,
        "status": status,
        "detail": detail,
        "instance": request.url.path,
        "code": code,
        **extensions,
    }
    return JSONResponse(body, status_code=status, media_type=MEDIA_TYPE, headers=headers)


# The members every problem has; an extension of the same name would clash with them.
RESERVED = frozenset(
    {"type", "title", "status", "detail", "instance", "code", "request", "headers"}
)


def _extensions(exc: CPQError) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in exc.extensions.items():
        if key in RESERVED:
            raise ValueError(f"{type(exc).__name__} has an extension named {key!r}: rename it")
        if key == "issues":
            issues: list[Issue] = value
            out["errors"] = [i.to_dict() for i in issues if i.is_error]
            out["warnings"] = [i.to_dict() for i in issues if not i.is_error]
        else:
            out[key] = value
    return out


def _headers(exc: CPQError) -> dict[str, str] | None:
    """An error class may carry its own ``headers``; else those HTTP requires with its status
    (RFC 9110: a 405 names the allowed methods, a 401 the authentication scheme)."""
    own: dict[str, str] | None = getattr(exc, "headers", None)
    if own is not None:
        return own
    if exc.status == 405:
        return {"Allow": "GET, HEAD"}
    if exc.status == 401:
        return {"WWW-Authenticate": 'Bearer realm="cpq"'}
    return None


async def _cpq_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, CPQError)
    return problem_response(
        request, exc.status, exc.code, exc.title, exc.detail, _headers(exc), **_extensions(exc)
    )


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [
        {
            "field": ".".join(str(part) for part in err["loc"]),
            "message": err["msg"],
            "type": err["type"],
        }
        for err in exc.errors()
    ]
    detail = f"{len(errors)} field(s) are invalid: " + ", ".join(e["field"] for e in errors)
    return problem_response(
        request, 422, "invalid_request", "Invalid request", detail, errors=errors
    )


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    title = _TITLES.get(exc.status_code, "Request failed")
    code = title.lower().replace(" ", "_")
    return problem_response(
        request, exc.status_code, code, title, str(exc.detail), dict(exc.headers or {})
    )


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    # A bug is a 500, never dressed up as the client's fault; the details go to the log only.
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return problem_response(
        request,
        500,
        "internal_error",
        "Internal server error",
        "the server failed; the error was logged",
    )


def install(app: FastAPI) -> None:
    app.add_exception_handler(CPQError, _cpq_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)


def responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI declarations of a route's problem responses."""
    return {
        s: {"model": Problem, "content": {MEDIA_TYPE: {}}, "description": _TITLES.get(s, "Problem")}
        for s in statuses
    }


PROBLEM_CONTENT = {MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}
_BODY_METHODS = frozenset({"post", "put", "patch"})
_UNPARSEABLE = (
    "Bad request (`bad_request`): a body that cannot be parsed at all, such as JSON that is not "
    "UTF-8 or broken multipart data"
)
_INVALID = {
    "description": "Invalid request (`invalid_request`): `errors` names each invalid field",
    "content": PROBLEM_CONTENT,
}


def problem_amendment(spec: Spec) -> None:
    """Every error answer is ``application/problem+json`` with the ``Problem`` schema: the 422
    FastAPI documents for request validation, a 400 for a body it cannot parse, and the errors
    routes declare (FastAPI would also list them as ``application/json``)."""
    for path, method, operation in operations(spec):
        answers = operation.setdefault("responses", {})
        if "422" in answers and _is_default_validation_error(answers["422"]):
            answers["422"] = dict(_INVALID)
        if path.startswith("/v1/"):  # any of them refuses a NUL character (nul_guard.py)
            answers.setdefault("422", dict(_INVALID))
        if method in _BODY_METHODS and "requestBody" in operation:
            if "400" in answers:
                answers["400"]["description"] += f"; or {_UNPARSEABLE}"
            else:
                answers["400"] = {"description": _UNPARSEABLE}
        for status, answer in answers.items():
            if status[0] in "45":
                answer["content"] = PROBLEM_CONTENT
    schemas = spec.setdefault("components", {}).setdefault("schemas", {})
    schemas.setdefault("Problem", Problem.model_json_schema())
    if "/HTTPValidationError" not in json.dumps(spec):
        for unused in ("HTTPValidationError", "ValidationError"):
            schemas.pop(unused, None)


def _is_default_validation_error(answer: dict[str, Any]) -> bool:
    schema = answer.get("content", {}).get("application/json", {}).get("schema", {})
    return bool(schema.get("$ref", "").endswith("/HTTPValidationError"))
