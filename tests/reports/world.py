"""Finished attempts built row by row (answers, code history, a graded final run, events), scored
by the real scoring service: what a report reads, without running a test in a browser."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session

from app.db import utcnow
from app.models import (
    Answer,
    AnswerRevision,
    Assessment,
    Attempt,
    AttemptStatus,
    IntegrityEvent,
    Organization,
    QuestionVersion,
    Submission,
    SubmissionPurpose,
    SubmissionStatus,
)
from app.scoring.service import CodingResult, score_attempt
from tests.factories import coding, make_assessment, make_question, single_choice

XSS_NAME = "<script>alert(1)</script>"
XSS_CODE = "</textarea><img src=x onerror=alert(1)>"


@dataclass
class Taken:
    """What the candidate did: a choice, the code's revisions, the graded share, events."""

    name: str = "Ada Candidate"
    email: str | None = None  # None keeps the e-mail it was invited with
    choice: str | None = "a"
    revisions: list[str] = field(default_factory=lambda: ["def f(x):\n    return x\n"])
    fraction: float = 1.0
    checks: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)


def report_assessment(session: Session, organization: Organization) -> Assessment:
    """One choice question (chain rule) and one coding task (backward pass)."""
    tag = uuid.uuid4().hex[:8]  # question ids are global: one set per assessment
    choice = make_question(session, single_choice(f"pick-{tag}", "chain_rule", answer="a"))
    code = make_question(session, coding(f"code-{tag}", "backward_pass"))
    return make_assessment(session, organization, [choice, code])


def finish_attempt(session: Session, attempt: Attempt, taken: Taken) -> Attempt:
    """Save the answers and code history, record a graded final run and events, then score."""
    start = utcnow() - timedelta(minutes=20)
    attempt.candidate.name = taken.name
    attempt.candidate.email = taken.email or attempt.candidate.email
    attempt.candidate_name = taken.name
    attempt.status, attempt.started_at = AttemptStatus.SUBMITTED, start
    attempt.deadline, attempt.submitted_at = (
        start + timedelta(minutes=30),
        start + timedelta(minutes=12),
    )
    choice_q, code_q = _questions(attempt)
    if taken.choice is not None:
        session.add(_answer(attempt, choice_q, {"choice": taken.choice}, 1, start))
    for n, source in enumerate(taken.revisions, start=1):
        session.add(
            AnswerRevision(
                attempt_id=attempt.id,
                question_id=code_q.question_id,
                slot=n - 1,
                seq=n,
                revision=n,
                source=source,
                saved_at=start + timedelta(minutes=n),
            )
        )
    final = taken.revisions[-1]
    session.add(_answer(attempt, code_q, {"source": final}, len(taken.revisions), start))
    report = {
        "verdict": "passed" if taken.fraction == 1 else "failed",
        "score": taken.fraction * code_q.points,
        "max_score": code_q.points,
        "message": "All checks passed." if taken.fraction == 1 else "Some checks failed.",
        "checks": taken.checks,
        "hidden": {"total": 0, "passed": 0, "failed": 0},
        "seconds": 0.25,
    }
    session.add(
        Submission(
            attempt_id=attempt.id,
            question_id=code_q.question_id,
            question_version_id=code_q.id,
            purpose=SubmissionPurpose.FINAL,
            source=final,
            status=SubmissionStatus.GRADED,
            verdict=report["verdict"],
            score=report["score"],
            max_score=code_q.points,
            report=report,
            candidate_report=report,
            graded_at=utcnow(),
        )
    )
    for e in taken.events:
        session.add(IntegrityEvent(attempt_id=attempt.id, received_at=utcnow(), **e))
    session.flush()
    result = CodingResult(taken.fraction, str(report["verdict"]), str(report["verdict"]), report)
    score_attempt(session, attempt, {code_q.question_id: result})
    session.flush()
    return attempt


def _questions(attempt: Attempt) -> tuple[QuestionVersion, QuestionVersion]:
    items = sorted(attempt.assessment.items, key=lambda i: i.position)
    return items[0].question, items[1].question


def _answer(
    attempt: Attempt, q: QuestionVersion, response: dict[str, Any], rev: int, at: Any
) -> Answer:
    return Answer(
        attempt_id=attempt.id,
        question_id=q.question_id,
        response=response,
        revision=rev,
        updated_at=at,
    )
