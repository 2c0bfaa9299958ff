"""Manage an organization's webhook endpoints and read and replay their deliveries."""

from __future__ import annotations

import base64
import ipaddress
import secrets
import uuid
from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session, selectinload

from app.db import utcnow
from app.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from app.pagination import Page, oldest_first
from app.sealing import WEBHOOK_SECRET, Sealer
from app.webhooks.errors import (
    InvalidWebhookUrlError,
    WebhookDeliveryNotFoundError,
    WebhookEndpointDisabledError,
    WebhookEndpointNotFoundError,
)
from app.webhooks.events import WebhookEventType
from app.webhooks.outbound import is_public_address

SECRET_BYTES = 32  # Standard Webhooks: 24 to 64 random bytes


def new_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def check_url(url: str, *, allow_private: bool) -> str:
    """Refuse URLs that can never be delivered to; the address itself is checked at connect."""
    try:
        parts = urlsplit(url)
        hostname = parts.hostname
    except ValueError as exc:  # e.g. an unclosed [IPv6 literal
        raise InvalidWebhookUrlError(f"The URL cannot be parsed: {exc}.") from exc
    if parts.scheme not in ("https", "http") or not hostname:
        raise InvalidWebhookUrlError("Give an absolute https:// URL.")
    if parts.scheme == "http" and not allow_private:
        raise InvalidWebhookUrlError("Webhooks are sent over https:// only.")
    if parts.username or parts.password:
        raise InvalidWebhookUrlError("Put no credentials in the URL; verify the signature instead.")
    try:
        literal = ipaddress.ip_address(hostname)
    except ValueError:
        literal = None
    if literal is not None and not allow_private and not is_public_address(str(literal)):
        raise InvalidWebhookUrlError("The URL points to a private or loopback address.")
    return url


@dataclass(frozen=True)
class NewEndpoint:
    endpoint: WebhookEndpoint
    secret: str  # in the clear, to show once; the row holds it sealed


def create_endpoint(
    session: Session,
    *,
    organization_id: uuid.UUID,
    url: str,
    event_types: list[WebhookEventType],
    description: str,
    allow_private: bool,
    sealer: Sealer,
) -> NewEndpoint:
    """Add an endpoint with a new signing secret, kept sealed (the caller shows it once)."""
    secret = new_secret()
    endpoint = WebhookEndpoint(
        organization_id=organization_id,
        url=check_url(url, allow_private=allow_private),
        event_types=sorted({t.value for t in event_types}),
        description=description,
        secret=sealer.seal(secret, purpose=WEBHOOK_SECRET),
    )
    session.add(endpoint)
    session.commit()
    return NewEndpoint(endpoint, secret)


def list_endpoints(
    session: Session, *, organization_id: uuid.UUID, cursor: str | None, limit: int
) -> Page[WebhookEndpoint]:
    """The organization's endpoints, oldest first."""
    query = select(WebhookEndpoint).where(WebhookEndpoint.organization_id == organization_id)
    return oldest_first(session, query, WebhookEndpoint, cursor, limit)


def get_endpoint(
    session: Session, *, organization_id: uuid.UUID, endpoint_id: uuid.UUID
) -> WebhookEndpoint:
    endpoint = session.get(WebhookEndpoint, endpoint_id)
    if endpoint is None or endpoint.organization_id != organization_id:
        raise WebhookEndpointNotFoundError(f"No webhook endpoint {endpoint_id}.")
    return endpoint


def update_endpoint(
    session: Session,
    *,
    organization_id: uuid.UUID,
    endpoint_id: uuid.UUID,
    url: str | None = None,
    event_types: list[WebhookEventType] | None = None,
    description: str | None = None,
    enabled: bool | None = None,
    allow_private: bool,
) -> WebhookEndpoint:
    """Change an endpoint; enabling one that was disabled resumes its pending deliveries."""
    endpoint = get_endpoint(session, organization_id=organization_id, endpoint_id=endpoint_id)
    if url is not None:
        endpoint.url = check_url(url, allow_private=allow_private)
    if event_types is not None:
        endpoint.event_types = sorted({t.value for t in event_types})
    if description is not None:
        endpoint.description = description
    if enabled is True:
        endpoint.disabled_at, endpoint.disabled_reason = None, None
    elif enabled is False and endpoint.disabled_at is None:
        endpoint.disabled_at, endpoint.disabled_reason = utcnow(), "Disabled by an admin."
    session.commit()
    return endpoint


def delete_endpoint(
    session: Session, *, organization_id: uuid.UUID, endpoint_id: uuid.UUID
) -> None:
    """Remove an endpoint with its deliveries and their log."""
    endpoint = get_endpoint(session, organization_id=organization_id, endpoint_id=endpoint_id)
    # In SQL, in this order: the ORM knows no link from endpoint to delivery and could delete the
    # endpoint first, its deliveries then gone by ON DELETE CASCADE under its feet. Their tries
    # go by that cascade.
    session.execute(
        delete(WebhookDelivery)
        .where(WebhookDelivery.endpoint_id == endpoint.id)
        .execution_options(synchronize_session=False)
    )
    session.delete(endpoint)
    session.commit()


def list_deliveries(
    session: Session,
    *,
    organization_id: uuid.UUID,
    endpoint_id: uuid.UUID,
    cursor: str | None,
    limit: int,
) -> Page[WebhookDelivery]:
    """An endpoint's deliveries with each try's outcome, oldest first."""
    get_endpoint(session, organization_id=organization_id, endpoint_id=endpoint_id)
    query = (
        select(WebhookDelivery)
        .where(WebhookDelivery.endpoint_id == endpoint_id)
        .options(selectinload(WebhookDelivery.attempts), selectinload(WebhookDelivery.event))
    )
    return oldest_first(session, query, WebhookDelivery, cursor, limit)


def redeliver(
    session: Session, *, organization_id: uuid.UUID, endpoint_id: uuid.UUID, delivery_id: uuid.UUID
) -> WebhookDelivery:
    """Send a delivery again now, with a fresh retry schedule and the same webhook-id."""
    endpoint = get_endpoint(session, organization_id=organization_id, endpoint_id=endpoint_id)
    if endpoint.disabled_at is not None:
        raise WebhookEndpointDisabledError("Enable the endpoint before redelivering to it.")
    delivery = session.get(WebhookDelivery, delivery_id)
    if delivery is None or delivery.endpoint_id != endpoint.id:
        raise WebhookDeliveryNotFoundError(f"No delivery {delivery_id} for this endpoint.")
    session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.id == delivery.id)
        .values(status=DeliveryStatus.PENDING, tries=0, next_attempt_at=utcnow(), delivered_at=None)
    )
    session.commit()
    session.refresh(delivery)
    return delivery
