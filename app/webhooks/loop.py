"""One pass of everything that goes out to customer URLs: webhooks, then ATS callbacks."""

from __future__ import annotations

import random

import httpx
from sqlalchemy.orm import Session, sessionmaker

from app.db import utcnow
from app.integrations.completion import send_completions
from app.webhooks.delivery import Clock, deliver_due


def send_outbound(
    sessions: sessionmaker[Session],
    client: httpx.Client,
    *,
    clock: Clock = utcnow,
    rng: random.Random | None = None,
) -> int:
    """Make every outbound request that is due; return how many were made."""
    made = deliver_due(sessions, client, clock=clock, rng=rng)
    return made + send_completions(sessions, client, clock=clock, rng=rng)
