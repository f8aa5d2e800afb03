"""Read the product model files (``catalog/models/*.yaml``) into validated models."""

from __future__ import annotations

from pathlib import Path

from cpq.catalog.issues import Issue
from cpq.catalog.product_models import ModelFile, ProductModel, bundles_in
from cpq.yamlfile import load_yaml, validate

SUFFIXES = (".yaml", ".yml")


def load_product_models(models_dir: Path) -> tuple[list[ProductModel], list[Issue]]:
    """Every model file in ``models_dir`` (sorted by name); a missing folder holds no models.

    Issues name each file by its path relative to ``models_dir``.
    """
    if not models_dir.is_dir():
        return [], []
    models: list[ProductModel] = []
    issues: list[Issue] = []
    for path in sorted(p for p in models_dir.iterdir() if p.suffix in SUFFIXES and p.is_file()):
        file = path.relative_to(models_dir).as_posix()
        document, found = load_yaml(path, file)
        issues.extend(found)
        if document is None:
            continue
        parsed, found = validate(document, ModelFile)
        issues.extend(found)
        if parsed is not None:
            models.extend(bundles_in(file, parsed, document.lines))
    return models, issues
