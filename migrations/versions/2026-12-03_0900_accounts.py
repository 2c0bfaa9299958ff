"""Accounts with passwords and memberships (roles), sessions, one-time links, the e-mail outbox.

Each recruiter row becomes an account with a membership: the first admin of an organization
its owner, other admins admins, the rest recruiters. API keys get a scope; existing keys could
do everything, so they are admin-scoped.

Revision ID: ed48b7f040ca
Revises: ad299dd0c886
Create Date: 2026-12-03 08:37:23.325749
"""

import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "ed48b7f040ca"
down_revision: str | None = "ad299dd0c886"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "account",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("name", sa.String(length=200), server_default="", nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("password_changed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account")),
        sa.UniqueConstraint("email", name=op.f("uq_account_email")),
    )
    op.create_table(
        "sign_in_failure",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("failed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sign_in_failure")),
    )
    with op.batch_alter_table("sign_in_failure", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sign_in_failure_address"), ["address"], unique=False)
        batch_op.create_index(batch_op.f("ix_sign_in_failure_email"), ["email"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_sign_in_failure_failed_at"), ["failed_at"], unique=False
        )

    op.create_table(
        "member_invitation",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("invited_by_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["invited_by_id"],
            ["account.id"],
            name=op.f("fk_member_invitation_invited_by_id_account"),
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_member_invitation_organization_id_organization"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_member_invitation")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_member_invitation_token_hash")),
    )
    with op.batch_alter_table("member_invitation", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_member_invitation_organization_id"), ["organization_id"], unique=False
        )

    op.create_table(
        "membership",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["account.id"], name=op.f("fk_membership_account_id_account")
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_membership_organization_id_organization"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_membership")),
        sa.UniqueConstraint(
            "account_id", "organization_id", name=op.f("uq_membership_account_id_organization_id")
        ),
    )
    with op.batch_alter_table("membership", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_membership_account_id"), ["account_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_membership_organization_id"), ["organization_id"], unique=False
        )

    op.create_table(
        "outbox_email",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=True),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("to_address", sa.String(length=320), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tries", sa.Integer(), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_outbox_email_organization_id_organization"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_email")),
    )
    with op.batch_alter_table("outbox_email", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_outbox_email_next_attempt_at"), ["next_attempt_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_outbox_email_organization_id"), ["organization_id"], unique=False
        )

    op.create_table(
        "password_token",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"], ["account.id"], name=op.f("fk_password_token_account_id_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_password_token")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_password_token_token_hash")),
    )
    with op.batch_alter_table("password_token", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_password_token_account_id"), ["account_id"], unique=False
        )

    op.create_table(
        "web_session",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=True),
        sa.Column("organization_id", sa.Uuid(), nullable=True),
        sa.Column("csrf_token", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["account.id"], name=op.f("fk_web_session_account_id_account")
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_web_session_organization_id_organization"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_web_session")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_web_session_token_hash")),
    )
    with op.batch_alter_table("web_session", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_web_session_account_id"), ["account_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_web_session_expires_at"), ["expires_at"], unique=False)

    _recruiters_to_members()
    with op.batch_alter_table("recruiter", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_recruiter_organization_id"))

    op.drop_table("recruiter")
    with op.batch_alter_table("api_key", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("scope", sa.String(length=32), server_default="admin", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("api_key", schema=None) as batch_op:
        batch_op.drop_column("scope")

    op.create_table(
        "recruiter",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("is_admin", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_recruiter_organization_id_organization"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recruiter")),
        sa.UniqueConstraint("email", name=op.f("uq_recruiter_email")),
    )
    with op.batch_alter_table("recruiter", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_recruiter_organization_id"), ["organization_id"], unique=False
        )

    _members_to_recruiters()
    with op.batch_alter_table("web_session", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_web_session_expires_at"))
        batch_op.drop_index(batch_op.f("ix_web_session_account_id"))

    op.drop_table("web_session")
    with op.batch_alter_table("password_token", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_password_token_account_id"))

    op.drop_table("password_token")
    with op.batch_alter_table("outbox_email", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbox_email_organization_id"))
        batch_op.drop_index(batch_op.f("ix_outbox_email_next_attempt_at"))

    op.drop_table("outbox_email")
    with op.batch_alter_table("membership", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_membership_organization_id"))
        batch_op.drop_index(batch_op.f("ix_membership_account_id"))

    op.drop_table("membership")
    with op.batch_alter_table("member_invitation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_member_invitation_organization_id"))

    op.drop_table("member_invitation")
    with op.batch_alter_table("sign_in_failure", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sign_in_failure_failed_at"))
        batch_op.drop_index(batch_op.f("ix_sign_in_failure_email"))
        batch_op.drop_index(batch_op.f("ix_sign_in_failure_address"))

    op.drop_table("sign_in_failure")
    op.drop_table("account")


_recruiter = sa.table(
    "recruiter",
    sa.column("id", sa.Uuid()),
    sa.column("organization_id", sa.Uuid()),
    sa.column("email", sa.String()),
    sa.column("is_admin", sa.Boolean()),
    sa.column("created_at", sa.DateTime(timezone=True)),
)
_account = sa.table(
    "account",
    sa.column("id", sa.Uuid()),
    sa.column("email", sa.String()),
    sa.column("name", sa.String()),
    sa.column("created_at", sa.DateTime(timezone=True)),
)
_membership = sa.table(
    "membership",
    sa.column("id", sa.Uuid()),
    sa.column("account_id", sa.Uuid()),
    sa.column("organization_id", sa.Uuid()),
    sa.column("role", sa.String()),
    sa.column("created_at", sa.DateTime(timezone=True)),
)


def _recruiters_to_members() -> None:
    conn = op.get_bind()
    rows = conn.execute(
        sa.select(_recruiter).order_by(_recruiter.c.created_at, _recruiter.c.id)
    ).all()
    owned: set[uuid.UUID] = set()
    for row in rows:
        # The recruiter's id becomes the account's, so anything that kept it still points home.
        conn.execute(
            _account.insert().values(
                id=row.id, email=row.email.lower(), name="", created_at=row.created_at
            )
        )
        if row.is_admin and row.organization_id not in owned:
            role = "owner"
            owned.add(row.organization_id)
        else:
            role = "admin" if row.is_admin else "recruiter"
        conn.execute(
            _membership.insert().values(
                id=uuid.uuid4(),
                account_id=row.id,
                organization_id=row.organization_id,
                role=role,
                created_at=row.created_at,
            )
        )


def _members_to_recruiters() -> None:
    conn = op.get_bind()
    rows = conn.execute(
        sa.select(_account.c.id, _account.c.email, _membership)
        .join(_membership, _membership.c.account_id == _account.c.id)
        .order_by(_membership.c.created_at)
    ).all()
    seen: set[uuid.UUID] = set()
    for row in rows:  # a recruiter belonged to one organization: keep each account's first
        if row.account_id in seen:
            continue
        seen.add(row.account_id)
        conn.execute(
            _recruiter.insert().values(
                id=row.account_id,
                organization_id=row.organization_id,
                email=row.email,
                is_admin=row.role in ("owner", "admin"),
                created_at=row.created_at,
            )
        )
