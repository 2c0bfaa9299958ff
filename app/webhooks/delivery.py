"""Send due webhook deliveries: lease a batch, sign and POST each, log the try, schedule the next.

One pass (`deliver_due`) is what the background loop repeats and what tests call; the clock is
a parameter so tests move time instead of waiting out the backoff. Requests go out a few at a
time (app.webhooks.dispatch), but one at a time to each endpoint, in the order they fell due:
a slow receiver holds up only itself, and a receiver sees its events in order.
"""

from __future__ import annotations

import json
import logging
import random
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker
from standardwebhooks import Webhook

from app.db import utcnow
from app.models import (
    DeliveryStatus,
    WebhookDelivery,
    WebhookDeliveryAttempt,
    WebhookEndpoint,
    WebhookEvent,
)
from app.sealing import WEBHOOK_SECRET, Sealer, UnsealError
from app.webhooks import backoff
from app.webhooks.dispatch import dispatch

log = logging.getLogger(__name__)
CLAIM_FOR = timedelta(minutes=2)  # longer than a request can take (outbound.TIMEOUT)
PER_ENDPOINT = 1  # requests in flight to one endpoint, in one process
WORKERS = 8
Clock = Callable[[], datetime]


@dataclass(frozen=True)
class _Job:
    delivery_id: uuid.UUID
    endpoint_id: uuid.UUID
    tries: int  # including this one
    url: str
    sealed_secret: str
    event_id: str
    payload: dict[str, Any]


@dataclass(frozen=True)
class Outcome:
    status_code: int | None
    error: str | None
    duration_ms: int
    retry_after: timedelta | None = None

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def deliver_due(
    sessions: sessionmaker[Session],
    client: httpx.Client,
    *,
    sealer: Sealer,
    clock: Clock = utcnow,
    rng: random.Random | None = None,
    workers: int = WORKERS,
) -> int:
    """Try every delivery that is due once, `workers` at a time; return how many were tried."""

    def claim(free: int, running: list[_Job]) -> list[_Job]:
        return _claim(sessions, clock(), free, Counter(j.endpoint_id for j in running))

    def send_one(job: _Job) -> Outcome:
        try:
            secret = sealer.unseal(job.sealed_secret, purpose=WEBHOOK_SECRET)
        except UnsealError as exc:  # nothing is sent unsigned; retried like a failed request
            return Outcome(None, f"Cannot sign: {exc}", 0)
        return send(client, job.url, secret, job.event_id, job.payload)

    def record(job: _Job, outcome: Outcome) -> None:
        _record(sessions, job, outcome, clock(), rng)

    return dispatch(claim, send_one, record, workers=workers)


def signed_request(
    secret: str, event_id: str, payload: dict[str, Any]
) -> tuple[bytes, dict[str, str]]:
    """The body and Standard Webhooks headers of one try (the timestamp is this try's)."""
    body = json.dumps(payload, separators=(",", ":"), ensure_ascii=False)
    now = utcnow()
    headers = {
        "content-type": "application/json",
        "webhook-id": event_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": Webhook(secret).sign(event_id, now, body),
    }
    return body.encode(), headers


def send(
    client: httpx.Client, url: str, secret: str, event_id: str, payload: dict[str, Any]
) -> Outcome:
    body, headers = signed_request(secret, event_id, payload)
    started = time.monotonic()
    try:
        response = client.post(url, content=body, headers=headers)
    except (httpx.HTTPError, httpx.InvalidURL, ValueError) as exc:  # a URL httpx refuses too
        elapsed = int((time.monotonic() - started) * 1000)
        return Outcome(None, f"{type(exc).__name__}: {exc}"[:500], elapsed)
    elapsed = int((time.monotonic() - started) * 1000)
    error = None if 200 <= response.status_code < 300 else f"HTTP {response.status_code}"
    retry_after = backoff.parse_retry_after(response.headers.get("retry-after"))
    return Outcome(response.status_code, error, elapsed, retry_after)


