"""The grading worker's side of a submission: claim it, grade it, record the outcome.

No database transaction, and no pooled connection, is held while candidate code runs: the claim
and everything grading needs are read in one short transaction, the session is closed, the
sandbox runs, and the outcome is written in a new short transaction that only lands if this
worker still holds the lease it claimed (its try number is the fencing token). On SQLite a
transaction held across grading would hold the database's write lock for as long as the
candidate's code runs, and every other request would wait on it.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from app.attempts import events as attempt_events
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
from app.observability.metrics import GRADING_SECONDS, QUEUE_WAIT_SECONDS, SANDBOX_FAILURES
from app.scoring import service as scoring
from sandbox import GradeReport, Runner, SandboxError, TaskSpec, grade

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=2)
# Tries before a submission is left to a human as grading_failed: whatever failed (the sandbox,
# a bug in the judge, a worker that died mid-grading), the sweep must not re-claim it forever.
MAX_TRIES = 3

# Opens a session for one short unit of work and closes it after (a sessionmaker does).
SessionScope = Callable[[], AbstractContextManager[Session]]


@dataclass(frozen=True)
class GradingJob:
    """What grading needs, read before the sandbox runs: no ORM object outlives its session."""

    submission_id: uuid.UUID
    fence: int
    attempt_id: uuid.UUID
    question_id: str
    version_id: uuid.UUID | None  # None for a practice run: its task is the practice task
    content: dict[str, Any] | None
    source: str
    language: str
    seed: int
    is_final: bool
    worker_id: uuid.UUID | None  # who holds the lease: released, it holds it no more
    purpose: str
    waited_seconds: float  # from the submission's commit to this claim


@dataclass(frozen=True)
class GradingFailure:
    """Grading did not produce a verdict: never a score, retried up to MAX_TRIES."""

    reason: str
    kind: str = "sandbox"  # sandbox, judge (a bug) or task (not loaded here): a metric label


def grade_submission(
    sessions: SessionScope,
    runner: Runner,
    submission_id: uuid.UUID,
    *,
    practice: PracticeTask | None = None,
    worker_id: uuid.UUID | None = None,
) -> bool:
    """Grade one submission if it can be claimed; True when it should be queued again."""
    with sessions() as session:
        job = claim_job(session, submission_id, worker_id=worker_id)
    if job is None:
        return False  # graded already, given up on, or another worker holds the lease
    if job.fence == 1:  # a retry's wait would count its first try's grading too
        QUEUE_WAIT_SECONDS.labels(job.purpose).observe(job.waited_seconds)
    started = time.perf_counter()
    outcome = run_job(job, runner, practice=practice)
    _observe(job, outcome, time.perf_counter() - started)
    with sessions() as session:
        return record_outcome(session, job, outcome)


def claim_job(
    session: Session, submission_id: uuid.UUID, *, worker_id: uuid.UUID | None = None
) -> GradingJob | None:
    """Lease the submission and read what grading needs, in one transaction it commits.

    `worker_id` names the claiming worker, so that its leases are released as soon as it is
    found dead (app.grading.watchdog) rather than when they expire.
    """
    now = utcnow()
    expired = (Submission.status == SubmissionStatus.RUNNING) & (Submission.lease_expires_at < now)
    # A lease that expired on the last try means the grading never finished (a worker died or
    # hung): stop here rather than try again.
    given_up = session.execute(
        update(Submission)
        .where(Submission.id == submission_id, expired, Submission.tries >= MAX_TRIES)
        .values(
            status=SubmissionStatus.GRADING_FAILED,
            lease_expires_at=None,
            error=f"grading did not finish in {MAX_TRIES} tries",
        )
        .returning(Submission.attempt_id, Submission.purpose)
    ).first()
    fence = session.execute(
        update(Submission)
        .where(
            Submission.id == submission_id,
            or_(Submission.status == SubmissionStatus.QUEUED, expired),
            Submission.tries < MAX_TRIES,
        )
        .values(
            status=SubmissionStatus.RUNNING,
            tries=Submission.tries + 1,
            lease_expires_at=now + LEASE,
            worker_id=worker_id,
        )
        .returning(Submission.tries)
    ).scalar()
    job = None
    if fence is not None:
        row = session.execute(
            select(
                Submission.source,
                Submission.language,
                Submission.purpose,
                Submission.created_at,
                Submission.attempt_id,
                Submission.question_id,
                QuestionVersion.id.label("version_id"),
                QuestionVersion.content,
                Attempt.seed,
            )
            # Outer: a practice run has no question version.
            .outerjoin(QuestionVersion, QuestionVersion.id == Submission.question_version_id)
            .join(Attempt, Attempt.id == Submission.attempt_id)
            .where(Submission.id == submission_id)
        ).one()
        job = GradingJob(
            submission_id=submission_id,
            fence=fence,
            attempt_id=row.attempt_id,
            question_id=row.question_id,
            version_id=row.version_id,
            content=row.content,
            source=row.source,
            language=row.language,
            seed=row.seed,
            is_final=row.purpose == SubmissionPurpose.FINAL,
            worker_id=worker_id,
            purpose=str(row.purpose),
            waited_seconds=max(0.0, (now - row.created_at).total_seconds()),
        )
    elif given_up is not None and given_up.purpose == SubmissionPurpose.FINAL:
        _rescore(session, given_up.attempt_id)
    session.commit()
    return job


def run_job(
    job: GradingJob, runner: Runner, *, practice: PracticeTask | None = None
) -> GradeReport | GradingFailure:
    """Grade the job's source in the sandbox; a failure of the judge itself is no verdict."""
    try:
        task = _task(job, practice)
        if task is None:
            return GradingFailure(
                f"practice task {job.question_id!r} is not loaded here", kind="task"
            )
        return grade(
            task,
            job.source,
            runner=runner,
            seed=job.seed,
            hidden=job.is_final,
            language=job.language,
        )
    except SandboxError as exc:
        log.warning(
            "sandbox failure on submission %s (try %d): %s", job.submission_id, job.fence, exc
        )
        return GradingFailure(f"sandbox failure: {exc}")
    except Exception as exc:  # the sandbox boundary: a bug in the judge is not the candidate's
        log.exception("grading submission %s failed (try %d)", job.submission_id, job.fence)
        return GradingFailure(
            f"unexpected {type(exc).__name__} in grading: {exc}"[:2000], kind="judge"
        )


