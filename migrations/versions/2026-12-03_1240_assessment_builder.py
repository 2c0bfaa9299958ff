"""Assessment builder: pools drawn per candidate, each attempt's stored form, and settings.

Every existing attempt's form is its assessment's items, copied into attempt_item, so the
questions an attempt shows and scores come from one place from now on.

Revision ID: 3307d4b36100
Revises: 4b1c0e7a9d21
Create Date: 2026-12-03 12:40:04.063186
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "3307d4b36100"
down_revision: str | None = "4b1c0e7a9d21"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "assessment_pool",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("assessment_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("skill", sa.String(length=40), nullable=False),
        sa.Column("difficulty", sa.Integer(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["assessment.id"],
            name=op.f("fk_assessment_pool_assessment_id_assessment"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessment_pool")),
        sa.UniqueConstraint(
            "assessment_id", "position", name=op.f("uq_assessment_pool_assessment_id_position")
        ),
    )
    op.create_table(
        "attempt_item",
        sa.Column("attempt_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("question_version_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["attempt_id"], ["attempt.id"], name=op.f("fk_attempt_item_attempt_id_attempt")
        ),
        sa.ForeignKeyConstraint(
            ["question_version_id"],
            ["question_version.id"],
            name=op.f("fk_attempt_item_question_version_id_question_version"),
        ),
        sa.PrimaryKeyConstraint("attempt_id", "position", name=op.f("pk_attempt_item")),
    )
    with op.batch_alter_table("assessment", schema=None) as batch_op:
        batch_op.add_column(sa.Column("pass_mark_percent", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("shuffle_questions", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(
            sa.Column("shuffle_choices", sa.Boolean(), server_default=sa.true(), nullable=False)
        )
        batch_op.add_column(sa.Column("form_seed", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("archived_at", sa.DateTime(timezone=True), nullable=True))
    op.execute(
        "INSERT INTO attempt_item (attempt_id, position, question_version_id) "
        "SELECT attempt.id, assessment_item.position, assessment_item.question_version_id "
        "FROM attempt JOIN assessment_item "
        "ON assessment_item.assessment_id = attempt.assessment_id"
    )


def downgrade() -> None:
    with op.batch_alter_table("assessment", schema=None) as batch_op:
        batch_op.drop_column("archived_at")
        batch_op.drop_column("form_seed")
        batch_op.drop_column("shuffle_choices")
        batch_op.drop_column("shuffle_questions")
        batch_op.drop_column("pass_mark_percent")
    op.drop_table("attempt_item")
    op.drop_table("assessment_pool")
