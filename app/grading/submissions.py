"""Final submissions of an attempt and the coding results the scorer reads from them."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.bank.languages import DEFAULT_LANGUAGE
from app.models import (
    Answer,
    Attempt,
    AttemptItem,
    QuestionVersion,
    Submission,
    SubmissionPurpose,
    SubmissionStatus,
)
from app.scoring.service import CodingResult


def add_final_submissions(session: Session, attempt: Attempt) -> list[Submission]:
    """Queue the saved code of every coding question for final grading (not committed here)."""
    rows = session.execute(
        select(QuestionVersion, Answer)
        .join(AttemptItem, AttemptItem.question_version_id == QuestionVersion.id)
        .join(
            Answer,
            (Answer.attempt_id == attempt.id) & (Answer.question_id == QuestionVersion.question_id),
        )
        .where(AttemptItem.attempt_id == attempt.id, QuestionVersion.kind == "coding")
    ).all()
    submissions = [
        Submission(
            attempt_id=attempt.id,
            question_id=question.question_id,
            question_version_id=question.id,
            purpose=SubmissionPurpose.FINAL,
            source=answer.response["source"],
            language=answer.response.get("language", DEFAULT_LANGUAGE),
            status=SubmissionStatus.QUEUED,
        )
        for question, answer in rows
    ]
    session.add_all(submissions)
    return submissions


def coding_results(session: Session, attempt_id: uuid.UUID) -> dict[str, CodingResult]:
    """The latest final submission of each coding question, as the scorer needs it."""
    latest: dict[str, Submission] = {}
    for s in session.scalars(
        select(Submission)
        .where(Submission.attempt_id == attempt_id, Submission.purpose == SubmissionPurpose.FINAL)
        .order_by(Submission.created_at)
    ):
        latest[s.question_id] = s
    results = {}
    for question_id, s in latest.items():
        if s.status == SubmissionStatus.GRADED and s.max_score:
            results[question_id] = CodingResult(
                fraction=(s.score or 0.0) / s.max_score,
                status=s.verdict or "graded",
                verdict=s.verdict,
                report=s.report,
                language=s.language,
            )
        elif s.status == SubmissionStatus.GRADING_FAILED:
            results[question_id] = CodingResult(
                fraction=0.0, status="grading_failed", language=s.language
            )
        else:
            results[question_id] = CodingResult(fraction=0.0, status="pending", language=s.language)
    return results