def _observe(job: GradingJob, outcome: GradeReport | GradingFailure, seconds: float) -> None:
    if isinstance(outcome, GradingFailure):
        SANDBOX_FAILURES.labels(outcome.kind).inc()
        verdict = "no-verdict"
    else:
        verdict = outcome.verdict.value
    GRADING_SECONDS.labels(job.question_id, verdict).observe(seconds)
    log.info(
        "graded submission %s (%s, try %d): %s in %.2f s",
        job.submission_id,
        job.question_id,
        job.fence,
        verdict,
        seconds,
    )


def _task(job: GradingJob, practice: PracticeTask | None) -> TaskSpec | None:
    if job.version_id is not None and job.content is not None:
        return task_for(job.version_id, job.content)
    # A practice run names the task it was made for: never graded as another task.
    return practice.task if practice is not None and practice.id == job.question_id else None


def record_outcome(
    session: Session, job: GradingJob, outcome: GradeReport | GradingFailure
) -> bool:
    """Write the outcome if the lease is still ours; True when the submission goes back in line."""
    retry = False
    values: dict[str, Any]
    if isinstance(outcome, GradingFailure):
        retry = job.fence < MAX_TRIES
        status = SubmissionStatus.QUEUED if retry else SubmissionStatus.GRADING_FAILED
        values = {"status": status, "error": outcome.reason, "lease_expires_at": None}
    else:
        values = {
            "status": SubmissionStatus.GRADED,
            "verdict": outcome.verdict.value,
            "score": outcome.score,
            "max_score": outcome.max_score,
            "report": outcome.to_dict("recruiter"),
            "candidate_report": outcome.to_dict("candidate"),
            "graded_at": utcnow(),
            "error": None,
        }
    held = Submission.tries == job.fence
    if job.worker_id is not None:  # a released lease (its worker stopped or was found dead)
        held &= Submission.worker_id == job.worker_id
    written = session.execute(
        update(Submission)
        .where(Submission.id == job.submission_id, Submission.status == SubmissionStatus.RUNNING)
        .where(held)
        .values(**values)
    ).rowcount  # type: ignore[attr-defined]
    session.commit()
    if not written:
        return False  # the lease expired and another worker took over: its outcome counts
    if job.is_final and not retry:
        _rescore(session, job.attempt_id)
        session.commit()
    return retry


def _rescore(session: Session, attempt_id: uuid.UUID) -> None:
    # The attempt row is locked first, so two final gradings that finish together score one
    # after the other and the second sees both results (PostgreSQL; SQLite writes are serial).
    attempt = session.get(Attempt, attempt_id, with_for_update=True, populate_existing=True)
    if attempt is not None and attempt.status in (AttemptStatus.SUBMITTED, AttemptStatus.EXPIRED):
        scoring.score_attempt(session, attempt, coding_results(session, attempt.id))
        attempt_events.graded_if_final(session, attempt)
