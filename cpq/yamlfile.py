"""Authored YAML files (product models, pricing rules): load with line numbers, validate.

A file is loaded into plain Python data (dicts, lists, str, int, Decimal, bool, None, dates) plus a
map from each key path to the line it is written on. Validation against a pydantic model reports
every error as an ``Issue`` located by file, line (``row``) and key path (``column``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.constructor import RoundTripConstructor
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.scalarbool import ScalarBoolean

from cpq.catalog.issues import Issue, error

KeyPath = tuple[str | int, ...]
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


def _exact_float(constructor: Any, node: Any) -> Any:
    """YAML floats as exact Decimals ("5.90" stays 5.90, never 5.9000000000000004)."""
    text = str(node.value).replace("_", "")
    try:
        value = Decimal(text)
    except InvalidOperation:
        return constructor.construct_yaml_float(node)  # .inf, .nan
    return value if value.is_finite() else constructor.construct_yaml_float(node)


class _ExactConstructor(RoundTripConstructor):
    pass


_ExactConstructor.add_constructor("tag:yaml.org,2002:float", _exact_float)


def _reader() -> YAML:
    yaml = YAML(typ="rt")
    yaml.Constructor = _ExactConstructor
    return yaml


def parse_yaml(text: str, file: str) -> tuple[YamlDocument | None, list[Issue]]:
    try:
        loaded = _reader().load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        row = mark.line + 1 if mark is not None else None
        problem = exc.problem or exc.context or "invalid YAML"
        return None, [error("yaml_syntax", f"invalid YAML: {problem}", file=file, row=row)]
    except YAMLError as exc:
        return None, [error("yaml_syntax", f"invalid YAML: {exc}", file=file)]
    lines: dict[KeyPath, int] = {(): 1}  # the document itself: its first line
    return YamlDocument(file, _plain(loaded, (), lines), lines), []


def load_yaml(path: Path, file: str) -> tuple[YamlDocument | None, list[Issue]]:
    """Read and parse ``path``; ``file`` is the name issues give it (e.g. relative to a folder)."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        return None, [error("yaml_encoding", f"not UTF-8 text: {exc.reason}", file=file)]
    return parse_yaml(text, file)


def validate(document: YamlDocument, schema: type[M]) -> tuple[M | None, list[Issue]]:
    """``document`` as a ``schema``, or None and one issue per validation error, in line order."""
    try:
        return schema.model_validate(document.data), []
    except ValidationError as exc:
        issues = [_issue(document, e) for e in exc.errors(include_url=False)]
        return None, sorted(issues, key=lambda i: i.row or 0)


def _issue(document: YamlDocument, err: ErrorDetails) -> Issue:
    path: KeyPath = tuple(err["loc"])
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


def _plain(node: Any, path: KeyPath, lines: dict[KeyPath, int]) -> Any:
    """ruamel's round-trip nodes as plain Python data, recording the line of every key and item.

    Keys merged in with ``<<:`` have no position of their own; they take their mapping's line.
    """
    if isinstance(node, CommentedMap | CommentedSeq):
        entries = node.items() if isinstance(node, CommentedMap) else enumerate(node)
        plain = {}
        for key, value in entries:
            position = node.lc.data.get(key)
            if position is not None:
                lines[(*path, key)] = position[0] + 1
            plain[key] = _plain(value, (*path, key), lines)
        return plain if isinstance(node, CommentedMap) else list(plain.values())
    if isinstance(node, ScalarBoolean):  # an anchored boolean: an int subclass
        return bool(node)
    for kind in (bool, int, float, str):  # ruamel's other scalar subclasses, e.g. ScalarFloat
        if isinstance(node, kind):
            return kind(node)
    return node