def _claim(
    sessions: sessionmaker[Session], now: datetime, limit: int, busy: Counter[uuid.UUID]
) -> list[_Job]:
    """Lease the oldest due delivery of up to `limit` endpoints that have none in flight."""
    due = (
        WebhookDelivery.status == DeliveryStatus.PENDING,
        WebhookDelivery.next_attempt_at <= now,
    )
    with sessions() as session:
        # Per endpoint, not overall: a backlog at one endpoint must not hide the others.
        first_due = (
            select(
                WebhookDelivery.endpoint_id,
                func.min(WebhookDelivery.next_attempt_at).label("first_due"),
            )
            .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
            .where(
                *due,
                WebhookEndpoint.disabled_at.is_(None),
                WebhookDelivery.endpoint_id.not_in([e for e, n in busy.items() if n]),
            )
            .group_by(WebhookDelivery.endpoint_id)
            .order_by("first_due")
            .limit(limit)
            .subquery()
        )
        rows = session.execute(
            select(WebhookDelivery, WebhookEndpoint, WebhookEvent)
            .join(
                first_due,
                (first_due.c.endpoint_id == WebhookDelivery.endpoint_id)
                & (first_due.c.first_due == WebhookDelivery.next_attempt_at),
            )
            .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
            .join(WebhookEvent, WebhookEvent.id == WebhookDelivery.event_id)
            .where(*due)
            .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.created_at)
            # PostgreSQL: rows another process is leasing right now are skipped, not waited
            # for; SQLite has no row locks, its write transaction (BEGIN IMMEDIATE) serializes.
            .with_for_update(of=WebhookDelivery, skip_locked=True)
        ).all()
        chosen: dict[uuid.UUID, _Job] = {}
        for delivery, endpoint, event in rows:
            if busy[endpoint.id] >= PER_ENDPOINT:
                continue  # two of its deliveries fell due at the same instant: one now
            busy[endpoint.id] += 1
            chosen[delivery.id] = _Job(
                delivery.id,
                endpoint.id,
                delivery.tries + 1,
                endpoint.url,
                endpoint.secret,
                event.id,
                event.payload,
            )
        if not chosen:
            session.rollback()
            return []
        # Still due as read: a process that does not lock (or a lease taken meanwhile) loses.
        leased = session.scalars(
            update(WebhookDelivery)
            .where(WebhookDelivery.id.in_(chosen), *due)
            .values(next_attempt_at=now + CLAIM_FOR, tries=WebhookDelivery.tries + 1)
            .returning(WebhookDelivery.id)
            .execution_options(synchronize_session=False)
        ).all()
        session.commit()
        return [chosen[i] for i in leased]


def _record(
    sessions: sessionmaker[Session],
    job: _Job,
    outcome: Outcome,
    now: datetime,
    rng: random.Random | None,
) -> None:
    values: dict[str, Any]
    if outcome.ok:
        values = {"status": DeliveryStatus.DELIVERED, "delivered_at": now}
    elif outcome.status_code == 410:
        values = {"status": DeliveryStatus.FAILED}
    else:
        delay = backoff.next_delay(job.tries, retry_after=outcome.retry_after, rng=rng)
        values = (
            {"status": DeliveryStatus.FAILED} if delay is None else {"next_attempt_at": now + delay}
        )
    with sessions() as session:
        session.add(
            WebhookDeliveryAttempt(
                delivery_id=job.delivery_id,
                attempted_at=now,
                status_code=outcome.status_code,
                error=outcome.error,
                duration_ms=outcome.duration_ms,
            )
        )
        session.execute(
            update(WebhookDelivery).where(WebhookDelivery.id == job.delivery_id).values(**values)
        )
        if outcome.status_code == 410:
            # Standard Webhooks: 410 Gone means the receiver is gone for good; stop sending.
            log.warning("webhook endpoint %s answered 410: disabled", job.endpoint_id)
            session.execute(
                update(WebhookEndpoint)
                .where(WebhookEndpoint.id == job.endpoint_id, WebhookEndpoint.disabled_at.is_(None))
                .values(disabled_at=now, disabled_reason="The receiver answered 410 Gone.")
            )
        session.commit()
