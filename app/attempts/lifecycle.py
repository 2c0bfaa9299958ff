"""The attempt state machine: invited -> started -> submitted | expired (DESIGN.md §7)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.orm import Session

from app.db import begin_write, utcnow
from app.errors import (
    AssessmentClosedError,
    AttemptExpiredError,
    AttemptNotFoundError,
    AttemptNotStartedError,
    AttemptSubmittedError,
    InvitationExpiredError,
    InvitationRevokedError,
)
from app.grading import submissions as final_submissions
from app.models import Attempt, AttemptStatus
from app.scoring import service as scoring


def is_past_deadline(attempt: Attempt, now: datetime) -> bool:
    return attempt.deadline is not None and now >= attempt.deadline


def close_if_expired(session: Session, attempt: Attempt, now: datetime | None = None) -> bool:
    """Grade a started attempt whose deadline passed with what was saved; True if it closed."""
    now = now or utcnow()
    if attempt.status != AttemptStatus.STARTED or not is_past_deadline(attempt, now):
        return False
    assert attempt.deadline is not None, "a started attempt has a deadline"
    begin_write(session)  # a read request found it: close it in a write transaction
    closed = close(session, attempt, status=AttemptStatus.EXPIRED, at=attempt.deadline)
    session.commit()
    return closed is not None


def transition(session: Session, attempt: Attempt, *, old: AttemptStatus, **values: object) -> bool:
    """Apply `values` only if the attempt is still in `old`: exactly one concurrent request wins.

    A conditional UPDATE, because on PostgreSQL two requests can both have read `old`.
    """
    won = session.execute(
        update(Attempt).where(Attempt.id == attempt.id, Attempt.status == old).values(**values)
    ).rowcount  # type: ignore[attr-defined]
    session.refresh(attempt)
    return bool(won)


def close(
    session: Session, attempt: Attempt, *, status: AttemptStatus, at: datetime
) -> list[uuid.UUID] | None:
    """End a started attempt, queue its code and score it; None if another request ended it.

    Returns the new submissions' ids; the caller sends them to the grading queue after commit
    (the queue's sweep picks up any that are never sent).
    """
    if not transition(session, attempt, old=AttemptStatus.STARTED, status=status, submitted_at=at):
        return None
    submissions = final_submissions.add_final_submissions(session, attempt)
    session.flush()
    scoring.score_attempt(session, attempt, final_submissions.coding_results(session, attempt.id))
    return [s.id for s in submissions]


def ensure_not_revoked(attempt: Attempt) -> None:
    """Raise InvitationRevokedError when the recruiter withdrew the attempt's invitation."""
    if attempt.invitation.revoked_at is not None:
        raise InvitationRevokedError(
            "The person who invited you withdrew this invitation; the link no longer works."
        )


def ensure_writable(session: Session, attempt: Attempt, now: datetime) -> None:
    """Raise the problem that explains why this attempt takes no more answers, if any."""
    ensure_not_revoked(attempt)
    if close_if_expired(session, attempt, now) or attempt.status == AttemptStatus.EXPIRED:
        raise AttemptExpiredError(
            "The time limit has passed; your saved answers were submitted for grading."
        )
    if attempt.status == AttemptStatus.SUBMITTED:
        raise AttemptSubmittedError("This attempt was submitted; answers can no longer change.")
    if attempt.status == AttemptStatus.INVITED:
        raise AttemptNotStartedError("Start the assessment before answering.")


def ensure_invitation_valid(attempt: Attempt) -> None:
    """Raise the problem that keeps a not yet started attempt from starting, if any.

    A withdrawn invitation never works again. An archived assessment is closed to new starts;
    an attempt already started keeps running to its deadline (archiving never cuts a candidate
    off mid-test), so only this check sees it.
    """
    ensure_not_revoked(attempt)
    if attempt.assessment.archived_at is not None:
        raise AssessmentClosedError("This assessment no longer accepts candidates.")
    if utcnow() >= attempt.invitation.expires_at:
        raise InvitationExpiredError(
            "This invitation has expired; ask the recruiter for a new one."
        )


def ensure_practice_open(session: Session, attempt: Attempt, now: datetime) -> None:
    """Practice is open before the start (while the invitation is valid) and during the test."""
    if attempt.status == AttemptStatus.INVITED:
        ensure_invitation_valid(attempt)
    else:
        ensure_writable(session, attempt, now)


def refuse_write(session: Session, attempt_id: uuid.UUID, now: datetime) -> None:
    """Called when the answer upsert wrote nothing: raise the state problem, if that was why."""
    attempt = session.get(Attempt, attempt_id)
    if attempt is None:
        raise AttemptNotFoundError()
    ensure_writable(session, attempt, now)
