"""Authored YAML files (product models, pricing rules): load with line numbers, validate.

A file is loaded into plain Python data (dicts, lists, str, int, Decimal, bool, None, dates) plus a
map from each key path to the line it is written on. Validation against a pydantic model reports
every error as an ``Issue`` located by file, line (``row``) and key path (``column``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from cpq import yaml_nodes
from cpq.catalog.issues import Issue, error
from cpq.yaml_nodes import KeyPath as KeyPath

M = TypeVar("M", bound=BaseModel)


def key_path(path: KeyPath) -> str:
    """``("bundles", 0, "sku")`` -> ``bundles[0].sku``."""
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path).lstrip(".")


@dataclass(frozen=True, slots=True)
class YamlDocument:
    file: str  # what issues call the file
    data: Any
    lines: Mapping[KeyPath, int]  # key path -> 1-based line of the key (or sequence item)

    def line(self, path: KeyPath) -> int | None:
        """The line of ``path``, or of its nearest parent written in the file."""
        while path and path not in self.lines:
            path = path[:-1]
        return self.lines.get(path)


def parse_yaml(text: str, file: str) -> tuple[YamlDocument | None, list[Issue]]:
    try:
        data, lines = yaml_nodes.load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        row = mark.line + 1 if mark is not None else None
        problem = exc.problem or exc.context or "invalid YAML"
        return None, [error("yaml_syntax", f"invalid YAML: {problem}", file=file, row=row)]
    except yaml.YAMLError as exc:
        return None, [error("yaml_syntax", f"invalid YAML: {exc}", file=file)]
    return YamlDocument(file, data, lines), []


def load_yaml(path: Path, file: str) -> tuple[YamlDocument | None, list[Issue]]:
    """Read and parse ``path``; ``file`` is the name issues give it (e.g. relative to a folder)."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        return None, [error("yaml_encoding", f"not UTF-8 text: {exc.reason}", file=file)]
    return parse_yaml(text, file)


def validate(
    document: YamlDocument, schema: type[M], at: KeyPath = (), data: Any = None
) -> tuple[M | None, list[Issue]]:
    """``document`` (or ``data``, found at ``at`` in it) as a ``schema``, or None and one issue
    per validation error, in line order."""
    try:
        return schema.model_validate(document.data if data is None else data), []
    except ValidationError as exc:
        issues = [_issue(document, e, at) for e in exc.errors(include_url=False)]
        return None, sorted(issues, key=lambda i: i.row or 0)


def _issue(document: YamlDocument, err: ErrorDetails, at: KeyPath) -> Issue:
    path: KeyPath = (*at, *err["loc"])
    given = err.get("input")
    value = None if isinstance(given, dict | list) or given is None else str(given)
    return error(
        err["type"],
        err["msg"],
        file=document.file,
        row=document.line(path),
        column=key_path(path) or None,
        value=value,
    )
