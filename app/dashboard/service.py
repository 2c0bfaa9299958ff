"""What the dashboard shows an organization: open assessments, completions, what needs a human."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.orm import Session

from app.db import utcnow
from app.models import (
    Assessment,
    Attempt,
    AttemptStatus,
    Candidate,
    Invitation,
    Score,
    Submission,
    SubmissionPurpose,
    SubmissionStatus,
)

EXPIRING_WITHIN = timedelta(days=3)


@dataclass(frozen=True)
class OpenAssessment:
    assessment_id: uuid.UUID
    title: str
    time_limit_minutes: int
    invited: int
    in_progress: int
    completed: int


@dataclass(frozen=True)
class Completion:
    attempt_id: uuid.UUID
    candidate_name: str
    candidate_email: str
    assessment_title: str
    submitted_at: datetime | None
    score: float | None  # None while grading
    max_score: float | None


@dataclass(frozen=True)
class Attention:
    kind: str  # "grading_failed" | "expiring"
    attempt_id: uuid.UUID
    candidate_name: str
    candidate_email: str
    assessment_title: str
    at: datetime  # when grading failed / when the invitation expires


@dataclass(frozen=True)
class Dashboard:
    open_assessments: list[OpenAssessment]
    completions: list[Completion]
    attention: list[Attention]


def dashboard(session: Session, *, organization_id: uuid.UUID, limit: int = 10) -> Dashboard:
    """Everything the dashboard lists for one organization, newest first, `limit` of each."""
    return Dashboard(
        _open_assessments(session, organization_id, limit),
        _completions(session, organization_id, limit),
        _grading_failed(session, organization_id, limit)
        + _expiring(session, organization_id, limit),
    )


def _open_assessments(session: Session, org: uuid.UUID, limit: int) -> list[OpenAssessment]:
    def count(status: AttemptStatus) -> ColumnElement[int]:
        return func.count(case((Attempt.status == status, 1)))

    rows = session.execute(
        select(
            Assessment.id,
            Assessment.title,
            Assessment.time_limit_minutes,
            count(AttemptStatus.INVITED),
            count(AttemptStatus.STARTED),
            count(AttemptStatus.SUBMITTED),
        )
        .outerjoin(Attempt, Attempt.assessment_id == Assessment.id)
        .where(Assessment.organization_id == org, Assessment.archived_at.is_(None))
        .group_by(Assessment.id, Assessment.title, Assessment.time_limit_minutes)
        .order_by(Assessment.created_at.desc())
        .limit(limit)
    ).all()
    return [OpenAssessment(*row) for row in rows]


def _completions(session: Session, org: uuid.UUID, limit: int) -> list[Completion]:
    rows = session.execute(
        select(
            Attempt.id,
            Attempt.candidate_name,
            Candidate.email,
            Assessment.title,
            Attempt.submitted_at,
            Score.score,
            Score.max_score,
        )
        .join(Assessment, Attempt.assessment_id == Assessment.id)
        .join(Candidate, Attempt.candidate_id == Candidate.id)
        .outerjoin(Score, Score.attempt_id == Attempt.id)
        .where(
            Assessment.organization_id == org,
            Attempt.status == AttemptStatus.SUBMITTED,
            Attempt.submitted_at.is_not(None),
        )
        .order_by(Attempt.submitted_at.desc())
        .limit(limit)
    ).all()
    return [Completion(*row) for row in rows]


def _grading_failed(session: Session, org: uuid.UUID, limit: int) -> list[Attention]:
    rows = session.execute(
        select(
            Attempt.id,
            Attempt.candidate_name,
            Candidate.email,
            Assessment.title,
            func.max(func.coalesce(Submission.graded_at, Submission.created_at)),
        )
        .join(Attempt, Submission.attempt_id == Attempt.id)
        .join(Assessment, Attempt.assessment_id == Assessment.id)
        .join(Candidate, Attempt.candidate_id == Candidate.id)
        .where(
            Assessment.organization_id == org,
            Submission.status == SubmissionStatus.GRADING_FAILED,
            Submission.purpose == SubmissionPurpose.FINAL,
        )
        .group_by(Attempt.id, Attempt.candidate_name, Candidate.email, Assessment.title)
        .limit(limit)
    ).all()
    return [Attention("grading_failed", *row) for row in rows]


def _expiring(session: Session, org: uuid.UUID, limit: int) -> list[Attention]:
    now = utcnow()
    rows = session.execute(
        select(
            Attempt.id,
            Attempt.candidate_name,
            Candidate.email,
            Assessment.title,
            Invitation.expires_at,
        )
        .join(Invitation, Attempt.invitation_id == Invitation.id)
        .join(Assessment, Attempt.assessment_id == Assessment.id)
        .join(Candidate, Attempt.candidate_id == Candidate.id)
        .where(
            Assessment.organization_id == org,
            Attempt.status == AttemptStatus.INVITED,
            Invitation.revoked_at.is_(None),
            Invitation.expires_at > now,
            Invitation.expires_at <= now + EXPIRING_WITHIN,
        )
        .order_by(Invitation.expires_at)
        .limit(limit)
    ).all()
    return [Attention("expiring", *row) for row in rows]
