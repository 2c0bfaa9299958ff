"""Create organizations and authenticate their API keys."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.errors import UnauthorizedError
from app.models import ApiKey, Organization, Recruiter

KEY_PREFIX = "cr"


@dataclass(frozen=True)
class NewOrganization:
    organization: Organization
    api_key: str  # shown once, never stored


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_organization(session: Session, *, name: str, admin_email: str) -> NewOrganization:
    """Create an organization with its admin recruiter and a first API key."""
    organization = Organization(name=name)
    session.add(organization)
    session.flush()
    session.add(
        Recruiter(organization_id=organization.id, email=admin_email.lower(), is_admin=True)
    )
    key = add_api_key(session, organization_id=organization.id, name="default")
    session.commit()
    return NewOrganization(organization, key)


def create_api_key(session: Session, *, organization_id: uuid.UUID, name: str) -> str:
    """Create another key for an organization and return it (shown once)."""
    key = add_api_key(session, organization_id=organization_id, name=name)
    session.commit()
    return key


def authenticate(session: Session, *, api_key: str) -> uuid.UUID:
    """Return the organization of a live API key, or raise UnauthorizedError."""
    digest = hash_secret(api_key)
    row = session.execute(
        select(ApiKey.organization_id, ApiKey.key_hash).where(
            ApiKey.key_hash == digest, ApiKey.revoked_at.is_(None)
        )
    ).first()
    # compare_digest keeps the final comparison constant-time even though the lookup is indexed.
    if row is None or not hmac.compare_digest(row.key_hash, digest):
        raise UnauthorizedError("The API key is unknown or revoked.")
    organization_id: uuid.UUID = row.organization_id
    return organization_id


def add_api_key(session: Session, *, organization_id: uuid.UUID, name: str) -> str:
    """Add a key to the session (flushed, not committed) and return it."""
    prefix = f"{KEY_PREFIX}_{secrets.token_hex(4)}"
    key = f"{prefix}_{secrets.token_urlsafe(32)}"
    session.add(
        ApiKey(organization_id=organization_id, name=name, prefix=prefix, key_hash=hash_secret(key))
    )
    session.flush()
    return key
