"""The question library: custom coding tasks wait in question_validation for the judge; custom
questions can be archived.

Revision ID: f1c8f1502f34
Revises: df078674d980
Create Date: 2026-12-03 12:40:25.612916
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "f1c8f1502f34"
down_revision: str | None = "df078674d980"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "question_validation",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("question_id", sa.String(length=80), nullable=False),
        sa.Column("base_version_id", sa.Uuid(), nullable=True),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("skills", sa.JSON(), nullable=False),
        sa.Column("difficulty", sa.Integer(), nullable=False),
        sa.Column("points", sa.Double(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("tries", sa.Integer(), nullable=False),
        sa.Column("lease_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("report", sa.JSON(), nullable=True),
        sa.Column("question_version_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["base_version_id"],
            ["question_version.id"],
            name=op.f("fk_question_validation_base_version_id_question_version"),
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_question_validation_organization_id_organization"),
        ),
        sa.ForeignKeyConstraint(
            ["question_version_id"],
            ["question_version.id"],
            name=op.f("fk_question_validation_question_version_id_question_version"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_question_validation")),
    )
    with op.batch_alter_table("question_validation", schema=None) as batch_op:
        batch_op.create_index(
            "ix_question_validation_org_question", ["organization_id", "question_id"], unique=False
        )
        batch_op.create_index(
            "ix_question_validation_status_lease", ["status", "lease_expires_at"], unique=False
        )

    with op.batch_alter_table("question_version", schema=None) as batch_op:
        batch_op.add_column(sa.Column("archived_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("question_version", schema=None) as batch_op:
        batch_op.drop_column("archived_at")

    with op.batch_alter_table("question_validation", schema=None) as batch_op:
        batch_op.drop_index("ix_question_validation_status_lease")
        batch_op.drop_index("ix_question_validation_org_question")

    op.drop_table("question_validation")
