"""Grading jobs: claim a submission (a lease), grade it in the sandbox, write the outcome once."""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from app.db import utcnow
from app.grading.practice import PracticeTask
from app.grading.submissions import coding_results
from app.grading.tasks import task_for
from app.models import (
    Attempt,
    AttemptStatus,
    QuestionVersion,
    Submission,
    SubmissionPurpose,
    SubmissionStatus,
)
from app.scoring import service as scoring
from sandbox import Runner, SandboxError, TaskSpec, grade

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=2)
MAX_TRIES = 3
# A queued submission older than this was lost from an in-memory queue (a restart): re-send it.
STALE_QUEUED = timedelta(seconds=10)


def claim(session: Session, submission_id: uuid.UUID) -> int | None:
    """Lease a submission for grading; returns the try number (a fencing token) or None."""
    now = utcnow()
    tries = session.execute(
        update(Submission)
        .where(
            Submission.id == submission_id,
            or_(
                Submission.status == SubmissionStatus.QUEUED,
                (Submission.status == SubmissionStatus.RUNNING)
                & (Submission.lease_expires_at < now),
            ),
        )
        .values(
            status=SubmissionStatus.RUNNING,
            tries=Submission.tries + 1,
            lease_expires_at=now + LEASE,
        )
        .returning(Submission.tries)
    ).scalar()
    session.commit()
    return tries


def grade_submission(
    session: Session,
    runner: Runner,
    submission_id: uuid.UUID,
    *,
    practice: PracticeTask | None = None,
) -> bool:
    """Grade one submission if it can be claimed; True when it should be queued again."""
    fence = claim(session, submission_id)
    if fence is None:
        return False  # graded already, or another worker holds the lease
    submission = session.get(Submission, submission_id)
    assert submission is not None
    attempt = session.get(Attempt, submission.attempt_id)
    assert attempt is not None, "a submission's attempt is never deleted"
    task = _task_of(session, submission, practice)
    if task is None:
        log.error(
            "submission %s: practice task %r is not loaded", submission_id, submission.question_id
        )
        _finish(
            session,
            submission_id,
            fence,
            status=SubmissionStatus.GRADING_FAILED,
            error=f"practice task {submission.question_id!r} is not loaded in this process",
            lease_expires_at=None,
        )
        return False
    try:
        report = grade(
            task,
            submission.source,
            runner=runner,
            seed=attempt.seed,
            hidden=submission.purpose == SubmissionPurpose.FINAL,
        )
    except SandboxError as exc:
        # The sandbox failed, not the candidate: never a score. Retry, then leave it to a human.
        retry = fence < MAX_TRIES
        log.warning("sandbox failure on submission %s (try %d): %s", submission_id, fence, exc)
        _finish(
            session,
            submission_id,
            fence,
            status=SubmissionStatus.QUEUED if retry else SubmissionStatus.GRADING_FAILED,
            error=str(exc),
            lease_expires_at=None,
        )
        return retry
    written = _finish(
        session,
        submission_id,
        fence,
        status=SubmissionStatus.GRADED,
        verdict=report.verdict.value,
        score=report.score,
        max_score=report.max_score,
        report=report.to_dict("recruiter"),
        candidate_report=report.to_dict("candidate"),
        graded_at=utcnow(),
        error=None,
    )
    if written and submission.purpose == SubmissionPurpose.FINAL:
        session.refresh(attempt)
        if attempt.status in (AttemptStatus.SUBMITTED, AttemptStatus.EXPIRED):
            scoring.score_attempt(session, attempt, coding_results(session, attempt.id))
            session.commit()
    return False


def pending_submission_ids(session: Session) -> list[uuid.UUID]:
    """Queued submissions that may have been lost, and running ones whose lease expired."""
    now = utcnow()
    return list(
        session.scalars(
            select(Submission.id).where(
                or_(
                    (Submission.status == SubmissionStatus.QUEUED)
                    & (Submission.created_at < now - STALE_QUEUED),
                    (Submission.status == SubmissionStatus.RUNNING)
                    & (Submission.lease_expires_at < now),
                )
            )
        )
    )


def _task_of(
    session: Session, submission: Submission, practice: PracticeTask | None
) -> TaskSpec | None:
    if submission.purpose == SubmissionPurpose.PRACTICE:
        # A practice run names the task it was made for: a renamed task is not graded as another.
        return practice.task if practice and practice.id == submission.question_id else None
    question = session.get(QuestionVersion, submission.question_version_id)
    assert question is not None, "a submission's question version is never deleted"
    return task_for(question.id, question.content)


def _finish(session: Session, submission_id: uuid.UUID, fence: int, **values: object) -> bool:
    """Write the outcome only if this worker still holds the lease it claimed (its try number)."""
    written = session.execute(
        update(Submission)
        .where(
            Submission.id == submission_id,
            Submission.status == SubmissionStatus.RUNNING,
            Submission.tries == fence,
        )
        .values(**values)
    ).rowcount  # type: ignore[attr-defined]
    session.commit()
    return bool(written)
