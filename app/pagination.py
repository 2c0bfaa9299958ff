"""Opaque cursors for keyset pagination: the cursor names the last row of the previous page."""

from __future__ import annotations

import base64
import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, Protocol, TypeVar

from sqlalchemy import Select, tuple_
from sqlalchemy.orm import Session

from app.errors import InvalidCursorError

T = TypeVar("T")


class _Timestamped(Protocol):
    @property
    def created_at(self) -> datetime: ...
    @property
    def id(self) -> uuid.UUID: ...


R = TypeVar("R", bound=_Timestamped)

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


def decode_time_cursor(cursor: str | None) -> tuple[datetime, uuid.UUID] | None:
    """The (created_at, id) key of a cursor made by `time_page`, or None for the first page."""
    key = decode_cursor(cursor, 2)
    if key is None:
        return None
    try:
        at, row_id = datetime.fromisoformat(key[0]), uuid.UUID(key[1])
    except ValueError as exc:
        raise InvalidCursorError() from exc
    if at.tzinfo is None:  # our cursors carry UTC offsets; a naive one was made by hand
        raise InvalidCursorError("The cursor's timestamp has no time zone.")
    return at, row_id


def time_page(rows: list[R], size: int) -> Page[R]:
    """Cut `size + 1` rows ordered by (created_at, id) into a page and its cursor."""
    items = rows[:size]
    if len(rows) <= size:
        return Page(items, None)
    return Page(items, encode_cursor(items[-1].created_at.isoformat(), str(items[-1].id)))


def oldest_first(
    session: Session, query: Select[R], model: type[R], cursor: str | None, limit: int
) -> Page[R]:
    """Run `query` as one page ordered by (created_at, id), resuming after `cursor`."""
    return keyset_page(session, query, model, cursor, limit, newest_first=False)


def newest_first(
    session: Session, query: Select[R], model: type[R], cursor: str | None, limit: int
) -> Page[R]:
    """Run `query` as one page ordered by (created_at, id) descending, resuming after `cursor`."""
    return keyset_page(session, query, model, cursor, limit, newest_first=True)


def keyset_page(
    session: Session,
    query: Select[R],
    model: type[R],
    cursor: str | None,
    limit: int,
    *,
    newest_first: bool,
) -> Page[R]:
    """One page of `query` by (created_at, id) in either direction, resuming after `cursor`."""
    size = page_size(limit)
    columns: Any = model  # on the mapped class these are columns, not the rows' values
    key = (columns.created_at, columns.id)
    order = [c.desc() for c in key] if newest_first else list(key)
    query = query.order_by(*order).limit(size + 1)
    after = decode_time_cursor(cursor)
    if after is not None:
        query = query.where(tuple_(*key) < after if newest_first else tuple_(*key) > after)
    return time_page(list(session.scalars(query)), size)
