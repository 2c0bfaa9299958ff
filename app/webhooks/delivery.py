"""Send due webhook deliveries: claim one, sign and POST it, log the try, schedule the next.

One pass (`deliver_due`) is what the background loop repeats and what tests call; the clock is
a parameter so tests move time instead of waiting out the backoff.
"""

from __future__ import annotations

import json
import logging
import random
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import select, update
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
from app.webhooks import backoff

log = logging.getLogger(__name__)
CLAIM_FOR = timedelta(minutes=2)  # longer than a request can take (outbound.TIMEOUT)
Clock = Callable[[], datetime]


@dataclass(frozen=True)
class _Job:
    delivery_id: uuid.UUID
    endpoint_id: uuid.UUID
    tries: int  # including this one
    url: str
    secret: str
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
    clock: Clock = utcnow,
    rng: random.Random | None = None,
) -> int:
    """Try every delivery that is due once; return how many requests were made."""
    made = 0
    while (job := _claim_next(sessions, clock())) is not None:
        outcome = send(client, job.url, job.secret, job.event_id, job.payload)
        _record(sessions, job, outcome, clock(), rng)
        made += 1
    return made


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


def _claim_next(sessions: sessionmaker[Session], now: datetime) -> _Job | None:
    with sessions() as session:
        row = session.execute(
            select(WebhookDelivery, WebhookEndpoint, WebhookEvent)
            .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
            .join(WebhookEvent, WebhookEvent.id == WebhookDelivery.event_id)
            .where(
                WebhookDelivery.status == DeliveryStatus.PENDING,
                WebhookDelivery.next_attempt_at <= now,
                WebhookEndpoint.disabled_at.is_(None),
            )
            .order_by(WebhookDelivery.next_attempt_at)
            .limit(1)
        ).first()
        if row is None:
            return None
        delivery, endpoint, event = row
        tries = delivery.tries + 1  # read before the UPDATE below synchronizes the object
        # A compare-and-set on next_attempt_at: only one process (or thread) wins the row.
        claimed = session.execute(
            update(WebhookDelivery)
            .where(
                WebhookDelivery.id == delivery.id,
                WebhookDelivery.next_attempt_at == delivery.next_attempt_at,
            )
            .values(next_attempt_at=now + CLAIM_FOR, tries=WebhookDelivery.tries + 1)
        ).rowcount  # type: ignore[attr-defined]
        session.commit()
        if not claimed:
            return _claim_next(sessions, now)
        return _Job(
            delivery.id,
            endpoint.id,
            tries,
            endpoint.url,
            endpoint.secret,
            event.id,
            event.payload,
        )


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
