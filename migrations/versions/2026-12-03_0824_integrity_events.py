"""Integrity events of an attempt, and the attempt's count of events received (the cap's counter).

Revision ID: d6b065c4cb2a
Revises: 5e74b475cbd4
Create Date: 2026-12-03 08:24:10.607022
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "d6b065c4cb2a"
down_revision: str | None = "5e74b475cbd4"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "integrity_event",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("attempt_id", sa.Uuid(), nullable=False),
        sa.Column("type", sa.String(length=20), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("question_id", sa.String(length=80), nullable=True),
        sa.Column("length", sa.BigInteger(), nullable=True),
        sa.Column("duration_ms", sa.BigInteger(), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["attempt_id"], ["attempt.id"], name=op.f("fk_integrity_event_attempt_id_attempt")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_integrity_event")),
    )
    with op.batch_alter_table("integrity_event", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_integrity_event_attempt_id"), ["attempt_id"], unique=False
        )
    with op.batch_alter_table("attempt", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("events_received", sa.Integer(), server_default="0", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("attempt", schema=None) as batch_op:
        batch_op.drop_column("events_received")
    with op.batch_alter_table("integrity_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_integrity_event_attempt_id"))
    op.drop_table("integrity_event")
