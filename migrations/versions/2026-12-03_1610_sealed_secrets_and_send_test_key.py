"""Seal webhook secrets and Greenhouse callback keys at rest; one order per send_test request.

The secrets are sealed (AES-GCM, app.sealing) with a key derived from SECRET_KEY, so this
migration runs with the SECRET_KEY the service uses; the downgrade opens them again.
Greenhouse orders get request_key (test, e-mail, profile url hashed), unique per organization,
so a send_test retried by Greenhouse finds its first order; existing orders get theirs.

Revision ID: 6e2b9c4d1f07
Revises: 560d3e9b4f64
Create Date: 2026-12-03 16:10:00
"""

import hashlib
from collections.abc import Callable, Sequence

import sqlalchemy as sa
from alembic import op

from app.sealing import CALLBACK_KEY, WEBHOOK_SECRET, Sealer, is_sealed
from app.settings import get_settings

revision: str = "6e2b9c4d1f07"
down_revision: str | None = "560d3e9b4f64"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Tables as this migration knows them, independent of the models' later shape.
_endpoint = sa.table("webhook_endpoint", sa.column("id", sa.Uuid()), sa.column("secret", sa.String))
_order = sa.table(
    "greenhouse_order",
    sa.column("id", sa.Uuid()),
    sa.column("organization_id", sa.Uuid()),
    sa.column("attempt_id", sa.Uuid()),
    sa.column("callback_key", sa.String),
    sa.column("greenhouse_profile_url", sa.String),
    sa.column("request_key", sa.String),
    sa.column("created_at", sa.DateTime),
)
_attempt = sa.table(
    "attempt",
    sa.column("id", sa.Uuid()),
    sa.column("assessment_id", sa.Uuid()),
    sa.column("candidate_id", sa.Uuid()),
)
_candidate = sa.table("candidate", sa.column("id", sa.Uuid()), sa.column("email", sa.String))


def _sealer() -> Sealer:
    config = op.get_context().config
    secret_key = config.attributes.get("secret_key") if config is not None else None
    return Sealer(secret_key or get_settings().secret_key.get_secret_value())


def upgrade() -> None:
    with op.batch_alter_table("webhook_endpoint", schema=None) as batch_op:
        batch_op.alter_column(
            "secret", existing_type=sa.String(length=100), type_=sa.String(length=500)
        )
    with op.batch_alter_table("greenhouse_order", schema=None) as batch_op:
        batch_op.alter_column(
            "callback_key", existing_type=sa.String(length=200), type_=sa.String(length=500)
        )
        batch_op.add_column(sa.Column("request_key", sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(
            batch_op.f("uq_greenhouse_order_organization_id_request_key"),
            ["organization_id", "request_key"],
        )
    _reseal(lambda sealer, value, purpose: sealer.seal(value, purpose=purpose), sealed=False)
    _key_existing_orders()


def downgrade() -> None:
    _reseal(lambda sealer, value, purpose: sealer.unseal(value, purpose=purpose), sealed=True)
    with op.batch_alter_table("greenhouse_order", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("uq_greenhouse_order_organization_id_request_key"), type_="unique"
        )
        batch_op.drop_column("request_key")
        batch_op.alter_column(
            "callback_key", existing_type=sa.String(length=500), type_=sa.String(length=200)
        )
    with op.batch_alter_table("webhook_endpoint", schema=None) as batch_op:
        batch_op.alter_column(
            "secret", existing_type=sa.String(length=500), type_=sa.String(length=100)
        )


def _reseal(change: Callable[[Sealer, str, str], str], *, sealed: bool) -> None:
    """Apply `change` to every value whose sealed state is `sealed` (so a rerun changes nothing)."""
    sealer, bind = _sealer(), op.get_bind()
    for table, column, purpose in (
        (_endpoint, _endpoint.c.secret, WEBHOOK_SECRET),
        (_order, _order.c.callback_key, CALLBACK_KEY),
    ):
        for row_id, value in bind.execute(sa.select(table.c.id, column)).all():
            if is_sealed(value) == sealed:
                bind.execute(
                    sa.update(table)
                    .where(table.c.id == row_id)
                    .values({column.name: change(sealer, value, purpose)})
                )


def _key_existing_orders() -> None:
    """Key each order as app.integrations.greenhouse.request_key does; of duplicates sent
    before this change, the first keeps the key (retries then find it) and the rest none."""
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(
            _order.c.id,
            _order.c.organization_id,
            _attempt.c.assessment_id,
            _candidate.c.email,
            _order.c.greenhouse_profile_url,
        )
        .join(_attempt, _attempt.c.id == _order.c.attempt_id)
        .join(_candidate, _candidate.c.id == _attempt.c.candidate_id)
        .order_by(_order.c.created_at)
    ).all()
    taken: set[tuple[object, str]] = set()
    for order_id, organization_id, assessment_id, email, profile_url in rows:
        parts = (str(assessment_id).lower(), email.strip().lower(), profile_url or "")
        key = hashlib.sha256("\n".join(parts).encode()).hexdigest()
        if (organization_id, key) not in taken:
            taken.add((organization_id, key))
            bind.execute(sa.update(_order).where(_order.c.id == order_id).values(request_key=key))
