"""One bundle's configurator: its flattened model, its clauses and a pool of solvers."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from cpq.catalog.product_models import Bundle
from cpq.configuration.checking import Configuration
from cpq.configuration.choices import Choice
from cpq.configuration.cnf import encode
from cpq.configuration.completion import complete
from cpq.configuration.evaluate import Evaluation, evaluate
from cpq.configuration.model import ConfigModel, ModelProblem, flatten
from cpq.configuration.oracle import OraclePool


class Configurator:
    def __init__(self, model: ConfigModel) -> None:
        self.model = model
        self.enc = encode(model)
        self.pool = OraclePool(self.enc)

    @classmethod
    def build(
        cls, root: str, bundles: Mapping[str, Bundle]
    ) -> tuple[Configurator | None, list[ModelProblem]]:
        model, problems = flatten(root, bundles)
        return (None if problems else cls(model)), problems

    def evaluate(self, choices: Sequence[Choice], explain: bool = True) -> Evaluation:
        with self.pool.oracle() as oracle:
            return evaluate(self.model, oracle, choices, explain)

    def complete(self, choices: Sequence[Choice]) -> Configuration | None:
        with self.pool.oracle() as oracle:
            literals = [oracle.literals(c) for c in choices]
        return complete(self.model, self.enc, literals, choices)
