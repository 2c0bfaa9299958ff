"""The accounts migration turns recruiter rows into accounts with memberships, and back."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import command
from sqlalchemy import Connection

from app.cli import alembic_config
from app.settings import Settings

BEFORE_ACCOUNTS = "ad299dd0c886"
T0 = datetime(2026, 11, 1, tzinfo=UTC)


def test_recruiters_become_members_with_roles_and_come_back(
    connection: Connection, settings: Settings
) -> None:
    config = alembic_config(settings)
    config.attributes["connection"] = connection
    command.downgrade(config, BEFORE_ACCOUNTS)
    org = uuid.uuid4()
    connection.execute(
        sa.table(
            "organization",
            sa.column("id", sa.Uuid()),
            sa.column("name"),
            sa.column("created_at", sa.DateTime(timezone=True)),
        )
        .insert()
        .values(id=org, name="Old", created_at=T0)
    )
    recruiter = sa.table(
        "recruiter",
        sa.column("id", sa.Uuid()),
        sa.column("organization_id", sa.Uuid()),
        sa.column("email"),
        sa.column("is_admin", sa.Boolean()),
        sa.column("created_at", sa.DateTime(timezone=True)),
    )
    people = [("first@old.test", True), ("second@old.test", True), ("plain@old.test", False)]
    ids = {}
    for n, (email, is_admin) in enumerate(people):
        ids[email] = uuid.uuid4()
        connection.execute(
            recruiter.insert().values(
                id=ids[email],
                organization_id=org,
                email=email,
                is_admin=is_admin,
                created_at=T0 + timedelta(minutes=n),
            )
        )

    command.upgrade(config, "head")
    roles = dict(
        connection.execute(
            sa.text(
                "SELECT account.email, membership.role FROM account "
                "JOIN membership ON membership.account_id = account.id"
            )
        ).all()
    )
    assert roles == {
        "first@old.test": "owner",
        "second@old.test": "admin",
        "plain@old.test": "recruiter",
    }
    key_scope = sa.inspect(connection).get_columns("api_key")
    assert "scope" in {c["name"] for c in key_scope}

    command.downgrade(config, BEFORE_ACCOUNTS)
    back = dict(connection.execute(sa.text("SELECT email, is_admin FROM recruiter")).all())
    assert {email: bool(v) for email, v in back.items()} == dict(people)
    command.upgrade(config, "head")
