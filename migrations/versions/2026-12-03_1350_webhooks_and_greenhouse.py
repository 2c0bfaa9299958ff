"""Webhook endpoints, events (the outbox) and deliveries; Greenhouse orders and reported errors.

Attempts get graded_at, set once when their score is final, so attempt.graded is sent once.

Revision ID: 9da669a394b5
Revises: 9a4f6c2e8b13
Create Date: 2026-12-03 12:40:17.899322
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "9da669a394b5"
down_revision: str | None = "9a4f6c2e8b13"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "integration_error",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("provider", sa.String(length=32), nullable=False),
        sa.Column("api_call", sa.String(length=100), nullable=False),
        sa.Column("errors", sa.JSON(), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_integration_error_organization_id_organization"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_integration_error")),
    )
    with op.batch_alter_table("integration_error", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_integration_error_organization_id"), ["organization_id"], unique=False
        )

    op.create_table(
        "webhook_endpoint",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("event_types", sa.JSON(), nullable=False),
        sa.Column("description", sa.String(length=200), nullable=False),
        sa.Column("secret", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("disabled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("disabled_reason", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_webhook_endpoint_organization_id_organization"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_endpoint")),
    )
    with op.batch_alter_table("webhook_endpoint", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_webhook_endpoint_organization_id"), ["organization_id"], unique=False
        )

    op.create_table(
        "webhook_event",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("type", sa.String(length=60), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_webhook_event_organization_id_organization"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_event")),
    )
    with op.batch_alter_table("webhook_event", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_webhook_event_organization_id"), ["organization_id"], unique=False
        )

    op.create_table(
        "webhook_delivery",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("event_id", sa.String(length=40), nullable=False),
        sa.Column("endpoint_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("tries", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["endpoint_id"],
            ["webhook_endpoint.id"],
            name=op.f("fk_webhook_delivery_endpoint_id_webhook_endpoint"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["webhook_event.id"],
            name=op.f("fk_webhook_delivery_event_id_webhook_event"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_delivery")),
        sa.UniqueConstraint(
            "event_id", "endpoint_id", name=op.f("uq_webhook_delivery_event_id_endpoint_id")
        ),
    )
    with op.batch_alter_table("webhook_delivery", schema=None) as batch_op:
        batch_op.create_index(
            "ix_webhook_delivery_due", ["status", "next_attempt_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_webhook_delivery_endpoint_id"), ["endpoint_id"], unique=False
        )

    op.create_table(
        "webhook_delivery_attempt",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("delivery_id", sa.Uuid(), nullable=False),
        sa.Column("attempted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("error", sa.String(length=500), nullable=True),
        sa.Column("duration_ms", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["delivery_id"],
            ["webhook_delivery.id"],
            name=op.f("fk_webhook_delivery_attempt_delivery_id_webhook_delivery"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_delivery_attempt")),
    )
    with op.batch_alter_table("webhook_delivery_attempt", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_webhook_delivery_attempt_delivery_id"), ["delivery_id"], unique=False
        )

    op.create_table(
        "greenhouse_order",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("attempt_id", sa.Uuid(), nullable=False),
        sa.Column("callback_url", sa.String(length=2000), nullable=False),
        sa.Column("callback_key", sa.String(length=200), nullable=False),
        sa.Column("sent_by", sa.String(length=320), nullable=True),
        sa.Column("greenhouse_profile_url", sa.String(length=2000), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("callback_next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("callback_tries", sa.Integer(), nullable=False),
        sa.Column("callback_done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("callback_last_error", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(
            ["attempt_id"], ["attempt.id"], name=op.f("fk_greenhouse_order_attempt_id_attempt")
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_greenhouse_order_organization_id_organization"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_greenhouse_order")),
        sa.UniqueConstraint("attempt_id", name=op.f("uq_greenhouse_order_attempt_id")),
    )
    with op.batch_alter_table("greenhouse_order", schema=None) as batch_op:
        batch_op.create_index(
            "ix_greenhouse_order_callback_due", ["callback_next_attempt_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_greenhouse_order_organization_id"), ["organization_id"], unique=False
        )

    with op.batch_alter_table("attempt", schema=None) as batch_op:
        batch_op.add_column(sa.Column("graded_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("attempt", schema=None) as batch_op:
        batch_op.drop_column("graded_at")

    with op.batch_alter_table("greenhouse_order", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_greenhouse_order_organization_id"))
        batch_op.drop_index("ix_greenhouse_order_callback_due")

    op.drop_table("greenhouse_order")
    with op.batch_alter_table("webhook_delivery_attempt", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_webhook_delivery_attempt_delivery_id"))

    op.drop_table("webhook_delivery_attempt")
    with op.batch_alter_table("webhook_delivery", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_webhook_delivery_endpoint_id"))
        batch_op.drop_index("ix_webhook_delivery_due")

    op.drop_table("webhook_delivery")
    with op.batch_alter_table("webhook_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_webhook_event_organization_id"))

    op.drop_table("webhook_event")
    with op.batch_alter_table("webhook_endpoint", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_webhook_endpoint_organization_id"))

    op.drop_table("webhook_endpoint")
    with op.batch_alter_table("integration_error", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_integration_error_organization_id"))

    op.drop_table("integration_error")
