"""Practice runs: a submission of the practice task names no question version.

Revision ID: ad299dd0c886
Revises: eab058294dbf
Create Date: 2026-12-03 08:47:31.350696
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "ad299dd0c886"
down_revision: str | None = "eab058294dbf"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("submission", schema=None) as batch_op:
        batch_op.alter_column("question_version_id", existing_type=sa.Uuid(), nullable=True)


def downgrade() -> None:
    # Practice runs have no question version and never count: they go with the column's change.
    op.execute("DELETE FROM submission WHERE question_version_id IS NULL")
    with op.batch_alter_table("submission", schema=None) as batch_op:
        batch_op.alter_column("question_version_id", existing_type=sa.Uuid(), nullable=False)
