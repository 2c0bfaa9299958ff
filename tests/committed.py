"""A started attempt committed on its own connections, for tests of concurrent requests.

The per-test transaction cannot show a race (everything runs on one connection), so these tests
commit their rows, run requests on separate connections, and delete what they made.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import Engine, delete
from sqlalchemy.orm import Session

from app.db import utcnow
from app.models import (
    ApiKey,
    Assessment,
    AssessmentItem,
    Attempt,
    AttemptItem,
    AttemptStatus,
    Candidate,
    IntegrityEvent,
    Invitation,
    Organization,
    QuestionVersion,
    Submission,
)
from tests import factories


@dataclass(frozen=True)
class CommittedAttempt:
    token: str
    attempt_id: uuid.UUID
    question_ids: list[str]


@contextmanager
def committed_attempt(
    engine: Engine, contents: list[dict[str, Any]], **attempt_values: Any
) -> Iterator[CommittedAttempt]:
    """Commit an org, an assessment of `contents` and a started attempt; delete them after."""
    with Session(engine) as session:
        org = factories.make_org(session, "Concurrent")
        questions = [factories.make_question(session, c) for c in contents]
        assessment = factories.make_assessment(session, org.organization, questions)
        invitation = factories.make_invitation(session, org.organization, assessment)
        attempt = invitation.attempt
        now = utcnow()
        attempt.status = AttemptStatus.STARTED
        attempt.started_at, attempt.deadline = now, now + timedelta(minutes=30)
        for key, value in attempt_values.items():
            setattr(attempt, key, value)
        ids = (
            org.organization.id,
            assessment.id,
            [q.id for q in questions],
            attempt.id,
            invitation.invitation.id,
            attempt.candidate_id,
        )
        session.commit()
    org_id, assessment_id, version_ids, attempt_id, invitation_id, candidate_id = ids
    try:
        yield CommittedAttempt(invitation.token, attempt_id, [c["id"] for c in contents])
    finally:
        with Session(engine) as session:
            for model in (IntegrityEvent, Submission, AttemptItem):
                session.execute(delete(model).where(model.attempt_id == attempt_id))
            session.execute(delete(Attempt).where(Attempt.id == attempt_id))
            session.execute(delete(Invitation).where(Invitation.id == invitation_id))
            session.execute(delete(Candidate).where(Candidate.id == candidate_id))
            session.execute(
                delete(AssessmentItem).where(AssessmentItem.assessment_id == assessment_id)
            )
            session.execute(delete(Assessment).where(Assessment.id == assessment_id))
            session.execute(delete(QuestionVersion).where(QuestionVersion.id.in_(version_ids)))
            session.execute(delete(ApiKey).where(ApiKey.organization_id == org_id))
            session.execute(delete(Organization).where(Organization.id == org_id))
            session.commit()
