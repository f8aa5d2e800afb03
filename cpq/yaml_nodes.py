"""YAML as plain data with the line of every key, read by libyaml (PyYAML's C parser).

Scalars are resolved by the YAML 1.2 core schema, as ruamel reads them (``yes``, ``no``, ``on``
and ``NO`` stay strings; ``0o17`` is octal), plus dates (``2026-03-01``). Floats become exact
Decimals. Merge keys (``<<:``) are honoured; a key written twice in one mapping is an error.
Composing with the C parser is about seven times faster than ruamel's round-trip loader, which
matters for rule sets of thousands of rules.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

import yaml
from yaml.constructor import ConstructorError, SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

KeyPath = tuple[str | int, ...]

_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # the C parser when libyaml is there


class Loader(_Loader):  # type: ignore[misc]
    """Only the YAML 1.2 core schema's implicit types (and dates, and merge keys)."""

    yaml_implicit_resolvers: dict[str | None, list[tuple[str, re.Pattern[str]]]] = {}


def _resolve(tag: str, pattern: str, first: str) -> None:
    Loader.add_implicit_resolver(tag, re.compile(pattern, re.X), list(first))


_resolve("tag:yaml.org,2002:null", r"^(?:~|null|Null|NULL|)$", "~nN\0")
Loader.add_implicit_resolver("tag:yaml.org,2002:null", re.compile(r"^$"), [""])
_resolve("tag:yaml.org,2002:bool", r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF")
_resolve("tag:yaml.org,2002:int", r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$", "-+0123456789")
_resolve(
    "tag:yaml.org,2002:float",
    r"""^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?
        |[-+]?(?:\.inf|\.Inf|\.INF)|\.nan|\.NaN|\.NAN)$""",
    "-+0123456789.",
)
_resolve(
    "tag:yaml.org,2002:timestamp",
    r"""^(?:[0-9]{4}-[0-9]{2}-[0-9]{2}
        |[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:[Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]*)?
        (?:[ \t]*(?:Z|[-+][0-9]{1,2}(?::[0-9]{2})?))?)$""",
    "0123456789",
)
_resolve("tag:yaml.org,2002:merge", r"^<<$", "<")

_constructor = SafeConstructor()


def _scalar(node: ScalarNode) -> Any:
    tag, text = node.tag, node.value
    if tag == "tag:yaml.org,2002:str":
        return text
    if tag == "tag:yaml.org,2002:null":
        return None
    if tag == "tag:yaml.org,2002:bool":
        return text.lower() == "true"
    if tag == "tag:yaml.org,2002:int":
        return (
            int(text, 8)
            if text.startswith("0o")
            else int(text, 0)
            if text.startswith("0x")
            else int(text)
        )
    if tag == "tag:yaml.org,2002:float":
        try:
            value = Decimal(text)
        except InvalidOperation:
            value = None
        if value is not None and value.is_finite():
            return value  # exact: "5.90" stays 5.90
        return float(text.lower().replace(".inf", "inf").replace(".nan", "nan"))
    if tag == "tag:yaml.org,2002:timestamp":
        return _constructor.construct_yaml_timestamp(node)
    return text  # an explicit tag of its own: the text as written


class DuplicateKey(yaml.MarkedYAMLError):
    pass


def plain(node: Node | None, path: KeyPath, lines: dict[KeyPath, int]) -> Any:
    """The node as plain Python data, recording the 1-based line of every key and item."""
    if node is None:
        return None
    if isinstance(node, ScalarNode):
        return _scalar(node)
    if isinstance(node, SequenceNode):
        items = []
        for n, item in enumerate(node.value):
            lines[(*path, n)] = item.start_mark.line + 1
            items.append(plain(item, (*path, n), lines))
        return items
    if isinstance(node, MappingNode):
        own: set[Any] = set()
        for key_node, _ in node.value:  # keys written here (not merged in) must be unique
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = plain(key_node, path, {})
            if isinstance(key, list | dict):
                raise yaml.MarkedYAMLError(
                    problem="a key must be a plain value", problem_mark=key_node.start_mark
                )
            if key in own:
                raise DuplicateKey(
                    problem=f"key {key!r} is written twice in this mapping",
                    problem_mark=key_node.start_mark,
                )
            own.add(key)
            lines[(*path, key)] = key_node.start_mark.line + 1
        try:
            _constructor.flatten_mapping(node)  # merged entries first, then the mapping's own
        except ConstructorError as exc:
            raise yaml.MarkedYAMLError(problem=exc.problem, problem_mark=exc.problem_mark) from None
        mapping: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = plain(key_node, path, {})
            lines.setdefault((*path, key), key_node.start_mark.line + 1)
            mapping[key] = plain(value_node, (*path, key), lines)  # an own key overrides
        return mapping
    raise yaml.YAMLError(f"unexpected node {node!r}")  # pragma: no cover


def load(text: str) -> tuple[Any, dict[KeyPath, int]]:
    """Plain data and lines; raises ``yaml.YAMLError`` (``MarkedYAMLError`` with a line)."""
    lines: dict[KeyPath, int] = {(): 1}
    node = yaml.compose(text, Loader=Loader)
    return plain(node, (), lines), lines
