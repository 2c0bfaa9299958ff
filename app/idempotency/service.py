"""Claim an Idempotency-Key for one request, then store its response or give the key back.

The claim is committed before the request's work starts, so of N identical requests at once
exactly one runs; the others wait for its response and replay it.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, cast

from sqlalchemy import Table, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from app.db import utcnow
from app.errors import DomainError
from app.models import IdempotencyRecord

# How long a stored response answers retries, and how long a request may hold its claim
# before the claim counts as abandoned (the process died mid-request).
RETENTION = timedelta(hours=24)
LEASE = timedelta(seconds=60)
_table = cast(Table, IdempotencyRecord.__table__)


class IdempotencyKeyReusedError(DomainError):
    status, code, title = (
        422,
        "idempotency-key-reused",
        "This Idempotency-Key was used for a different request",
    )


class IdempotencyKeyInUseError(DomainError):
    status, code, title = (
        409,
        "idempotency-key-in-use",
        "A request with this Idempotency-Key is still in progress",
    )

    def __init__(self) -> None:
        super().__init__("Retry in a moment to get its response.", retry_after=1)
        self.headers["Retry-After"] = "1"


@dataclass(frozen=True)
class Claim:
    record_id: uuid.UUID


@dataclass(frozen=True)
class StoredResponse:
    status_code: int
    headers: list[tuple[str, str]]
    body: bytes


def claim(
    session: Session, *, namespace: str, key: str, fingerprint: str, wait: float
) -> Claim | StoredResponse:
    """Claim `key` for this request, or return the response of the request that had it.

    Waits up to `wait` seconds for a request still in progress, then IdempotencyKeyInUseError.
    """
    deadline = time.monotonic() + wait
    pause = 0.02
    while True:
        now = utcnow()
        row = session.execute(
            select(_table).where(_table.c.namespace == namespace, _table.c.key == key)
        ).first()
        if row is None:
            record_id = uuid.uuid4()
            inserted = session.execute(
                _insert(session)
                .values(
                    id=record_id,
                    namespace=namespace,
                    key=key,
                    fingerprint=fingerprint,
                    created_at=now,
                    locked_until=now + LEASE,
                )
                .on_conflict_do_nothing(index_elements=["namespace", "key"])
                .returning(_table.c.id)
            ).scalar()
            session.commit()
            if inserted is not None:
                return Claim(record_id)
            continue  # another request claimed it between our read and our insert
        if row.created_at < now - RETENTION:
            session.execute(delete(_table).where(_table.c.id == row.id))
            session.commit()
            continue
        if row.fingerprint != fingerprint:
            session.rollback()
            raise IdempotencyKeyReusedError(
                "Send a new Idempotency-Key for a new request; a retry must repeat the first."
            )
        if row.status_code is not None:
            session.rollback()
            return StoredResponse(
                row.status_code, [tuple(h) for h in row.response_headers or []], row.response_body
            )
        if row.locked_until is not None and row.locked_until < now:
            taken = session.execute(
                update(_table)
                .where(_table.c.id == row.id, _table.c.locked_until == row.locked_until)
                .values(locked_until=now + LEASE)
                .returning(_table.c.id)
            ).scalar()
            session.commit()
            if taken is not None:
                return Claim(row.id)
            continue
        session.rollback()  # end the transaction, so the next look sees the other's commit
        if time.monotonic() >= deadline:
            raise IdempotencyKeyInUseError()
        time.sleep(pause)
        pause = min(pause * 2, 0.25)


def complete(session: Session, claimed: Claim, response: StoredResponse) -> None:
    """Store the response that retries of the claimed key will get."""
    session.execute(
        update(_table)
        .where(_table.c.id == claimed.record_id)
        .values(
            status_code=response.status_code,
            response_headers=[list(h) for h in response.headers],
            response_body=response.body,
            locked_until=None,
        )
    )
    session.commit()


def release(session: Session, claimed: Claim) -> None:
    """Give the key back (the request failed and created nothing): a retry runs again."""
    session.rollback()
    session.execute(delete(_table).where(_table.c.id == claimed.record_id))
    session.commit()


def _insert(session: Session) -> Any:
    dialect = session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(_table)
