"""Each attempt keeps the candidate's name it was invited under.

Inviting an e-mail again under another name used to rename the candidate everywhere, earlier
results included; existing attempts take the candidate's current name.

Revision ID: 4b1c0e7a9d21
Revises: ed48b7f040ca
Create Date: 2026-12-03 12:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "4b1c0e7a9d21"
down_revision: str | None = "ed48b7f040ca"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("attempt", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("candidate_name", sa.String(length=200), server_default="", nullable=False)
        )
    op.execute(
        "UPDATE attempt SET candidate_name = "
        "(SELECT candidate.name FROM candidate WHERE candidate.id = attempt.candidate_id)"
    )


def downgrade() -> None:
    with op.batch_alter_table("attempt", schema=None) as batch_op:
        batch_op.drop_column("candidate_name")
