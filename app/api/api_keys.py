"""/api/v1/api-keys: an organization's keys, managed by an admin-scoped key."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, status

from app.access.policy import Action
from app.access.principal import ForbiddenError, Principal
from app.api.idempotency import GuardedPosts
from app.api.key_schemas import ApiKeyCreate, ApiKeyCreated, ApiKeyPage, ApiKeyRead
from app.api.problems import problem_responses
from app.deps import SessionDep, allowed
from app.errors import InvalidCursorError, InvalidRequestError, UnauthorizedError
from app.models import ApiKey
from app.organizations import api_keys
from app.organizations.api_keys import ApiKeyNotFoundError

router = APIRouter(prefix="/api-keys", tags=["api-keys"], route_class=GuardedPosts)
Manager = Annotated[Principal, allowed(Action.API_KEYS_MANAGE)]


def _read(key: ApiKey) -> ApiKeyRead:
    return ApiKeyRead(
        id=key.id,
        name=key.name,
        scope=key.scope,
        prefix=key.prefix,
        created_at=key.created_at,
        last_used_at=key.last_used_at,
        revoked_at=key.revoked_at,
    )


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(UnauthorizedError, ForbiddenError, InvalidRequestError),
)
def create_api_key(body: ApiKeyCreate, session: SessionDep, principal: Manager) -> ApiKeyCreated:
    """Create a named key with a scope; the secret `key` is in this response only."""
    new = api_keys.create_key(
        session, organization_id=principal.organization_id, name=body.name, scope=body.scope
    )
    return ApiKeyCreated(**_read(new.api_key).model_dump(), key=new.secret)


@router.get("", responses=problem_responses(UnauthorizedError, ForbiddenError, InvalidCursorError))
def list_api_keys(
    session: SessionDep,
    principal: Manager,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> ApiKeyPage:
    """The organization's keys, revoked ones included, newest first (never their secrets)."""
    page = api_keys.list_keys(
        session, organization_id=principal.organization_id, cursor=cursor, limit=limit
    )
    return ApiKeyPage(items=[_read(k) for k in page.items], next_cursor=page.next_cursor)


@router.get(
    "/{api_key_id}",
    responses=problem_responses(UnauthorizedError, ForbiddenError, ApiKeyNotFoundError),
)
def get_api_key(api_key_id: uuid.UUID, session: SessionDep, principal: Manager) -> ApiKeyRead:
    """One key: its name, scope, prefix, last use and whether it is revoked."""
    return _read(
        api_keys.get_key(session, organization_id=principal.organization_id, api_key_id=api_key_id)
    )


@router.delete(
    "/{api_key_id}",
    responses=problem_responses(UnauthorizedError, ForbiddenError, ApiKeyNotFoundError),
)
def revoke_api_key(api_key_id: uuid.UUID, session: SessionDep, principal: Manager) -> ApiKeyRead:
    """Revoke a key at once; it stays listed with `revoked_at`. Revoking twice is harmless."""
    return _read(
        api_keys.revoke_key(
            session, organization_id=principal.organization_id, api_key_id=api_key_id
        )
    )
