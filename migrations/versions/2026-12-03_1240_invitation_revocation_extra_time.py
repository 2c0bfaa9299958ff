"""Invitations: revocation, extra time (an accommodation), and when they were e-mailed.

Revision ID: df078674d980
Revises: 5c1a9e7d2b40
Create Date: 2026-12-03 12:40:10.243040
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "df078674d980"
down_revision: str | None = "5c1a9e7d2b40"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("invitation", schema=None) as batch_op:
        batch_op.add_column(sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column("extra_minutes", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.add_column(sa.Column("emailed_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("reminded_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("invitation", schema=None) as batch_op:
        batch_op.drop_column("reminded_at")
        batch_op.drop_column("emailed_at")
        batch_op.drop_column("extra_minutes")
        batch_op.drop_column("revoked_at")
