"""Secrets the service must read back (webhook signing secrets, ATS callback keys), sealed at rest.

AES-256-GCM under a key derived from SECRET_KEY by HKDF, so a copy of the database alone reveals
none of them. Each value is bound to its purpose (the column) as associated data: a sealed value
moved to another column does not open. Rotating SECRET_KEY: see "Secrets at rest" in the README.
"""

from __future__ import annotations

import base64
import secrets

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

PREFIX = "sealed:v1:"
_NONCE_BYTES = 12  # AES-GCM's standard nonce; random per value (far below the 2**32 limit)
_INFO = b"chainrule secrets at rest v1"


class UnsealError(ValueError):
    """A sealed value does not open with this SECRET_KEY (it changed, or the value was altered)."""


class Sealer:
    def __init__(self, secret_key: str) -> None:
        key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(
            secret_key.encode()
        )
        self._aead = AESGCM(key)

    def seal(self, plain: str, *, purpose: str) -> str:
        nonce = secrets.token_bytes(_NONCE_BYTES)
        sealed = nonce + self._aead.encrypt(nonce, plain.encode(), purpose.encode())
        return PREFIX + base64.urlsafe_b64encode(sealed).decode()

    def unseal(self, stored: str, *, purpose: str) -> str:
        if not is_sealed(stored):
            raise UnsealError("The value is not sealed.")
        try:
            raw = base64.urlsafe_b64decode(stored.removeprefix(PREFIX))
            plain = self._aead.decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], purpose.encode())
        except (InvalidTag, ValueError) as exc:
            raise UnsealError(
                "The value does not open with this SECRET_KEY (was it changed?)."
            ) from exc
        return plain.decode()


def is_sealed(stored: str) -> bool:
    return stored.startswith(PREFIX)


# Purposes, one per column that holds a sealed value.
WEBHOOK_SECRET = "webhook_endpoint.secret"
CALLBACK_KEY = "greenhouse_order.callback_key"
