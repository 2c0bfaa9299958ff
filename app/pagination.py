"""Opaque cursors for keyset pagination: the cursor names the last row of the previous page."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Generic, TypeVar

from app.errors import InvalidCursorError

T = TypeVar("T")

MAX_PAGE_SIZE = 200


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    next_cursor: str | None


def encode_cursor(*key: str) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(key)).encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None, parts: int) -> list[str] | None:
    """Return the key parts of a cursor, or None for the first page."""
    if cursor is None:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        key = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidCursorError() from exc
    if not (isinstance(key, list) and len(key) == parts and all(isinstance(k, str) for k in key)):
        raise InvalidCursorError()
    return key


def page_size(limit: int) -> int:
    return max(1, min(limit, MAX_PAGE_SIZE))
