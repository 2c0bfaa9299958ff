"""Question flags of an attempt, and whether an assessment shows candidates their result.

Revision ID: 5e74b475cbd4
Revises: 34ced1613585
Create Date: 2026-12-03 08:20:22.599735
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5e74b475cbd4"
down_revision: str | None = "34ced1613585"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "question_flag",
        sa.Column("attempt_id", sa.Uuid(), nullable=False),
        sa.Column("question_id", sa.String(length=80), nullable=False),
        sa.Column("flagged_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["attempt_id"], ["attempt.id"], name=op.f("fk_question_flag_attempt_id_attempt")
        ),
        sa.PrimaryKeyConstraint("attempt_id", "question_id", name=op.f("pk_question_flag")),
    )
    with op.batch_alter_table("assessment", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "candidates_see_results", sa.Boolean(), server_default=sa.false(), nullable=False
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("assessment", schema=None) as batch_op:
        batch_op.drop_column("candidates_see_results")
    op.drop_table("question_flag")
