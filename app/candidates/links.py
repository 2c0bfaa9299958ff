"""Invitation links: the token is derived from the invitation's id with SECRET_KEY.

Only the token's SHA-256 is stored, yet the server can show the link again (copy link, resend,
reminders): it recomputes the token with the key. A database alone never yields a link.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import uuid
from dataclasses import dataclass

from app.models import Invitation
from app.organizations.service import hash_secret
from app.settings import Settings

_TOKEN_CHARS = 32  # 192 bits of the HMAC, URL-safe


@dataclass(frozen=True)
class InvitationLinks:
    secret: bytes
    base_url: str

    @classmethod
    def from_settings(cls, settings: Settings) -> InvitationLinks:
        return cls(settings.secret_key.get_secret_value().encode(), settings.base_url)

    def token(self, invitation_id: uuid.UUID) -> str:
        digest = hmac.new(self.secret, b"invitation:" + invitation_id.bytes, hashlib.sha256)
        return base64.urlsafe_b64encode(digest.digest()).decode()[:_TOKEN_CHARS]

    def url(self, token: str) -> str:
        return f"{self.base_url}/take/{token}"

    def link_of(self, invitation: Invitation) -> str | None:
        """The invitation's link, or None when it cannot be rebuilt (made with another key)."""
        token = self.token(invitation.id)
        return self.url(token) if hash_secret(token) == invitation.token_hash else None
