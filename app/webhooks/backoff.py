"""When to try an outbound request again: Standard Webhooks' example schedule, with jitter."""

from __future__ import annotations

import random
from datetime import timedelta

# After the first try fails: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h, 24 h; about 3 days
# (75.6 h) from the first try to the last, then the delivery is given up.
RETRY_DELAYS = tuple(
    timedelta(seconds=s)
    for s in (5, 5 * 60, 30 * 60, 2 * 3600, 5 * 3600, 10 * 3600, 14 * 3600, 20 * 3600, 24 * 3600)
)
MAX_TRIES = len(RETRY_DELAYS) + 1
JITTER = 0.2  # +-20%, so receivers that failed together are not all retried at the same second
MAX_RETRY_AFTER = timedelta(hours=24)


def next_delay(
    tries: int, *, retry_after: timedelta | None = None, rng: random.Random | None = None
) -> timedelta | None:
    """The wait after the `tries`-th failed try; None when every retry is used up.

    A receiver's Retry-After (429/503) is honoured when it asks for longer than the schedule.
    """
    if tries >= MAX_TRIES:
        return None
    base = RETRY_DELAYS[tries - 1]
    delay = base * (rng or random).uniform(1 - JITTER, 1 + JITTER)
    if retry_after is not None:
        delay = max(delay, min(retry_after, MAX_RETRY_AFTER))
    return delay


def parse_retry_after(value: str | None) -> timedelta | None:
    """Retry-After in seconds (the HTTP-date form is rare for webhooks and is ignored)."""
    if value is None or not value.strip().isdigit():
        return None
    return timedelta(seconds=int(value.strip()))
