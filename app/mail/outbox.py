"""Put messages in the outbox and read it back (what admins see when there is no SMTP)."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import OutboxEmail


def queue_email(
    session: Session,
    *,
    organization_id: uuid.UUID | None,
    kind: str,
    to_address: str,
    subject: str,
    body: str,
) -> OutboxEmail:
    """Add a message to the outbox (flushed; sent after the caller's commit)."""
    email = OutboxEmail(
        organization_id=organization_id,
        kind=kind,
        to_address=to_address,
        subject=subject,
        body=body,
    )
    session.add(email)
    session.flush()
    return email


def list_outbox(
    session: Session, *, organization_id: uuid.UUID, limit: int = 100
) -> list[OutboxEmail]:
    """The organization's messages, newest first."""
    return list(
        session.scalars(
            select(OutboxEmail)
            .where(OutboxEmail.organization_id == organization_id)
            .order_by(OutboxEmail.created_at.desc())
            .limit(limit)
        )
    )
