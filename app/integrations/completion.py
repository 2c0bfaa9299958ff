"""Tell Greenhouse a test is complete: a bodyless PATCH to its callback url, retried like webhooks.

Greenhouse answers by calling test_status, so the PATCH carries nothing but the API key.
The PATCHes go out a few at a time and are leased like webhook deliveries.
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
from app.sealing import CALLBACK_KEY, Sealer, UnsealError
from app.webhooks import backoff
from app.webhooks.delivery import CLAIM_FOR, WORKERS, Clock
from app.webhooks.dispatch import dispatch

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Callback:
    order_id: uuid.UUID
    tries: int
    url: str
    sealed_key: str


def send_completions(
    sessions: sessionmaker[Session],
    client: httpx.Client,
    *,
    sealer: Sealer,
    clock: Clock = utcnow,
    rng: random.Random | None = None,
    workers: int = WORKERS,
) -> int:
    """PATCH every completion that is due once; return how many were tried."""

    def claim(free: int, _running: list[_Callback]) -> list[_Callback]:
        return _claim(sessions, clock(), free)

    def patch(job: _Callback) -> str | None:
        try:
            key = sealer.unseal(job.sealed_key, purpose=CALLBACK_KEY)
        except UnsealError as exc:
            return f"Cannot authenticate: {exc}"
        try:
            response = client.patch(job.url, auth=(key, ""))
        except (httpx.HTTPError, httpx.InvalidURL, ValueError) as exc:  # a URL httpx refuses
            return f"{type(exc).__name__}: {exc}"[:500]
        return None if 200 <= response.status_code < 300 else f"HTTP {response.status_code}"

    def record(job: _Callback, error: str | None) -> None:
        _record(sessions, job, error, clock(), rng)

    return dispatch(claim, patch, record, workers=workers)


def _claim(sessions: sessionmaker[Session], now: datetime, limit: int) -> list[_Callback]:
    with sessions() as session:
        orders = session.scalars(
            select(GreenhouseOrder)
            .where(
                GreenhouseOrder.callback_done_at.is_(None),
                GreenhouseOrder.callback_next_attempt_at <= now,
            )
            .order_by(GreenhouseOrder.callback_next_attempt_at)
            .limit(limit)
            .with_for_update(skip_locked=True)  # see app.webhooks.delivery._claim
        ).all()
        jobs = {
            o.id: _Callback(o.id, o.callback_tries + 1, o.callback_url, o.callback_key)
            for o in orders
        }
        if not jobs:
            session.rollback()
            return []
        leased = session.scalars(
            update(GreenhouseOrder)
            .where(
                GreenhouseOrder.id.in_(jobs),
                GreenhouseOrder.callback_done_at.is_(None),
                GreenhouseOrder.callback_next_attempt_at <= now,
            )
            .values(
                callback_next_attempt_at=now + CLAIM_FOR,
                callback_tries=GreenhouseOrder.callback_tries + 1,
            )
            .returning(GreenhouseOrder.id)
            .execution_options(synchronize_session=False)
        ).all()
        session.commit()
        return [jobs[i] for i in leased]


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
