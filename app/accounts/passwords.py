"""Password hashing with Argon2id (argon2-cffi's RFC 9106 defaults) and the length rule."""

from __future__ import annotations

from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from app.accounts.errors import WeakPasswordError

MIN_LENGTH = 10
MAX_LENGTH = 256  # Argon2 takes any length; the cap stops a megabyte "password" from costing CPU

_hasher = PasswordHasher()


def check_new_password(password: str) -> None:
    """Raise WeakPasswordError unless the length is right (NIST 800-63B: length, no rules)."""
    if len(password) < MIN_LENGTH:
        raise WeakPasswordError(f"Choose a password of at least {MIN_LENGTH} characters.")
    if len(password) > MAX_LENGTH:
        raise WeakPasswordError(f"Choose a password of at most {MAX_LENGTH} characters.")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when `password` matches; an account without a password costs the same time."""
    if len(password) > MAX_LENGTH:
        return False
    try:
        return _hasher.verify(password_hash or _dummy_hash(), password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    # Verified when the e-mail is unknown, so a wrong e-mail takes as long as a wrong password.
    return _hasher.hash("not a password anyone has")
