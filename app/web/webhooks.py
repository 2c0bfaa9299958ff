"""The webhooks settings pages: endpoints (the secret shown once), their delivery log, redelivery;
and the integrations page (what to give Greenhouse, and the errors it reported)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from app.access.policy import Action
from app.access.principal import Principal
from app.deps import SealerDep, SessionDep, SettingsDep, allowed
from app.errors import DomainError
from app.integrations import greenhouse
from app.one_hop import OneHopRoute
from app.web.workspace import render_workspace
from app.webhooks import endpoints
from app.webhooks.endpoints import NewEndpoint
from app.webhooks.errors import InvalidWebhookUrlError
from app.webhooks.events import WebhookEventType

router = APIRouter(include_in_schema=False, route_class=OneHopRoute)
PAGE = "/settings/webhooks"
INTEGRATIONS = "/settings/integrations"
Manager = Annotated[Principal, allowed(Action.WEBHOOKS_MANAGE)]
GREENHOUSE_CALLS = ("list_tests", "send_test", "test_status", "response_error")


class NoEventTypesError(DomainError):
    status, code, title = 422, "no-event-types", "Pick at least one event"


def _page(
    request: Request,
    session: SessionDep,
    principal: Principal,
    *,
    created: NewEndpoint | None = None,
    error: DomainError | None = None,
    url: str = "",
    chosen: frozenset[str] = frozenset(),
    description: str = "",
) -> HTMLResponse:
    listed = endpoints.list_endpoints(
        session, organization_id=principal.organization_id, cursor=None, limit=200
    ).items
    # A secret shown once stays out of caches: every page is sent with no-store.
    return render_workspace(
        request,
        "workspace/webhooks.html",
        {
            "page_title": "Webhooks",
            "endpoints": listed,
            "event_types": [t.value for t in WebhookEventType],
            "created": created,
            "error": error,
            "url": url,
            "chosen": chosen,
            "description": description,
        },
        active="webhooks",
        status_code=error.status if error else 200,
    )


@router.get(PAGE, response_class=HTMLResponse)
def webhooks_page(request: Request, session: SessionDep, principal: Manager) -> HTMLResponse:
    """The organization's webhook endpoints, and a form to add one."""
    return _page(request, session, principal)


@router.post(PAGE, response_class=HTMLResponse)
def create_webhook_endpoint_page(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    sealer: SealerDep,
    principal: Manager,
    url: Annotated[str, Form(max_length=4000)],
    event_types: Annotated[list[str] | None, Form()] = None,
    description: Annotated[str, Form(max_length=1000)] = "",
) -> HTMLResponse:
    """Add an endpoint and show its signing secret in this response only."""
    url, description = url.strip(), description.strip()
    chosen = frozenset(event_types or ())
    known = [t for t in WebhookEventType if t.value in chosen]
    error: DomainError | None = None
    if not known:
        error = NoEventTypesError("Pick the events this endpoint should receive.")
    elif len(url) > 2000 or len(description) > 200:
        error = InvalidWebhookUrlError(
            "The URL is over 2,000 or the description over 200 characters."
        )
    if error is None:
        try:
            created = endpoints.create_endpoint(
                session,
                organization_id=principal.organization_id,
                url=url,
                event_types=known,
                description=description,
                allow_private=settings.webhook_allow_private_targets,
                sealer=sealer,
            )
        except InvalidWebhookUrlError as exc:
            error = exc
        else:
            return _page(request, session, principal, created=created)
    return _page(
        request,
        session,
        principal,
        error=error,
        url=url[:2000],
        chosen=chosen,
        description=description[:200],
    )


@router.post(PAGE + "/{endpoint_id}/enable")
def enable_webhook_endpoint_page(
    endpoint_id: uuid.UUID, session: SessionDep, settings: SettingsDep, principal: Manager
) -> RedirectResponse:
    """Send to the endpoint again (pending deliveries resume)."""
    return _set_enabled(
        session, settings.webhook_allow_private_targets, principal, endpoint_id, True
    )


@router.post(PAGE + "/{endpoint_id}/disable")
def disable_webhook_endpoint_page(
    endpoint_id: uuid.UUID, session: SessionDep, settings: SettingsDep, principal: Manager
) -> RedirectResponse:
    """Stop sending to the endpoint; its deliveries wait."""
    allow_private = settings.webhook_allow_private_targets
    return _set_enabled(session, allow_private, principal, endpoint_id, False)


def _set_enabled(
    session: SessionDep,
    allow_private: bool,
    principal: Principal,
    endpoint_id: uuid.UUID,
    enabled: bool,
) -> RedirectResponse:
    endpoints.update_endpoint(
        session,
        organization_id=principal.organization_id,
        endpoint_id=endpoint_id,
        enabled=enabled,
        allow_private=allow_private,
    )
    notice = "endpoint-enabled" if enabled else "endpoint-disabled"
    return RedirectResponse(f"{PAGE}?notice={notice}", status_code=303)


@router.post(PAGE + "/{endpoint_id}/delete")
def delete_webhook_endpoint_page(
    endpoint_id: uuid.UUID, session: SessionDep, principal: Manager
) -> RedirectResponse:
    """Remove an endpoint with its delivery log."""
    endpoints.delete_endpoint(
        session, organization_id=principal.organization_id, endpoint_id=endpoint_id
    )
    return RedirectResponse(f"{PAGE}?notice=endpoint-deleted", status_code=303)


@router.get(PAGE + "/{endpoint_id}", response_class=HTMLResponse)
def webhook_deliveries_page(
    request: Request, endpoint_id: uuid.UUID, session: SessionDep, principal: Manager
) -> HTMLResponse:
    """One endpoint's deliveries, newest last, with every try's status code."""
    endpoint = endpoints.get_endpoint(
        session, organization_id=principal.organization_id, endpoint_id=endpoint_id
    )
    deliveries = endpoints.list_deliveries(
        session,
        organization_id=principal.organization_id,
        endpoint_id=endpoint_id,
        cursor=None,
        limit=200,
    ).items
    return render_workspace(
        request,
        "workspace/webhook_deliveries.html",
        {"page_title": "Webhook deliveries", "endpoint": endpoint, "deliveries": deliveries},
        active="webhooks",
    )


@router.post(PAGE + "/{endpoint_id}/deliveries/{delivery_id}/redeliver")
def redeliver_webhook_page(
    endpoint_id: uuid.UUID, delivery_id: uuid.UUID, session: SessionDep, principal: Manager
) -> RedirectResponse:
    """Send a delivery again now (same webhook-id)."""
    endpoints.redeliver(
        session,
        organization_id=principal.organization_id,
        endpoint_id=endpoint_id,
        delivery_id=delivery_id,
    )
    return RedirectResponse(f"{PAGE}/{endpoint_id}?notice=redelivering", status_code=303)


@router.get(INTEGRATIONS, response_class=HTMLResponse)
def integrations_page(
    request: Request, session: SessionDep, settings: SettingsDep, principal: Manager
) -> HTMLResponse:
    """What to give Greenhouse, and the errors it reported about our answers."""
    errors = greenhouse.list_errors(
        session, organization_id=principal.organization_id, cursor=None, limit=200
    ).items
    base = settings.base_url + "/integrations/greenhouse/"
    return render_workspace(
        request,
        "workspace/integrations.html",
        {
            "page_title": "Integrations",
            "greenhouse_urls": [(call, base + call) for call in GREENHOUSE_CALLS],
            "errors": list(reversed(errors)),
        },
        active="integrations",
    )
