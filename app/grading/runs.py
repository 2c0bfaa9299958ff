"""Candidate runs of the public checks: one at a time per question, rate-limited per attempt."""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.attempts import lifecycle, lookups
from app.attempts.responses import check_language, check_source_size
from app.bank.languages import DEFAULT_LANGUAGE, language_ids
from app.db import utcnow
from app.errors import DomainError, NotFoundError, QuestionNotFoundError
from app.grading.practice import PracticeTask
from app.models import (
    Attempt,
    AttemptItem,
    QuestionVersion,
    Submission,
    SubmissionPurpose,
    SubmissionStatus,
)
from app.settings import Settings

# Runs of both kinds share the attempt's rate limit; neither ever counts toward the score.
CANDIDATE_RUNS = (SubmissionPurpose.RUN, SubmissionPurpose.PRACTICE)


class RunNotFoundError(NotFoundError):
    code, title = "run-not-found", "Run not found"


class NotACodingQuestionError(DomainError):
    status, code, title = 400, "not-a-coding-question", "Only coding questions can be run"


class RunInProgressError(DomainError):
    status, code, title = 409, "run-in-progress", "A run of this question is still in progress"


class RunRateLimitedError(DomainError):
    status, code, title = 429, "run-rate-limited", "Too many runs in a short time"

    def __init__(self, limit: RunLimit, retry_at: datetime, now: datetime) -> None:
        wait = max(1, math.ceil((retry_at - now).total_seconds()))
        super().__init__(
            f"You can run the checks {limit.runs} times in {limit.describe_window()}; "
            f"the next run is possible in {wait} seconds (at {retry_at:%H:%M:%S} UTC).",
            retry_after=wait,
            retry_at=retry_at.isoformat(),
        )
        self.headers["Retry-After"] = str(wait)


@dataclass(frozen=True)
class RunLimit:
    runs: int
    window: timedelta

    @classmethod
    def from_settings(cls, settings: Settings) -> RunLimit:
        return cls(settings.run_limit, timedelta(seconds=settings.run_limit_window_seconds))

    def describe_window(self) -> str:
        seconds = int(self.window.total_seconds())
        return f"{seconds // 60} minutes" if seconds % 60 == 0 else f"{seconds} seconds"


def request_run(
    session: Session,
    *,
    token: str,
    question_id: str,
    source: str,
    language: str = DEFAULT_LANGUAGE,
    limit: RunLimit,
) -> Submission:
    """Queue the public checks of `source`, in `language`, for one coding question."""
    ref = lookups.attempt_ref(session, token)
    check_source_size(source)
    attempt = _locked_attempt(session, ref.attempt_id)
    now = utcnow()
    lifecycle.ensure_writable(session, attempt, now)
    question = _coding_question(session, attempt, question_id)
    check_language(language_ids(question.content), language)
    _check_not_busy(session, attempt.id, question_id, SubmissionPurpose.RUN)
    check_rate(session, attempt.id, limit, now)
    return _queue(
        session, attempt.id, question_id, question.id, SubmissionPurpose.RUN, source, language
    )


def request_practice_run(
    session: Session,
    *,
    token: str,
    source: str,
    language: str = DEFAULT_LANGUAGE,
    practice: PracticeTask,
    limit: RunLimit,
) -> Submission:
    """Queue the practice task's public checks: before the start too, never after the end."""
    ref = lookups.attempt_ref(session, token)
    check_source_size(source)
    check_language((DEFAULT_LANGUAGE,), language)  # the practice task is Python only
    attempt = _locked_attempt(session, ref.attempt_id)
    now = utcnow()
    lifecycle.ensure_practice_open(session, attempt, now)
    _check_not_busy(session, attempt.id, practice.id, SubmissionPurpose.PRACTICE)
    check_rate(session, attempt.id, limit, now)
    return _queue(
        session, attempt.id, practice.id, None, SubmissionPurpose.PRACTICE, source, language
    )


def _queue(
    session: Session,
    attempt_id: uuid.UUID,
    question_id: str,
    question_version_id: uuid.UUID | None,
    purpose: SubmissionPurpose,
    source: str,
    language: str,
) -> Submission:
    """Commit a queued run; the caller enqueues its id only after the commit."""
    submission = Submission(
        attempt_id=attempt_id,
        question_id=question_id,
        question_version_id=question_version_id,
        purpose=purpose,
        source=source,
        language=language,
        status=SubmissionStatus.QUEUED,
    )
    session.add(submission)
    session.commit()
    return submission


def practice_task(session: Session, *, token: str, practice: PracticeTask) -> PracticeTask:
    """The practice task, for anyone holding a valid invitation link."""
    lookups.attempt_ref(session, token)
    return practice


def get_run(session: Session, *, token: str, run_id: uuid.UUID) -> Submission:
    """A run of this attempt; another attempt's run, or a final submission, is not found."""
    ref = lookups.attempt_ref(session, token)
    run = session.get(Submission, run_id)
    if run is None or run.attempt_id != ref.attempt_id or run.purpose not in CANDIDATE_RUNS:
        raise RunNotFoundError(f"No run {run_id}.")
    return run


def check_rate(session: Session, attempt_id: uuid.UUID, limit: RunLimit, now: datetime) -> None:
    """Refuse a run when the attempt already made `limit.runs` in the sliding window."""
    since = now - limit.window
    count, oldest = session.execute(
        select(func.count(), func.min(Submission.created_at)).where(
            Submission.attempt_id == attempt_id,
            Submission.purpose.in_(CANDIDATE_RUNS),
            Submission.created_at > since,
        )
    ).one()
    if count >= limit.runs:
        # Sliding window: the next run is possible once the oldest run in it has aged out.
        # min() over a window of exactly `runs` rows is that run; with more (a race let one
        # through), waiting for the oldest to age out is still the earliest it can help.
        raise RunRateLimitedError(limit, oldest + limit.window, now)


def _locked_attempt(session: Session, attempt_id: uuid.UUID) -> Attempt:
    # Lock the attempt row until commit, so two run requests at once cannot both pass the
    # in-progress and rate checks (PostgreSQL; SQLite's BEGIN IMMEDIATE serializes writers).
    attempt = session.get(Attempt, attempt_id, with_for_update=True, populate_existing=True)
    assert attempt is not None, "a resolved token always names an attempt"
    return attempt


def _check_not_busy(
    session: Session, attempt_id: uuid.UUID, question_id: str, purpose: SubmissionPurpose
) -> None:
    busy = session.scalar(
        select(Submission.id).where(
            Submission.attempt_id == attempt_id,
            Submission.question_id == question_id,
            Submission.purpose == purpose,
            Submission.status.in_([SubmissionStatus.QUEUED, SubmissionStatus.RUNNING]),
        )
    )
    if busy is not None:
        raise RunInProgressError("Wait for the current run to finish.", run_id=str(busy))


def _coding_question(session: Session, attempt: Attempt, question_id: str) -> QuestionVersion:
    question = session.scalar(
        select(QuestionVersion)
        .join(AttemptItem, AttemptItem.question_version_id == QuestionVersion.id)
        .where(
            AttemptItem.attempt_id == attempt.id,
            QuestionVersion.question_id == question_id,
        )
    )
    if question is None:
        raise QuestionNotFoundError(f"The assessment has no question {question_id!r}.")
    if question.kind != "coding":
        raise NotACodingQuestionError(f"{question_id!r} is a {question.kind} question.")
    return question
