"""Integrity signals of an attempt: validated batches from the candidate page, capped per attempt.

Recorded, never blocking: a batch past the cap is accepted and its excess dropped and counted.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from app.attempts import lifecycle, lookups
from app.db import utcnow
from app.errors import (
    AttemptExpiredError,
    AttemptNotStartedError,
    AttemptSubmittedError,
    InvalidRequestError,
)
from app.models import Attempt, AttemptStatus, IntegrityEvent

MAX_STORED_PER_ATTEMPT = 2000
MAX_PER_BATCH = 100
# The page sends its last batch as the attempt ends (submit, the deadline): give it time to land.
GRACE_AFTER_END = timedelta(minutes=5)
# `at` is the page's clock corrected by server_time; anything further off is not a real event.
MAX_CLOCK_SKEW = timedelta(hours=24)


class EventType(StrEnum):
    PASTE = "paste"
    COPY = "copy"
    TAB_HIDDEN = "tab_hidden"
    WINDOW_BLUR = "window_blur"
    FULLSCREEN_EXIT = "fullscreen_exit"


WITH_LENGTH = frozenset({EventType.PASTE, EventType.COPY})
WITH_DURATION = frozenset({EventType.TAB_HIDDEN, EventType.WINDOW_BLUR})


@dataclass(frozen=True)
class NewEvent:
    type: EventType
    at: datetime
    question_id: str | None = None
    length: int | None = None
    duration_ms: int | None = None


@dataclass(frozen=True)
class Recorded:
    accepted: int
    dropped: int


@dataclass(frozen=True)
class IntegritySummary:
    counts: dict[str, int]
    dropped: int
    events: list[IntegrityEvent]


def record_events(session: Session, *, token: str, events: Sequence[NewEvent]) -> Recorded:
    """Store a batch (all of it, or nothing if any event is invalid) up to the attempt's cap."""
    ref = lookups.attempt_ref(session, token)
    now = utcnow()
    _check_batch(events, set(lookups.question_specs(session, ref.attempt_id)), now)
    attempt = session.get(Attempt, ref.attempt_id)
    assert attempt is not None, "a resolved token always names an attempt"
    _check_open(attempt, now)
    if not events:
        return Recorded(0, 0)
    # One atomic increment hands each concurrent batch its own slice of the counter, so the
    # cap holds without a lock: only the part of the slice below the cap is stored.
    received = session.execute(
        update(Attempt)
        .where(Attempt.id == attempt.id)
        .values(events_received=Attempt.events_received + len(events))
        .returning(Attempt.events_received)
        .execution_options(synchronize_session=False)
    ).scalar_one()
    before = received - len(events)
    accepted = max(0, min(len(events), MAX_STORED_PER_ATTEMPT - before))
    if accepted:
        session.execute(
            insert(IntegrityEvent),
            [
                {
                    "attempt_id": attempt.id,
                    "type": e.type.value,
                    "at": e.at,
                    "question_id": e.question_id,
                    "length": e.length,
                    "duration_ms": e.duration_ms,
                    "received_at": now,
                }
                for e in events[:accepted]
            ],
        )
    session.commit()
    return Recorded(accepted, len(events) - accepted)


def summary(session: Session, attempt: Attempt) -> IntegritySummary:
    """The stored events in time order, their counts by type, and how many were dropped."""
    events = list(
        session.scalars(
            select(IntegrityEvent)
            .where(IntegrityEvent.attempt_id == attempt.id)
            .order_by(IntegrityEvent.at, IntegrityEvent.id)
        )
    )
    counts = Counter(e.type for e in events)
    return IntegritySummary(
        counts={t.value: counts[t.value] for t in EventType},
        dropped=max(0, attempt.events_received - MAX_STORED_PER_ATTEMPT),
        events=events,
    )


def _check_batch(events: Sequence[NewEvent], question_ids: set[str], now: datetime) -> None:
    problems = []
    if len(events) > MAX_PER_BATCH:
        problems.append(f"at most {MAX_PER_BATCH} events per batch, got {len(events)}")
    for i, e in enumerate(events):
        if e.question_id is not None and e.question_id not in question_ids:
            problems.append(f"events.{i}.question_id: no question {e.question_id!r}")
        if abs(e.at - now) > MAX_CLOCK_SKEW:
            problems.append(f"events.{i}.at: more than 24 hours from the server's time")
    if problems:
        raise InvalidRequestError("; ".join(problems))


def _check_open(attempt: Attempt, now: datetime) -> None:
    lifecycle.ensure_not_revoked(attempt)
    if attempt.status == AttemptStatus.INVITED:
        raise AttemptNotStartedError("Events are recorded once the assessment is started.")
    ended = attempt.submitted_at if attempt.status != AttemptStatus.STARTED else attempt.deadline
    if ended is None or now < ended + GRACE_AFTER_END:
        return
    if attempt.status == AttemptStatus.SUBMITTED:
        raise AttemptSubmittedError("This attempt was submitted; its events are closed.")
    raise AttemptExpiredError("The time limit has passed; this attempt's events are closed.")
