"""The schema comes from migrations only, and the migrations match the models."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from cpq.db.engine import make_engine
from cpq.db.migrate import alembic_config, current_revision, head_revision, is_at_head, upgrade
from cpq.db.models import metadata


def test_models_and_migrations_do_not_drift(empty_db_url: str) -> None:
    engine = make_engine(empty_db_url)
    upgrade(engine)

    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        differences = compare_metadata(context, metadata)

    assert differences == []
    engine.dispose()


def test_upgrade_reaches_head_and_downgrade_removes_every_table(empty_db_url: str) -> None:
    engine = make_engine(empty_db_url)
    assert not is_at_head(engine)

    upgrade(engine)
    assert current_revision(engine) == head_revision()
    assert {"items", "price_list_entries", "sync_runs", "catalog_versions"} <= set(
        inspect(engine).get_table_names()
    )

    config = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    engine.dispose()
