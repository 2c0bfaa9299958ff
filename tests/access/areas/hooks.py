"""Webhook endpoints and their deliveries; the Greenhouse partner endpoints."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from app.models import Organization, WebhookDelivery, WebhookEndpoint, WebhookEvent
from app.webhooks.endpoints import new_secret
from app.webhooks.events import new_event_id

BODIES: dict[str, dict[str, Any]] = {
    "create_webhook_endpoint": {
        "json": {"url": "https://hooks.example.com/in", "event_types": ["attempt.graded"]}
    },
    "update_webhook_endpoint": {"json": {"event_types": ["attempt.started"]}},
    "delete_webhook_endpoint": {},
    "redeliver_webhook": {},
}


def seed(session: Session, organization: Organization, ids: dict[str, str]) -> None:
    endpoint = WebhookEndpoint(
        organization_id=organization.id,
        url="https://hooks.example.com/in",
        event_types=["attempt.graded"],
        secret=new_secret(),
    )
    event = WebhookEvent(
        id=new_event_id(),
        organization_id=organization.id,
        type="attempt.graded",
        payload={"type": "attempt.graded", "timestamp": "2026-12-03T12:00:00+00:00", "data": {}},
    )
    session.add_all([endpoint, event])
    session.flush()
    delivery = WebhookDelivery(event_id=event.id, endpoint_id=endpoint.id)
    session.add(delivery)
    session.flush()
    ids["endpoint_id"] = str(endpoint.id)
    ids["delivery_id"] = str(delivery.id)
