"""The API keys settings page: create a key (its secret shown once), see their use, revoke."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from app.access.policy import SCOPE_ROLES, Action, KeyScope
from app.access.principal import Principal
from app.api.text import check_storable
from app.deps import SessionDep, allowed
from app.errors import DomainError
from app.one_hop import OneHopRoute
from app.organizations import api_keys
from app.organizations.api_keys import NewApiKey
from app.web.workspace import render_workspace

router = APIRouter(include_in_schema=False, route_class=OneHopRoute)
PAGE = "/settings/api-keys"
Manager = Annotated[Principal, allowed(Action.API_KEYS_MANAGE)]


class InvalidKeyNameError(DomainError):
    status, code, title = 400, "invalid-key-name", "Give the key a name of 1 to 200 characters"


def _page(
    request: Request,
    session: SessionDep,
    principal: Principal,
    *,
    created: NewApiKey | None = None,
    error: DomainError | None = None,
    name: str = "",
) -> HTMLResponse:
    keys = api_keys.list_keys(
        session, organization_id=principal.organization_id, cursor=None, limit=200
    ).items
    context = {
        "page_title": "API keys",
        "keys": keys,
        "scopes": [(s.value, SCOPE_ROLES[s].value) for s in KeyScope],
        "created": created,
        "error": error,
        "key_name": name,
    }
    # A secret shown once stays out of caches: every page is sent with no-store.
    return render_workspace(
        request,
        "workspace/api_keys.html",
        context,
        active="api-keys",
        status_code=error.status if error else 200,
    )


@router.get(PAGE, response_class=HTMLResponse)
def api_keys_page(request: Request, session: SessionDep, principal: Manager) -> HTMLResponse:
    """The organization's API keys, with their scope and last use."""
    return _page(request, session, principal)


@router.post(PAGE, response_class=HTMLResponse)
def create_api_key_page(
    request: Request,
    session: SessionDep,
    principal: Manager,
    name: Annotated[str, Form(max_length=1000)],
    scope: Annotated[KeyScope, Form()],
) -> HTMLResponse:
    """Create a key and show its secret in this response only (no redirect: never in a URL)."""
    name = name.strip()
    try:
        check_storable(name)
        valid = 1 <= len(name) <= 200
    except ValueError:
        valid = False
    if not valid:
        return _page(request, session, principal, error=InvalidKeyNameError(), name=name[:200])
    created = api_keys.create_key(
        session, organization_id=principal.organization_id, name=name, scope=scope
    )
    return _page(request, session, principal, created=created)


@router.post(PAGE + "/{api_key_id}/revoke")
def revoke_api_key_page(
    api_key_id: uuid.UUID, session: SessionDep, principal: Manager
) -> RedirectResponse:
    """Revoke a key; requests with it are refused from now on."""
    api_keys.revoke_key(session, organization_id=principal.organization_id, api_key_id=api_key_id)
    return RedirectResponse(PAGE + "?notice=key-revoked", status_code=303)
