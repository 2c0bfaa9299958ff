"""Kept revisions of coding answers (code history), a ring of slots per question.

Revision ID: eab058294dbf
Revises: d6b065c4cb2a
Create Date: 2026-12-03 08:32:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "eab058294dbf"
down_revision: str | None = "d6b065c4cb2a"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "answer_revision",
        sa.Column("attempt_id", sa.Uuid(), nullable=False),
        sa.Column("question_id", sa.String(length=80), nullable=False),
        sa.Column("slot", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("saved_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["attempt_id"], ["attempt.id"], name=op.f("fk_answer_revision_attempt_id_attempt")
        ),
        sa.PrimaryKeyConstraint(
            "attempt_id", "question_id", "slot", name=op.f("pk_answer_revision")
        ),
    )
    with op.batch_alter_table("answer_revision", schema=None) as batch_op:
        batch_op.create_index(
            "ix_answer_revision_seq", ["attempt_id", "question_id", "seq"], unique=True
        )


def downgrade() -> None:
    with op.batch_alter_table("answer_revision", schema=None) as batch_op:
        batch_op.drop_index("ix_answer_revision_seq")
    op.drop_table("answer_revision")
