"""One pass of everything that goes out to customer URLs: webhooks, then ATS callbacks."""

from __future__ import annotations

import random
from datetime import datetime

import httpx
from sqlalchemy import exists, select
from sqlalchemy.orm import Session, sessionmaker

from app.db import utcnow
from app.integrations.completion import send_completions
from app.models import DeliveryStatus, GreenhouseOrder, WebhookDelivery
from app.sealing import Sealer
from app.webhooks.delivery import WORKERS, Clock, deliver_due


def send_outbound(
    sessions: sessionmaker[Session],
    client: httpx.Client,
    *,
    sealer: Sealer,
    clock: Clock = utcnow,
    rng: random.Random | None = None,
    reads: sessionmaker[Session] | None = None,
    workers: int = WORKERS,
) -> int:
    """Make every outbound request that is due; return how many were made.

    With `reads`, a read-only look decides first whether anything is due, so an idle pass
    never takes SQLite's write lock.
    """
    if reads is not None and not anything_due(reads, clock()):
        return 0
    made = deliver_due(sessions, client, sealer=sealer, clock=clock, rng=rng, workers=workers)
    return made + send_completions(
        sessions, client, sealer=sealer, clock=clock, rng=rng, workers=workers
    )


def anything_due(reads: sessionmaker[Session], now: datetime) -> bool:
    with reads() as session:
        return bool(
            session.scalar(
                select(
                    exists().where(
                        WebhookDelivery.status == DeliveryStatus.PENDING,
                        WebhookDelivery.next_attempt_at <= now,
                    )
                    | exists().where(
                        GreenhouseOrder.callback_done_at.is_(None),
                        GreenhouseOrder.callback_next_attempt_at <= now,
                    )
                )
            )
        )
