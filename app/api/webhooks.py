"""/api/v1/webhook-endpoints: where an organization's events go, and what happened to them."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from app.access.policy import Action
from app.access.principal import ForbiddenError, Principal
from app.api import webhook_schemas as schemas
from app.api.idempotency import GuardedPosts
from app.api.problems import problem_responses
from app.deps import SealerDep, SessionDep, SettingsDep, allowed
from app.errors import InvalidCursorError, InvalidRequestError, UnauthorizedError
from app.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from app.webhooks import endpoints
from app.webhooks.errors import (
    InvalidWebhookUrlError,
    WebhookDeliveryNotFoundError,
    WebhookEndpointDisabledError,
    WebhookEndpointNotFoundError,
)

router = APIRouter(prefix="/webhook-endpoints", tags=["webhooks"], route_class=GuardedPosts)
Manager = Annotated[Principal, allowed(Action.WEBHOOKS_MANAGE)]
_NOT_FOUND = (UnauthorizedError, ForbiddenError, WebhookEndpointNotFoundError)


def _endpoint(e: WebhookEndpoint) -> schemas.WebhookEndpointRead:
    return schemas.WebhookEndpointRead(
        id=e.id,
        url=e.url,
        event_types=e.event_types,
        description=e.description,
        enabled=e.disabled_at is None,
        disabled_at=e.disabled_at,
        disabled_reason=e.disabled_reason,
        created_at=e.created_at,
    )


def _delivery(d: WebhookDelivery) -> schemas.WebhookDeliveryRead:
    return schemas.WebhookDeliveryRead(
        id=d.id,
        event_id=d.event_id,
        event_type=d.event.type,
        status=d.status,
        tries=d.tries,
        created_at=d.created_at,
        next_attempt_at=d.next_attempt_at if d.status == DeliveryStatus.PENDING else None,
        delivered_at=d.delivered_at,
        payload=d.event.payload,
        attempts=[
            schemas.DeliveryAttemptRead(
                attempted_at=a.attempted_at,
                status_code=a.status_code,
                error=a.error,
                duration_ms=a.duration_ms,
            )
            for a in d.attempts
        ],
    )


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(
        UnauthorizedError, ForbiddenError, InvalidWebhookUrlError, InvalidRequestError
    ),
)
def create_webhook_endpoint(
    body: schemas.WebhookEndpointCreate,
    session: SessionDep,
    settings: SettingsDep,
    sealer: SealerDep,
    principal: Manager,
) -> schemas.WebhookEndpointCreated:
    """Add an endpoint; its signing secret is shown only in this response."""
    new = endpoints.create_endpoint(
        session,
        organization_id=principal.organization_id,
        url=body.url,
        event_types=body.event_types,
        description=body.description,
        allow_private=settings.webhook_allow_private_targets,
        sealer=sealer,
    )
    return schemas.WebhookEndpointCreated(**_endpoint(new.endpoint).model_dump(), secret=new.secret)


@router.get("", responses=problem_responses(UnauthorizedError, ForbiddenError, InvalidCursorError))
def list_webhook_endpoints(
    session: SessionDep,
    principal: Manager,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> schemas.WebhookEndpointPage:
    """List the organization's webhook endpoints, oldest first."""
    page = endpoints.list_endpoints(
        session, organization_id=principal.organization_id, cursor=cursor, limit=limit
    )
    return schemas.WebhookEndpointPage(
        items=[_endpoint(e) for e in page.items], next_cursor=page.next_cursor
    )


@router.get("/{endpoint_id}", responses=problem_responses(*_NOT_FOUND))
def get_webhook_endpoint(
    endpoint_id: uuid.UUID, session: SessionDep, principal: Manager
) -> schemas.WebhookEndpointRead:
    """Get one webhook endpoint (never its secret)."""
    return _endpoint(
        endpoints.get_endpoint(
            session, organization_id=principal.organization_id, endpoint_id=endpoint_id
        )
    )


@router.patch(
    "/{endpoint_id}",
    responses=problem_responses(*_NOT_FOUND, InvalidWebhookUrlError, InvalidRequestError),
)
def update_webhook_endpoint(
    endpoint_id: uuid.UUID,
    body: schemas.WebhookEndpointUpdate,
    session: SessionDep,
    settings: SettingsDep,
    principal: Manager,
) -> schemas.WebhookEndpointRead:
    """Change an endpoint's URL, events or description, or enable or disable it."""
    endpoint = endpoints.update_endpoint(
        session,
        organization_id=principal.organization_id,
        endpoint_id=endpoint_id,
        url=body.url,
        event_types=body.event_types,
        description=body.description,
        enabled=body.enabled,
        allow_private=settings.webhook_allow_private_targets,
    )
    return _endpoint(endpoint)


@router.delete(
    "/{endpoint_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(*_NOT_FOUND),
)
def delete_webhook_endpoint(
    endpoint_id: uuid.UUID, session: SessionDep, principal: Manager
) -> Response:
    """Remove an endpoint with its delivery log."""
    endpoints.delete_endpoint(
        session, organization_id=principal.organization_id, endpoint_id=endpoint_id
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/{endpoint_id}/deliveries",
    responses=problem_responses(*_NOT_FOUND, InvalidCursorError),
)
def list_webhook_deliveries(
    endpoint_id: uuid.UUID,
    session: SessionDep,
    principal: Manager,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> schemas.WebhookDeliveryPage:
    """The endpoint's deliveries with every try's status code or error, oldest first."""
    page = endpoints.list_deliveries(
        session,
        organization_id=principal.organization_id,
        endpoint_id=endpoint_id,
        cursor=cursor,
        limit=limit,
    )
    return schemas.WebhookDeliveryPage(
        items=[_delivery(d) for d in page.items], next_cursor=page.next_cursor
    )


@router.post(
    "/{endpoint_id}/deliveries/{delivery_id}/redeliver",
    status_code=status.HTTP_202_ACCEPTED,
    responses=problem_responses(
        *_NOT_FOUND, WebhookDeliveryNotFoundError, WebhookEndpointDisabledError
    ),
)
def redeliver_webhook(
    endpoint_id: uuid.UUID, delivery_id: uuid.UUID, session: SessionDep, principal: Manager
) -> schemas.WebhookDeliveryRead:
    """Send a delivery again (same webhook-id, so receivers that dedupe process it once)."""
    delivery = endpoints.redeliver(
        session,
        organization_id=principal.organization_id,
        endpoint_id=endpoint_id,
        delivery_id=delivery_id,
    )
    return _delivery(delivery)
