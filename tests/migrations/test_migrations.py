"""Migrations match the models, and go down to nothing and back up."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, inspect

from app.cli import alembic_config
from app.db import Base
from app.settings import Settings


def _diff(connection: Connection) -> list[object]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, Base.metadata))


def test_head_has_no_autogenerate_diff(connection: Connection) -> None:
    assert _diff(connection) == []


def test_downgrade_to_base_and_up_again(connection: Connection, settings: Settings) -> None:
    # Runs inside the test's transaction (DDL is transactional on SQLite and PostgreSQL), so
    # the rollback at the end restores the shared test schema.
    config = alembic_config(settings)
    config.attributes["connection"] = connection
    command.downgrade(config, "base")
    assert set(inspect(connection).get_table_names()) <= {"alembic_version"}
    command.upgrade(config, "head")
    assert set(Base.metadata.tables) <= set(inspect(connection).get_table_names())
    assert _diff(connection) == []
