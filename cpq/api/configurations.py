"""``POST /v1/configurations/evaluate`` and ``/complete``: configure a bundle of the catalog.

Nothing is stored; it takes a credential with the ``quotes:read`` scope. Options are named by id
(``group/SKU``, nested ``group/SKU/group/SKU``) or by a SKU found once in the bundle; quantities
go out as decimal strings.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from cpq.api.deps import ReadConn
from cpq.api.problems import responses
from cpq.api.security import require
from cpq.api.types import Code, Money, Quantity
from cpq.auth.principal import Scope
from cpq.configuration.checking import Configuration
from cpq.configuration.choices import Choice, ChoiceKind, ConfigurationRequest, Selection
from cpq.configuration.evaluate import Evaluation, Reason, State
from cpq.configuration.model import ConfigModel, OptionNode
from cpq.configuration.wording import describe_choice, describe_choices, describe_rule
from cpq.errors import NoValidConfiguration
from cpq.services import configuration as service

router = APIRouter(
    prefix="/v1/configurations",
    tags=["configuration"],
    dependencies=[require(Scope.QUOTES_READ)],
    responses=responses(401, 403),
)

MAX_CHOICES = 2_000


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SelectionIn(_In):
    option: Code = Field(description="Option id (group/SKU) or a SKU found once in the bundle.")
    quantity: Quantity | None = Field(
        None, description="Per unit of the bundle; only for options with an editable quantity."
    )


class ChoicesIn(_In):
    """A bundle and the choices made so far."""

    bundle: Code
    selections: Annotated[list[SelectionIn], Field(max_length=MAX_CHOICES)] = []
    rejected: Annotated[list[Code], Field(max_length=MAX_CHOICES)] = Field(
        [], description="Options the customer does not want."
    )
    attributes: Annotated[dict[Code, Code], Field(max_length=200)] = Field(
        {}, description="Attribute id -> value."
    )

    def domain(self) -> ConfigurationRequest:
        return ConfigurationRequest(
            bundle=self.bundle,
            selections=tuple(Selection(s.option, s.quantity) for s in self.selections),
            rejected=tuple(self.rejected),
            attributes=dict(self.attributes),
        )


class EvaluateIn(ChoicesIn):
    catalog_version: int | None = Field(None, ge=1, description="Default: the latest.")
    explain: bool = Field(
        True, description="false: states only, no reasons (faster on large bundles)."
    )


class CompleteIn(EvaluateIn):
    quantity: Quantity = Field(Decimal(1), description="How many bundles the line sells.")
    line_id: Code = Field("1", description="The id of the bundle line in `line`.")


# --- response --------------------------------------------------------------------------------


class ChoiceOut(BaseModel):
    kind: Literal["select", "reject", "value"]
    option: str | None = None
    attribute: str | None = None
    value: str | None = None
    quantity: Money | None = None
    text: str


class RuleOut(BaseModel):
    id: str
    kind: str
    message: str


class ReasonOut(BaseModel):
    message: str
    choices: list[ChoiceOut] = Field(description="The smallest set of choices that decides it.")
    rules: list[RuleOut] = Field(description="The rules that connect them.")


class QuantityOut(BaseModel):
    rule: Literal["fixed", "per_parent_unit", "editable"]
    value: Money | None = None
    min: Money | None = None
    max: Money | None = None
    default: Money | None = None


class OptionOut(BaseModel):
    id: str
    sku: str
    name: str | None
    group: str
    parent: str | None = Field(description="The option of the nested bundle it belongs to.")
    bundle: str | None = Field(description="The nested bundle this option is configured as.")
    default: bool
    quantity: QuantityOut
    state: State
    reason: ReasonOut | None = Field(description="Why it is closed or implied.")


class GroupOut(BaseModel):
    id: str
    name: str
    parent: str | None
    min: int
    max: int


class ValueOut(BaseModel):
    value: str
    state: State
    reason: ReasonOut | None


class AttributeOut(BaseModel):
    id: str
    name: str
    parent: str | None
    default: str | None
    values: list[ValueOut]


class ViolationOut(BaseModel):
    rule: RuleOut | None
    message: str
    options: list[str]


class SelectedOut(BaseModel):
    option: str
    sku: str
    quantity: Money


class ConfigurationOut(BaseModel):
    selections: list[SelectedOut]
    attributes: dict[str, str]


class EvaluationOut(BaseModel):
    bundle: str
    catalog_version: int
    consistent: bool = Field(description="Some valid configuration keeps every choice.")
    valid: bool = Field(description="The choices with what they imply are a valid configuration.")
    conflict: ReasonOut | None = Field(description="When not consistent: the choices that clash.")
    violations: list[ViolationOut] = Field(description="Rules the configuration breaks now.")
    implied: list[str] = Field(description="Options added because the choices require them.")
    configuration: ConfigurationOut = Field(description="The choices with what they imply.")
    groups: list[GroupOut]
    options: list[OptionOut]
    attributes: list[AttributeOut]
    solver_calls: int


class CompletionOut(BaseModel):
    bundle: str
    catalog_version: int
    configuration: ConfigurationOut
    line: dict[str, Any] = Field(
        description="The bundle as a line for POST /v1/price (its configuration, expanded there "
        "into the bundle's option lines)."
    )


# --- rendering -------------------------------------------------------------------------------


def _choice(model: ConfigModel, choice: Choice) -> dict[str, Any]:
    out: dict[str, Any] = {"kind": choice.kind.value, "text": describe_choice(model, choice)}
    if choice.kind is ChoiceKind.VALUE:
        out |= {"attribute": model.attributes[choice.target].id, "value": choice.value}
    else:
        out |= {"option": model.options[choice.target].id, "quantity": choice.quantity}
    return out


def _rule(model: ConfigModel, index: int) -> dict[str, Any]:
    rule = model.rules[index]
    return {"id": rule.id, "kind": rule.kind, "message": describe_rule(model, rule)}


def _reason(model: ConfigModel, choices: Sequence[Choice], reason: Reason | None, verb: str) -> Any:
    if reason is None:
        return None
    chosen = [choices[c] for c in reason.choices]
    rules = "; ".join(describe_rule(model, model.rules[r]) for r in reason.rules)
    if not rules and chosen:  # the structure alone: an option of a nested bundle needs the bundle
        rules = "an option of a nested bundle comes with the bundle"
    cause = f"you chose {describe_choices(model, chosen)}" if chosen else "the model itself"
    return {
        "message": f"{verb} because {cause}" + (f": {rules}" if rules else ""),
        "choices": [_choice(model, c) for c in chosen],
        "rules": [_rule(model, r) for r in reason.rules],
    }


def _quantity(option: OptionNode) -> dict[str, Any]:
    q = option.quantity
    if q.editable is not None:
        e = q.editable
        return {"rule": "editable", "min": e.min, "max": e.max, "default": e.default}
    if q.fixed is not None:
        return {"rule": "fixed", "value": q.fixed}
    return {"rule": "per_parent_unit", "value": q.per_parent_unit}


def _parent(model: ConfigModel, parent: int | None) -> str | None:
    return model.options[parent].id if parent is not None else None


def configuration_out(model: ConfigModel, config: Configuration) -> dict[str, Any]:
    return {
        "selections": [
            {"option": o.id, "sku": o.sku, "quantity": config.quantities[o.index]}
            for o in model.options
            if o.index in config.selected
        ],
        "attributes": {model.attributes[a].id: v for a, v in sorted(config.values.items())},
    }


_VERB = {State.CLOSED: "Closed", State.IMPLIED: "Added"}


def evaluation_out(
    loaded: service.Loaded, ev: Evaluation, names: Mapping[str, str]
) -> dict[str, Any]:
    model = loaded.configurator.model
    choices = ev.choices
    return {
        "bundle": model.code,
        "catalog_version": loaded.version,
        "consistent": ev.consistent,
        "valid": ev.valid,
        "conflict": _reason(model, choices, ev.conflict, "No valid configuration"),
        "violations": [
            {
                "rule": _rule(model, v.rule) if v.rule is not None else None,
                "message": v.message,
                "options": [model.options[o].id for o in v.options],
            }
            for v in ev.violations
        ],
        "implied": [model.options[s.option].id for s in ev.options if s.state is State.IMPLIED],
        "configuration": configuration_out(model, ev.configuration),
        "groups": [
            {
                "id": g.id,
                "name": g.name,
                "parent": _parent(model, g.parent),
                "min": g.min,
                "max": g.max,
            }
            for g in model.groups
        ],
        "options": [
            {
                "id": o.id,
                "sku": o.sku,
                "name": names.get(o.sku),
                "group": model.groups[o.group].id,
                "parent": _parent(model, o.parent),
                "bundle": o.bundle,
                "default": o.default,
                "quantity": _quantity(o),
                "state": s.state,
                "reason": _reason(model, choices, s.reason, _VERB.get(s.state, "")),
            }
            for o, s in zip(model.options, ev.options, strict=True)
        ],
        "attributes": [
            {
                "id": a.id,
                "name": a.name,
                "parent": _parent(model, a.parent),
                "default": a.default,
                "values": [
                    {
                        "value": v.value,
                        "state": v.state,
                        "reason": _reason(model, choices, v.reason, _VERB.get(v.state, "")),
                    }
                    for v in ev.values
                    if v.attribute == a.index
                ],
            }
            for a in model.attributes
        ],
        "solver_calls": ev.solver_calls,
    }


# --- routes ----------------------------------------------------------------------------------


@router.post(
    "/evaluate",
    response_model=EvaluationOut,
    responses=responses(404, 422),
    summary="Check a partial configuration and tell, for every option, whether it can be chosen",
)
def evaluate(body: EvaluateIn, conn: ReadConn) -> dict[str, Any]:
    """Whether the choices can still be completed (`consistent`) and form a valid configuration
    now with what they imply (`valid`); every rule the configuration breaks; for every option and
    attribute value: selected, rejected, implied (added automatically), selectable or closed, with
    the smallest set of choices (and the rules) that closes or implies it. 404: unknown bundle or
    catalog version; 422: an unknown option, attribute or value, or a quantity out of bounds."""
    loaded = service.load(conn, body.bundle, body.catalog_version)
    _, evaluation = service.evaluate(loaded, body.domain(), body.explain)
    return evaluation_out(loaded, evaluation, service.item_names(conn, loaded))


@router.post(
    "/complete",
    response_model=CompletionOut,
    responses=responses(404, 422),
    summary="Complete a partial configuration from the defaults",
)
def complete(body: CompleteIn, conn: ReadConn) -> dict[str, Any]:
    """A valid configuration that keeps every choice, as many defaults as possible and adds as
    few other options as possible; quantities at their defaults where the rules allow. 422
    `no_valid_configuration` with the conflicting choices when there is none."""
    loaded = service.load(conn, body.bundle, body.catalog_version)
    choices, config = service.complete(loaded, body.domain())
    model = loaded.configurator.model
    if config is None:
        evaluation = loaded.configurator.evaluate(choices)
        raise NoValidConfiguration(
            "these choices cannot be completed into a valid configuration",
            conflict=_reason(model, choices, evaluation.conflict, "No valid configuration"),
        )
    out = configuration_out(model, config)
    line = {
        "id": body.line_id,
        "sku": model.sku,
        "quantity": format(body.quantity, "f"),
        "configuration": {
            "bundle": model.code,
            "selections": [
                {"option": s["option"], "quantity": format(s["quantity"], "f")}
                for s in out["selections"]
            ],
            "attributes": out["attributes"],
        },
    }
    return {
        "bundle": model.code,
        "catalog_version": loaded.version,
        "configuration": out,
        "line": line,
    }
