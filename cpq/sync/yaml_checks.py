"""Check a YAML document's shape, reporting each mistake with the file and line to fix."""

from __future__ import annotations

from typing import NoReturn

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from cpq.errors import InvalidInput


class YamlChecker:
    """Loads one document; ``fail`` raises InvalidInput naming the file and the line."""

    def __init__(self, source: str) -> None:
        self.source = source

    def load(self, text: str) -> object:
        try:
            # The round-trip loader keeps every node's line, which the safe loader drops.
            return YAML(typ="rt").load(text)
        except YAMLError as exc:
            marked = isinstance(exc, MarkedYAMLError) and exc.problem_mark is not None
            line = exc.problem_mark.line + 1 if marked else None  # type: ignore[attr-defined]
            problem = exc.problem if isinstance(exc, MarkedYAMLError) and exc.problem else exc
            self._raise(line, f"not valid YAML: {problem}")

    def fail(self, node: object, key: object, message: str) -> NoReturn:
        self._raise(line_of(node, key), message)

    def _raise(self, line: int | None, message: str) -> NoReturn:
        where = f"{self.source}:{line}" if line is not None else self.source
        raise InvalidInput(f"{where}: {message}", file=self.source, line=line)

    def keys(self, node: dict[object, object], allowed: tuple[str, ...]) -> None:
        for key in node:
            if key not in allowed:
                self.fail(node, key, f"unknown key {key!r}; expected one of {', '.join(allowed)}")

    def text(self, node: dict[object, object], key: str) -> str:
        value = node[key]
        if not isinstance(value, str) or not value.strip():
            self.fail(node, key, f"{key!r} must be a non-empty text")
        return str(value)

    def texts(self, node: dict[object, object], key: object) -> tuple[str, ...]:
        """A text or a non-empty list of texts."""
        value = node[key]
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list) or not items:
            self.fail(node, key, f"{key!r} must be a text or a non-empty list of texts")
        for item in items:
            if not isinstance(item, str) or not item.strip():
                self.fail(node, key, f"{key!r} must list texts, not {item!r}")
        return tuple(str(i) for i in items)


def line_of(node: object, key: object) -> int | None:
    """1-based line of ``node[key]`` (or of ``node``) in the YAML it was loaded from."""
    lc = getattr(node, "lc", None)
    if lc is None:
        return None
    if key is not None:
        try:
            position = lc.item(key) if isinstance(node, CommentedSeq) else lc.key(key)
            return int(position[0]) + 1
        except (KeyError, IndexError, TypeError):
            pass
    return int(lc.line) + 1
