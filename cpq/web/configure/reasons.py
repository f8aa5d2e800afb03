"""Why an option or value is closed, or was added by the engine, in words a rep reads: the rules
(their authors' messages) and the rep's own choices behind it. Pure."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from cpq.configuration.choices import Choice, ChoiceKind
from cpq.configuration.evaluate import Evaluation, Reason
from cpq.configuration.model import ConfigModel
from cpq.configuration.wording import describe_rule, number

STRUCTURE = frozenset({"group", "attribute"})  # rule kinds the model's shape makes


@dataclass(frozen=True, slots=True)
class Why:
    """Why an option is closed or was added: the rules in words, and the choices behind it."""

    kind: str  # "closed" or "added"
    rules: str
    because: str  # "You chose ..." or ""


def why(
    model: ConfigModel,
    names: Mapping[str, str],
    evaluation: Evaluation,
    reason: Reason | None,
    kind: str,
) -> Why:
    if reason is None:
        return Why(kind, "", "")
    authored = [r for r in reason.rules if model.rules[r].kind not in STRUCTURE]
    shown = authored or reason.rules  # a group's or attribute's own bounds go without saying
    rules = " ".join(sentence(describe_rule(model, model.rules[r])) for r in shown)
    chosen = [_choice_text(model, names, evaluation.choices[c]) for c in reason.choices]
    if not rules and chosen:  # the structure alone: an option of a nested bundle
        rules = "It is part of a bundle that is not chosen."
    because = f"You chose {_joined(chosen)}." if chosen else ""
    return Why(kind, rules, because)


def sentence(text: str) -> str:
    text = text.strip()
    return text if text.endswith((".", "!", "?")) else f"{text}."


def _choice_text(model: ConfigModel, names: Mapping[str, str], choice: Choice) -> str:
    if choice.kind is ChoiceKind.VALUE:
        return f"{model.attributes[choice.target].name}: {choice.value}"
    option = model.options[choice.target]
    name = names.get(option.sku, option.sku)
    if choice.kind is ChoiceKind.REJECT:
        return f"no {name}"
    if choice.quantity is not None and option.editable:
        return f"{number(choice.quantity)} \N{MULTIPLICATION SIGN} {name}"
    return name


def _joined(parts: Sequence[str]) -> str:
    return parts[0] if len(parts) == 1 else f"{', '.join(parts[:-1])} and {parts[-1]}"
