"""Column types that keep money exact on every engine."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import Numeric, String
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine


class ExactDecimal(TypeDecorator[Decimal]):
    """A decimal stored exactly as given (``4.50`` reads back as ``4.50`` on both engines).

    PostgreSQL: unconstrained NUMERIC (keeps the scale it was given; the app limits digits).
    SQLite: text, because its NUMERIC affinity would round through a float.
    """

    impl = Numeric
    cache_ok = True

    def __repr__(self) -> str:  # how Alembic writes the type into migrations
        return "ExactDecimal()"

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(String(64))
        return dialect.type_descriptor(Numeric(asdecimal=True))

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> Any:
        if value is None or dialect.name != "sqlite":
            return value
        return format(value, "f")

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        return value if isinstance(value, Decimal) else Decimal(value)
