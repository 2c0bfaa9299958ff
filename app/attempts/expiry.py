"""Close attempts at their deadline without waiting for a request (the expiry sweeper's pass)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.attempts import lifecycle
from app.db import utcnow
from app.grading.queue import GradingQueue
from app.models import Attempt, AttemptStatus

BATCH = 100


def expire_due(
    sessions: sessionmaker[Session],
    queue: GradingQueue,
    *,
    now: datetime | None = None,
    reads: sessionmaker[Session] | None = None,
) -> int:
    """Expire every started attempt past its deadline, queue its code; return how many closed.

    `reads` (read-only sessions) looks for due attempts without taking SQLite's write lock.
    """
    now = now or utcnow()
    with (reads or sessions)() as session:
        due = list(
            session.scalars(
                select(Attempt.id)
                .where(Attempt.status == AttemptStatus.STARTED, Attempt.deadline <= now)
                .order_by(Attempt.deadline)
                .limit(BATCH)
            )
        )
    closed = 0
    for attempt_id in due:
        with sessions() as session:
            attempt = session.get(Attempt, attempt_id)
            if attempt is None or attempt.deadline is None:
                continue
            # Conditional on `started`: a request closing it at the same moment wins or loses
            # cleanly, and the expiry (with its event) happens once.
            submission_ids = lifecycle.close(
                session, attempt, status=AttemptStatus.EXPIRED, at=attempt.deadline
            )
            session.commit()
        if submission_ids is None:
            continue
        closed += 1
        for submission_id in submission_ids:
            queue.enqueue(submission_id, final=True)
    return closed
