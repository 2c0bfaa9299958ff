"""Webhook endpoints and their deliveries; the Greenhouse partner endpoints."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.orm import Session

from app.models import GreenhouseOrder, Organization, WebhookDelivery, WebhookEndpoint, WebhookEvent
from app.webhooks.endpoints import new_secret
from app.webhooks.events import new_event_id

BODIES: dict[str, dict[str, Any]] = {
    "create_webhook_endpoint": {
        "json": {"url": "https://hooks.example.com/in", "event_types": ["attempt.graded"]}
    },
    "update_webhook_endpoint": {"json": {"event_types": ["attempt.started"]}},
    "delete_webhook_endpoint": {},
    "redeliver_webhook": {},
    "send_test": {
        "json": {
            "partner_test_id": "{assessment_id}",
            "candidate": {
                "first_name": "Grace",
                "last_name": "Hopper",
                "preferred_name": None,
                "email": "grace@example.com",
                "greenhouse_profile_url": "https://app.greenhouse.io/people/1",
            },
            "sent_by": "recruiter@example.com",
            "url": "https://app.greenhouse.io/integrations/testing_partners/take_home_tests/1",
        }
    },
    "test_status": {"params": {"partner_interview_id": "{partner_interview_id}"}},
    "response_error": {"json": {"api_call": "test_status", "errors": ["partner_score missing"]}},
    "create_webhook_endpoint_page": {
        "data": {"url": "https://hooks.example.com/page", "event_types": ["attempt.graded"]}
    },
    "enable_webhook_endpoint_page": {"data": {}},
    "disable_webhook_endpoint_page": {"data": {}},
    "delete_webhook_endpoint_page": {"data": {}},
    "redeliver_webhook_page": {"data": {}},
}
# Adding an endpoint on the page shows its secret in the answer itself.
PAGE_STATUS = {"create_webhook_endpoint_page": 200}


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
    order = GreenhouseOrder(
        organization_id=organization.id,
        attempt_id=uuid.UUID(ids["attempt_id"]),
        callback_url="https://app.greenhouse.io/integrations/testing_partners/take_home_tests/2",
        callback_key="unused",
    )
    session.add(order)
    session.flush()
    ids["endpoint_id"] = str(endpoint.id)
    ids["partner_interview_id"] = str(order.id)
    ids["delivery_id"] = str(delivery.id)
