"""API keys: read/write/admin scopes and the time of last use.

Keys scoped by role name (viewer, recruiter) take the scope of the same column of the
permission table (read, write); admin keys stay admin.

Revision ID: 7d3e5f2a1c90
Revises: f1c8f1502f34
Create Date: 2026-12-03 13:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "7d3e5f2a1c90"
down_revision: str | None = "f1c8f1502f34"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("api_key", schema=None) as batch_op:
        batch_op.add_column(sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE api_key SET scope = 'read' WHERE scope = 'viewer'")
    op.execute("UPDATE api_key SET scope = 'write' WHERE scope = 'recruiter'")


def downgrade() -> None:
    op.execute("UPDATE api_key SET scope = 'viewer' WHERE scope = 'read'")
    op.execute("UPDATE api_key SET scope = 'recruiter' WHERE scope = 'write'")
    with op.batch_alter_table("api_key", schema=None) as batch_op:
        batch_op.drop_column("last_used_at")
