"""The OpenAPI document as the server really behaves: FastAPI generates it from the routes, then
each part of the shell that answers outside a route (problem rendering, idempotency keys, limits)
amends it, so that a client generated from it, or a fuzzer checking against it, is told the
truth."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

from fastapi import FastAPI

Spec = dict[str, Any]
Amendment = Callable[[Spec], None]
METHODS = frozenset({"get", "put", "post", "delete", "patch", "head", "options"})


def operations(spec: Spec) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """Every operation of ``spec``: its path, method (lower case) and definition."""
    for path, item in spec.get("paths", {}).items():
        for method, operation in item.items():
            if method in METHODS:
                yield path, method, operation


def amend(app: FastAPI, amendments: Sequence[Amendment]) -> None:
    """Make ``app.openapi()`` apply ``amendments``, in order, to the generated document once."""
    generate = app.openapi

    def openapi() -> Spec:
        if app.openapi_schema is None:
            spec = generate()
            for amendment in amendments:
                amendment(spec)
            app.openapi_schema = spec
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
