"""The database side of workers staying honest: heartbeats, dead workers, lost messages.

Every worker runs these on a timer (app.grading.workers.Keeper). Each statement is a single
conditional UPDATE or DELETE, so several workers running them at once do each thing once: two
watchdogs never both re-send the same submission in the same round.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session

from app.models import GradingWorker, Submission, SubmissionPurpose, SubmissionStatus


@dataclass(frozen=True)
class Resend:
    submission_id: uuid.UUID
    final: bool


def beat(session: Session, worker_id: uuid.UUID, name: str, now: datetime) -> None:
    """Record that this worker is alive (again, if a watchdog had already declared it dead)."""
    found = session.execute(
        update(GradingWorker).where(GradingWorker.id == worker_id).values(heartbeat_at=now)
    ).rowcount  # type: ignore[attr-defined]
    if not found:
        # Declared dead after a stall: its leases were released and its late results will be
        # refused by the fence (the try number), so it can simply join again.
        session.add(GradingWorker(id=worker_id, name=name[:200], started_at=now, heartbeat_at=now))
    session.commit()


def release_dead_workers(session: Session, now: datetime, dead_after: timedelta) -> int:
    """Expire at once the leases of workers that stopped beating; forget those workers.

    An expired lease is what the claim already knows how to handle: re-claimed on the next try,
    or given up (grading_failed) after the last one. Returns the number of leases released.
    """
    dead = select(GradingWorker.id).where(GradingWorker.heartbeat_at < now - dead_after)
    released = session.execute(
        update(Submission)
        .where(Submission.status == SubmissionStatus.RUNNING, Submission.worker_id.in_(dead))
        .values(lease_expires_at=now, worker_id=None)
    ).rowcount  # type: ignore[attr-defined]
    session.execute(delete(GradingWorker).where(GradingWorker.heartbeat_at < now - dead_after))
    session.commit()
    return int(released)


def release_own(session: Session, worker_id: uuid.UUID, now: datetime) -> int:
    """A worker stopping: expire what it still holds (re-sent at once) and leave the table."""
    released = session.execute(
        update(Submission)
        .where(Submission.status == SubmissionStatus.RUNNING, Submission.worker_id == worker_id)
        .values(lease_expires_at=now, worker_id=None)
    ).rowcount  # type: ignore[attr-defined]
    session.execute(delete(GradingWorker).where(GradingWorker.id == worker_id))
    session.commit()
    return int(released)


def due_for_sending(session: Session, now: datetime, resend_after: timedelta) -> list[Resend]:
    """Mark as sent, and return, what the broker may have lost.

    - queued and last sent more than `resend_after` ago: a broker restart, a crash between the
      commit and the send, or only a long queue (then the copy is harmless: the claim is
      conditional, a duplicate finds nothing to claim);
    - running with an expired (or released) lease that was not re-sent since it expired.
    """
    last_sent = func.coalesce(Submission.sent_at, Submission.created_at)
    stale = now - resend_after
    rows = session.execute(
        update(Submission)
        .where(
            or_(
                (Submission.status == SubmissionStatus.QUEUED) & (last_sent < stale),
                (Submission.status == SubmissionStatus.RUNNING)
                & (Submission.lease_expires_at <= now)
                & ((last_sent < Submission.lease_expires_at) | (last_sent < stale)),
            )
        )
        .values(sent_at=now)
        .returning(Submission.id, Submission.purpose)
    ).all()
    session.commit()
    return [Resend(row.id, row.purpose == SubmissionPurpose.FINAL) for row in rows]


def live_workers(session: Session, now: datetime, dead_after: timedelta) -> int:
    return int(
        session.scalar(
            select(func.count())
            .select_from(GradingWorker)
            .where(GradingWorker.heartbeat_at >= now - dead_after)
        )
        or 0
    )


def queue_depth(session: Session) -> dict[str, int]:
    """Submissions waiting (queued) per purpose: the source of truth for the queue's length."""
    rows = session.execute(
        select(Submission.purpose, func.count())
        .where(Submission.status == SubmissionStatus.QUEUED)
        .group_by(Submission.purpose)
    ).all()
    return {purpose: int(count) for purpose, count in rows}


def host_is_beating(session: Session, host: str, now: datetime, dead_after: timedelta) -> bool:
    """Whether a worker on `host` (its name is host:pid) beat within `dead_after`."""
    found = session.scalar(
        select(GradingWorker.id).where(
            GradingWorker.name.startswith(f"{host}:", autoescape=True),
            GradingWorker.heartbeat_at >= now - dead_after,
        )
    )
    return found is not None
