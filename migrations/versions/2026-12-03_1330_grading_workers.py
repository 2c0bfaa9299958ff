"""Grading workers with a heartbeat, and who holds a submission's lease and when it was sent.

Revision ID: 5c1a9e7d2b40
Revises: 3307d4b36100
Create Date: 2026-12-03 12:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5c1a9e7d2b40"
down_revision: str | None = "3307d4b36100"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "grading_worker",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_grading_worker")),
    )
    op.create_index(
        op.f("ix_grading_worker_heartbeat_at"), "grading_worker", ["heartbeat_at"], unique=False
    )
    with op.batch_alter_table("submission", schema=None) as batch_op:
        batch_op.add_column(sa.Column("worker_id", sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("submission", schema=None) as batch_op:
        batch_op.drop_column("sent_at")
        batch_op.drop_column("worker_id")
    op.drop_index(op.f("ix_grading_worker_heartbeat_at"), table_name="grading_worker")
    op.drop_table("grading_worker")
