"""Tell Greenhouse a test is complete: a bodyless PATCH to its callback url, retried like webhooks.

Greenhouse answers by calling test_status, so the PATCH carries nothing but the API key.
"""

from __future__ import annotations

import logging
import random
import uuid
from dataclasses import dataclass
from datetime import datetime

import httpx
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from app.db import utcnow
from app.models import GreenhouseOrder
from app.webhooks import backoff
from app.webhooks.delivery import CLAIM_FOR, Clock

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Callback:
    order_id: uuid.UUID
    tries: int
    url: str
    key: str


def send_completions(
    sessions: sessionmaker[Session],
    client: httpx.Client,
    *,
    clock: Clock = utcnow,
    rng: random.Random | None = None,
) -> int:
    """PATCH every completion that is due once; return how many requests were made."""
    made = 0
    while (job := _claim_next(sessions, clock())) is not None:
        error = _patch(client, job)
        _record(sessions, job, error, clock(), rng)
        made += 1
    return made


def _patch(client: httpx.Client, job: _Callback) -> str | None:
    try:
        response = client.patch(job.url, auth=(job.key, ""))
    except (httpx.HTTPError, httpx.InvalidURL, ValueError) as exc:  # a URL httpx refuses too
        return f"{type(exc).__name__}: {exc}"[:500]
    return None if 200 <= response.status_code < 300 else f"HTTP {response.status_code}"


def _claim_next(sessions: sessionmaker[Session], now: datetime) -> _Callback | None:
    with sessions() as session:
        order = session.scalar(
            select(GreenhouseOrder)
            .where(
                GreenhouseOrder.callback_done_at.is_(None),
                GreenhouseOrder.callback_next_attempt_at <= now,
            )
            .order_by(GreenhouseOrder.callback_next_attempt_at)
            .limit(1)
        )
        if order is None:
            return None
        job = _Callback(order.id, order.callback_tries + 1, order.callback_url, order.callback_key)
        claimed = session.execute(
            update(GreenhouseOrder)
            .where(
                GreenhouseOrder.id == order.id,
                GreenhouseOrder.callback_next_attempt_at == order.callback_next_attempt_at,
            )
            .values(callback_next_attempt_at=now + CLAIM_FOR, callback_tries=job.tries)
        ).rowcount  # type: ignore[attr-defined]
        session.commit()
        return job if claimed else _claim_next(sessions, now)


def _record(
    sessions: sessionmaker[Session],
    job: _Callback,
    error: str | None,
    now: datetime,
    rng: random.Random | None,
) -> None:
    if error is None:
        values: dict[str, object] = {
            "callback_done_at": now,
            "callback_next_attempt_at": None,
            "callback_last_error": None,
        }
    else:
        log.warning("greenhouse completion for order %s failed: %s", job.order_id, error)
        delay = backoff.next_delay(job.tries, rng=rng)
        # Given up after the last retry: next_attempt_at None leaves the error for the org to see.
        values = {
            "callback_next_attempt_at": None if delay is None else now + delay,
            "callback_last_error": error,
        }
    with sessions() as session:
        session.execute(
            update(GreenhouseOrder).where(GreenhouseOrder.id == job.order_id).values(**values)
        )
        session.commit()
