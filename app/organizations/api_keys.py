"""An organization's API keys: create (the secret shown once), list, revoke, note their use."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select, tuple_, update
from sqlalchemy.orm import Session

from app.access.policy import KeyScope
from app.db import begin_write, utcnow
from app.errors import NotFoundError
from app.models import ApiKey
from app.organizations.service import mint_api_key
from app.pagination import Page, decode_time_cursor, page_size, time_page

# last_used_at is a hint for people ("used today"), so one write a minute per key is plenty;
# a write per request would serialize every API call on SQLite.
TOUCH_EVERY = timedelta(minutes=1)


class ApiKeyNotFoundError(NotFoundError):
    code, title = "api-key-not-found", "API key not found"


@dataclass(frozen=True)
class NewApiKey:
    api_key: ApiKey
    secret: str  # shown once, never stored


def create_key(
    session: Session, *, organization_id: uuid.UUID, name: str, scope: KeyScope
) -> NewApiKey:
    """Create a named key with `scope`; its secret is returned here and never again."""
    key, secret = mint_api_key(
        session, organization_id=organization_id, name=name, scope=scope.value
    )
    session.commit()
    return NewApiKey(key, secret)


def list_keys(
    session: Session, *, organization_id: uuid.UUID, cursor: str | None, limit: int
) -> Page[ApiKey]:
    """The organization's keys, revoked ones included, newest first."""
    after = decode_time_cursor(cursor)
    size = page_size(limit)
    query = (
        select(ApiKey)
        .where(ApiKey.organization_id == organization_id)
        .order_by(ApiKey.created_at.desc(), ApiKey.id.desc())
        .limit(size + 1)
    )
    if after is not None:
        query = query.where(tuple_(ApiKey.created_at, ApiKey.id) < after)
    return time_page(list(session.scalars(query)), size)


def get_key(session: Session, *, organization_id: uuid.UUID, api_key_id: uuid.UUID) -> ApiKey:
    """One key of this organization; another organization's is not found."""
    key = session.scalar(
        select(ApiKey).where(ApiKey.id == api_key_id, ApiKey.organization_id == organization_id)
    )
    if key is None:
        raise ApiKeyNotFoundError(f"No API key {api_key_id}.")
    return key


def revoke_key(session: Session, *, organization_id: uuid.UUID, api_key_id: uuid.UUID) -> ApiKey:
    """Revoke a key at once (a revoked key stays listed); revoking it again changes nothing."""
    key = get_key(session, organization_id=organization_id, api_key_id=api_key_id)
    if key.revoked_at is None:
        key.revoked_at = utcnow()
        session.commit()
    return key


def note_use(session: Session, *, api_key_id: uuid.UUID, last_used_at: datetime | None) -> None:
    """Record that the key was used now, unless that was recorded less than a minute ago."""
    now = utcnow()
    if last_used_at is not None and now - last_used_at < TOUCH_EVERY:
        return
    begin_write(session)  # an API GET's session starts read-only
    # Conditional, so concurrent first requests of a minute write once between them.
    session.execute(
        update(ApiKey)
        .where(
            ApiKey.id == api_key_id,
            or_(ApiKey.last_used_at.is_(None), ApiKey.last_used_at < now - TOUCH_EVERY),
        )
        .values(last_used_at=now)
    )
    session.commit()
