"""Loading the approval policy file: validate everything, report every problem with its file, line
and key path, and build the frozen policy only when there is none (docs/approvals.md)."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel

from cpq.approvals import schema as S
from cpq.approvals.conditions import QUOTE_CURRENCY_AMOUNTS, ConditionError, compile_condition
from cpq.approvals.examples import Example, figures_of_spec
from cpq.approvals.policy import ApprovalRule, Approvers, Level, Policy, Require
from cpq.auth.principal import Role
from cpq.catalog.issues import Issue, error, warning
from cpq.money import is_currency
from cpq.pricing.rules.files import APPROVAL_POLICY_FILE
from cpq.yamlfile import KeyPath, YamlDocument, key_path, parse_yaml, validate

Loaded = tuple[Policy | None, list[Issue], tuple[Example, ...]]

T = TypeVar("T", bound=BaseModel)


def load_policy(folder: Path) -> Loaded:
    """The policy in ``folder / "approvals.yaml"``. A missing file is an error: without a policy
    nobody can tell which approvals a quote needs, so no quote can be submitted."""
    path = folder / APPROVAL_POLICY_FILE
    if not path.is_file():
        message = (
            f"no approval policy: {path} is missing; without one no quote can be submitted "
            "for approval"
        )
        return None, [error("no_policy", message, file=str(path))], ()
    data = path.read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return None, [error("yaml_encoding", f"not UTF-8 text: {exc.reason}", file=path.name)], ()
    return policy_from_text(text, path.name)


def policy_from_text(text: str, file: str) -> Loaded:
    """The policy written in ``text`` (issues call it ``file``), or None and every problem."""
    document, issues = parse_yaml(text, file)
    if document is None:
        return None, issues, ()
    if document.data is None:
        return None, [error("empty_policy", "the approval policy file is empty", file=file)], ()
    spec, issues = validate(document, S.PolicyFileSpec)
    if spec is None:
        return None, issues, ()
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return _Builder(document, issues).build(spec, digest)


class _Builder:
    def __init__(self, doc: YamlDocument, issues: list[Issue]) -> None:
        self.doc = doc
        self.issues = issues
        self.level_items: dict[str, int] = {}  # level code -> its item in the file's list
        self.written: set[str] = set()

    def problem(self, path: KeyPath, code: str, message: str, *, warn: bool = False) -> None:
        make = warning if warn else error
        self.issues.append(
            make(
                code,
                message,
                file=self.doc.file,
                row=self.doc.line(path),
                column=key_path(path) or None,
            )
        )

    def items(self, section: str, raw: list[Any], schema: type[T]) -> list[tuple[int, T]]:
        found = []
        for n, data in enumerate(raw):
            item, problems = validate(
                self.doc, schema, (section, n), data if data is not None else {}
            )
            self.issues += problems
            if item is not None:
                found.append((n, item))
        return found

    def build(self, spec: S.PolicyFileSpec, digest: str) -> Loaded:
        header = None
        if spec.policy is None:
            self.problem(
                (), "no_header", "the file needs a header: policy: {name: ..., currency: ...}"
            )
        else:
            header, problems = validate(self.doc, S.HeaderSpec, ("policy",), spec.policy)
            self.issues += problems
        if header is not None and not is_currency(header.currency):
            self.problem(
                ("policy", "currency"),
                "unknown_currency",
                f"{header.currency!r} is not an ISO 4217 currency code",
            )
        # Codes written, even on levels with errors: naming one is no further error.
        self.written = {
            item["code"]
            for item in spec.levels
            if isinstance(item, dict) and isinstance(item.get("code"), str)
        }
        levels = self.levels(self.items("levels", spec.levels, S.LevelSpec))
        rule_specs = self.items("rules", spec.rules, S.RuleSpec)
        rules = self.rules(rule_specs, levels)
        example_specs = self.items("examples", spec.examples, S.ExampleSpec)
        self.check_examples(example_specs, levels, {rule.id for _, rule in rule_specs})
        self.unused(levels, {rule.level for _, rule in rule_specs})
        if not rule_specs:
            self.problem(
                ("rules",), "no_rules", "no rules: no quote ever needs approval", warn=True
            )
        self.issues.sort(key=lambda i: i.row or 0)  # stable: a row's problems keep their order
        if header is None or any(i.is_error for i in self.issues):
            return None, self.issues, ()
        policy = Policy(header.name, digest, header.currency, tuple(levels.values()), tuple(rules))
        examples = tuple(
            Example(
                name=item.name,
                figures=figures_of_spec(item.figures, policy.currency),
                expect=tuple(sorted(item.expect, key=policy.position)),
                triggers=tuple(item.triggers) if item.triggers is not None else None,
                file=self.doc.file,
                line=self.doc.line(("examples", n)),
            )
            for n, item in example_specs
        )
        return policy, self.issues, examples

    def levels(self, specs: list[tuple[int, S.LevelSpec]]) -> dict[str, Level]:
        levels: dict[str, Level] = {}
        first = self.level_items
        for n, spec in specs:
            if spec.code in levels:
                self.problem(
                    ("levels", n, "code"),
                    "duplicate_level",
                    f"level code {spec.code!r} is already used on row "
                    f"{self.doc.line(('levels', first[spec.code]))}",
                )
                continue
            first[spec.code] = n
            approvers = spec.approvers
            levels[spec.code] = Level(
                code=spec.code,
                name=spec.name,
                approvers=Approvers(
                    reporting_line=Role(approvers.reporting_line)
                    if approvers.reporting_line is not None
                    else None,
                    role=approvers.role,
                ),
                require=Require(spec.require),
                escalate_after=spec.escalate_after,
            )
        return levels

    def rules(
        self, specs: list[tuple[int, S.RuleSpec]], levels: dict[str, Level]
    ) -> list[ApprovalRule]:
        rules: list[ApprovalRule] = []
        first: dict[str, int] = {}
        for n, spec in specs:
            path: KeyPath = ("rules", n)
            if spec.id in first:
                self.problem(
                    (*path, "id"),
                    "duplicate_rule",
                    f"rule id {spec.id!r} is already used on row "
                    f"{self.doc.line(('rules', first[spec.id]))}",
                )
                continue
            first[spec.id] = n
            ok = spec.level in levels
            if not ok:
                self.unknown_level((*path, "level"), spec.level, levels)
            try:
                condition = compile_condition(spec.when)
            except ConditionError as exc:
                self.problem((*path, "when"), "bad_expression", str(exc))
                continue
            amounts = sorted(QUOTE_CURRENCY_AMOUNTS.intersection(condition.symbols))
            if amounts and "currency" not in condition.symbols:
                self.problem(
                    (*path, "when"),
                    "quote_currency_amount",
                    f"{', '.join(amounts)} is in each quote's own currency: compare "
                    "total_amount (the policy currency), or test currency too",
                    warn=True,
                )
            if ok:
                line = self.doc.line(path)
                rules.append(
                    ApprovalRule(
                        spec.id, spec.description, spec.level, condition, self.doc.file, line
                    )
                )
        return rules

    def check_examples(
        self, specs: list[tuple[int, S.ExampleSpec]], levels: dict[str, Level], rule_ids: set[str]
    ) -> None:
        for n, spec in specs:
            for k, code in enumerate(spec.expect):
                if code not in levels:
                    self.unknown_level(("examples", n, "expect", k), code, levels)
            for k, rule_id in enumerate(spec.triggers or ()):
                if rule_id not in rule_ids:
                    self.problem(
                        ("examples", n, "triggers", k),
                        "unknown_rule",
                        f"no rule {rule_id!r}",
                    )

    def unknown_level(self, path: KeyPath, code: str, levels: dict[str, Level]) -> None:
        if code in self.written:
            return  # the level has errors of its own
        known = ", ".join(levels) or "none"
        self.problem(path, "unknown_level", f"no level {code!r}; the levels are: {known}")

    def unused(self, levels: dict[str, Level], named: set[str]) -> None:
        for code in levels:
            if code not in named:
                self.problem(
                    ("levels", self.level_items[code]),
                    "unused_level",
                    f"no rule requires level {code!r}: it is never asked for",
                    warn=True,
                )
