"""Candidates' runs of the public checks: create them (committed before queueing), read them back.

Grading itself, on the worker's side, is app.grading.jobs.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.attempts import lifecycle, lookups
from app.db import utcnow
from app.errors import DomainError, NotFoundError, QuestionNotFoundError
from app.models import (
    AssessmentItem,
    Attempt,
    QuestionVersion,
    Submission,
    SubmissionPurpose,
    SubmissionStatus,
)


class RunNotFoundError(NotFoundError):
    code, title = "run-not-found", "Run not found"


class NotACodingQuestionError(DomainError):
    status, code, title = 400, "not-a-coding-question", "Only coding questions can be run"


class RunInProgressError(DomainError):
    status, code, title = 409, "run-in-progress", "A run of this question is still in progress"


def request_run(session: Session, *, token: str, question_id: str, source: str) -> Submission:
    """Queue the public checks of `source` for one coding question of a started attempt."""
    ref = lookups.attempt_ref(session, token)
    attempt = session.get(Attempt, ref.attempt_id)
    assert attempt is not None, "a resolved token always names an attempt"
    lifecycle.ensure_writable(session, attempt, utcnow())
    question = _coding_question(session, attempt, question_id)
    busy = session.scalar(
        select(Submission.id).where(
            Submission.attempt_id == attempt.id,
            Submission.question_id == question_id,
            Submission.purpose == SubmissionPurpose.RUN,
            Submission.status.in_([SubmissionStatus.QUEUED, SubmissionStatus.RUNNING]),
        )
    )
    if busy is not None:
        raise RunInProgressError("Wait for the current run to finish.", run_id=str(busy))
    submission = Submission(
        attempt_id=attempt.id,
        question_id=question_id,
        question_version_id=question.id,
        purpose=SubmissionPurpose.RUN,
        source=source,
        status=SubmissionStatus.QUEUED,
    )
    session.add(submission)
    session.commit()
    return submission


def get_run(session: Session, *, token: str, run_id: uuid.UUID) -> Submission:
    """A run of this attempt; another attempt's run is not found."""
    ref = lookups.attempt_ref(session, token)
    run = session.get(Submission, run_id)
    if run is None or run.attempt_id != ref.attempt_id or run.purpose != SubmissionPurpose.RUN:
        raise RunNotFoundError(f"No run {run_id}.")
    return run


def _coding_question(session: Session, attempt: Attempt, question_id: str) -> QuestionVersion:
    question = session.scalar(
        select(QuestionVersion)
        .join(AssessmentItem, AssessmentItem.question_version_id == QuestionVersion.id)
        .where(
            AssessmentItem.assessment_id == attempt.assessment_id,
            QuestionVersion.question_id == question_id,
        )
    )
    if question is None:
        raise QuestionNotFoundError(f"The assessment has no question {question_id!r}.")
    if question.kind != "coding":
        raise NotACodingQuestionError(f"{question_id!r} is a {question.kind} question.")
    return question
