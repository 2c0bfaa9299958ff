"""Create organizations (with their owner) and authenticate their API keys."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts import service as accounts
from app.errors import UnauthorizedError
from app.models import ApiKey, Membership, Organization, Role

KEY_PREFIX = "cr"


@dataclass(frozen=True)
class NewOrganization:
    organization: Organization
    api_key: str  # shown once, never stored
    set_password_token: str | None = None  # the owner's one-time link, shown once


@dataclass(frozen=True)
class KeyIdentity:
    organization_id: uuid.UUID
    api_key_id: uuid.UUID
    scope: str
    last_used_at: datetime | None = None


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_organization(session: Session, *, name: str, admin_email: str) -> NewOrganization:
    """Create an organization, its owner's account (or reuse it), a set-password link and a key."""
    account = accounts.ensure_account(session, email=admin_email)
    organization = Organization(name=name)
    session.add(organization)
    session.flush()
    session.add(Membership(account_id=account.id, organization_id=organization.id, role=Role.OWNER))
    key = add_api_key(session, organization_id=organization.id, name="default")
    token = accounts.add_password_link(session, account_id=account.id)
    session.commit()
    return NewOrganization(organization, key, token)


def create_api_key(session: Session, *, organization_id: uuid.UUID, name: str) -> str:
    """Create another key for an organization and return it (shown once)."""
    key = add_api_key(session, organization_id=organization_id, name=name)
    session.commit()
    return key


def authenticate(session: Session, *, api_key: str) -> uuid.UUID:
    """Return the organization of a live API key, or raise UnauthorizedError."""
    return authenticate_key(session, api_key=api_key).organization_id


def authenticate_key(session: Session, *, api_key: str) -> KeyIdentity:
    """Return who a live API key is (organization, key, scope), or raise UnauthorizedError."""
    digest = hash_secret(api_key)
    row = session.execute(
        select(
            ApiKey.id, ApiKey.organization_id, ApiKey.key_hash, ApiKey.scope, ApiKey.last_used_at
        ).where(ApiKey.key_hash == digest, ApiKey.revoked_at.is_(None))
    ).first()
    # compare_digest keeps the final comparison constant-time even though the lookup is indexed.
    if row is None or not hmac.compare_digest(row.key_hash, digest):
        raise UnauthorizedError("The API key is unknown or revoked.")
    return KeyIdentity(row.organization_id, row.id, row.scope, row.last_used_at)


def add_api_key(
    session: Session, *, organization_id: uuid.UUID, name: str, scope: str = "admin"
) -> str:
    """Add a key to the session (flushed, not committed) and return it."""
    return mint_api_key(session, organization_id=organization_id, name=name, scope=scope)[1]


def mint_api_key(
    session: Session, *, organization_id: uuid.UUID, name: str, scope: str
) -> tuple[ApiKey, str]:
    """Add a key to the session (flushed, not committed): its row and its secret."""
    prefix = f"{KEY_PREFIX}_{secrets.token_hex(4)}"
    secret = f"{prefix}_{secrets.token_urlsafe(32)}"
    key = ApiKey(
        organization_id=organization_id,
        name=name,
        prefix=prefix,
        key_hash=hash_secret(secret),
        scope=scope,
    )
    session.add(key)
    session.flush()
    return key, secret
