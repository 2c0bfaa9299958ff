"""Record an event in the outbox, in the caller's transaction, with one delivery per endpoint."""

from __future__ import annotations

import secrets
import uuid
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db import utcnow
from app.models import WebhookDelivery, WebhookEndpoint, WebhookEvent


class WebhookEventType(StrEnum):
    INVITATION_CREATED = "invitation.created"
    ATTEMPT_STARTED = "attempt.started"
    ATTEMPT_SUBMITTED = "attempt.submitted"
    ATTEMPT_GRADED = "attempt.graded"
    ATTEMPT_EXPIRED = "attempt.expired"


def new_event_id() -> str:
    # Standard Webhooks: ids are unique per event and contain no "." (it separates signed parts).
    return f"msg_{secrets.token_urlsafe(18).replace('.', '_')}"


def emit(
    session: Session, *, organization_id: uuid.UUID, type: WebhookEventType, data: dict[str, Any]
) -> WebhookEvent | None:
    """Add the event and its deliveries (flushed, committed by the caller); None if nobody listens.

    Only subscribed, enabled endpoints get a delivery, so an organization without webhooks
    writes nothing here.
    """
    endpoints = [
        endpoint
        for endpoint in session.scalars(
            select(WebhookEndpoint).where(
                WebhookEndpoint.organization_id == organization_id,
                WebhookEndpoint.disabled_at.is_(None),
            )
        )
        if type.value in endpoint.event_types
    ]
    if not endpoints:
        return None
    now = utcnow()
    event = WebhookEvent(
        id=new_event_id(),
        organization_id=organization_id,
        type=type.value,
        payload={"type": type.value, "timestamp": now.isoformat(), "data": data},
        created_at=now,
    )
    session.add(event)
    session.flush()
    for endpoint in endpoints:
        session.add(
            WebhookDelivery(event_id=event.id, endpoint_id=endpoint.id, next_attempt_at=now)
        )
    session.flush()
    return event
