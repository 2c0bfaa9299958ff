"""Submissions: coding answers to grade, with their state, lease and report.

Revision ID: 34ced1613585
Revises: cac62741dbca
Create Date: 2026-11-29 07:26:40.239876
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "34ced1613585"
down_revision: str | None = "cac62741dbca"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "submission",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("attempt_id", sa.Uuid(), nullable=False),
        sa.Column("question_id", sa.String(length=80), nullable=False),
        sa.Column("question_version_id", sa.Uuid(), nullable=False),
        sa.Column("purpose", sa.String(length=8), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("tries", sa.Integer(), nullable=False),
        sa.Column("lease_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("verdict", sa.String(length=16), nullable=True),
        sa.Column("score", sa.Double(), nullable=True),
        sa.Column("max_score", sa.Double(), nullable=True),
        sa.Column("report", sa.JSON(), nullable=True),
        sa.Column("candidate_report", sa.JSON(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("graded_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["attempt_id"], ["attempt.id"], name=op.f("fk_submission_attempt_id_attempt")
        ),
        sa.ForeignKeyConstraint(
            ["question_version_id"],
            ["question_version.id"],
            name=op.f("fk_submission_question_version_id_question_version"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_submission")),
    )
    with op.batch_alter_table("submission", schema=None) as batch_op:
        batch_op.create_index(
            "ix_submission_attempt_question", ["attempt_id", "question_id"], unique=False
        )
        batch_op.create_index(
            "ix_submission_status_lease", ["status", "lease_expires_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("submission", schema=None) as batch_op:
        batch_op.drop_index("ix_submission_status_lease")
        batch_op.drop_index("ix_submission_attempt_question")

    op.drop_table("submission")
