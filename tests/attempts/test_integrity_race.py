"""Concurrent event batches never store more than the per-attempt cap.

The per-test transaction cannot show a race (one connection), so this test commits its own rows
on separate connections, sends two batches at once from two threads, and deletes what it made.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, delete, func, select
from sqlalchemy.orm import Session

from app.attempts import integrity
from app.attempts.integrity import MAX_STORED_PER_ATTEMPT, EventType, NewEvent, Recorded
from app.db import utcnow
from app.models import (
    ApiKey,
    Assessment,
    AssessmentItem,
    Attempt,
    AttemptStatus,
    Candidate,
    IntegrityEvent,
    Invitation,
    Organization,
    QuestionVersion,
)
from tests import factories


@pytest.fixture
def committed(engine: Engine) -> Iterator[dict[str, Any]]:
    qid = f"race-{uuid.uuid4().hex[:8]}"
    with Session(engine) as session:
        org = factories.make_org(session, "Race")
        question = factories.make_question(session, factories.single_choice(qid, "chain_rule"))
        assessment = factories.make_assessment(session, org.organization, [question])
        invitation = factories.make_invitation(session, org.organization, assessment)
        attempt = invitation.attempt
        now = utcnow()
        attempt.status = AttemptStatus.STARTED
        attempt.started_at, attempt.deadline = now, now + timedelta(minutes=30)
        # 50 events short of the cap, so two batches of 40 straddle it.
        attempt.events_received = MAX_STORED_PER_ATTEMPT - 50
        ids = {
            "org": org.organization.id,
            "assessment": assessment.id,
            "question": question.id,
            "attempt": attempt.id,
            "invitation": invitation.invitation.id,
            "candidate": attempt.candidate_id,
        }
        session.commit()
    yield {"token": invitation.token, **ids}
    with Session(engine) as session:
        session.execute(delete(IntegrityEvent).where(IntegrityEvent.attempt_id == ids["attempt"]))
        session.execute(delete(Attempt).where(Attempt.id == ids["attempt"]))
        session.execute(delete(Invitation).where(Invitation.id == ids["invitation"]))
        session.execute(delete(Candidate).where(Candidate.id == ids["candidate"]))
        session.execute(
            delete(AssessmentItem).where(AssessmentItem.assessment_id == ids["assessment"])
        )
        session.execute(delete(Assessment).where(Assessment.id == ids["assessment"]))
        session.execute(delete(QuestionVersion).where(QuestionVersion.id == ids["question"]))
        session.execute(delete(ApiKey).where(ApiKey.organization_id == ids["org"]))
        session.execute(delete(Organization).where(Organization.id == ids["org"]))
        session.commit()


def test_two_batches_at_once_store_exactly_up_to_the_cap(
    engine: Engine, committed: dict[str, Any]
) -> None:
    batch = [NewEvent(EventType.COPY, utcnow(), length=1)] * 40
    start = threading.Barrier(2)
    results: list[Recorded] = []
    errors: list[BaseException] = []

    def send() -> None:
        try:
            with Session(engine) as session:
                start.wait()
                results.append(
                    integrity.record_events(session, token=committed["token"], events=batch)
                )
        except BaseException as exc:  # reported below: a thread's failure must fail the test
            errors.append(exc)

    threads = [threading.Thread(target=send) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    # Whichever batch takes the counter first stores all 40; the other gets the last 10.
    assert sorted((r.accepted, r.dropped) for r in results) == [(10, 30), (40, 0)]
    with Session(engine) as session:
        stored = session.scalar(
            select(func.count())
            .select_from(IntegrityEvent)
            .where(IntegrityEvent.attempt_id == committed["attempt"])
        )
        received = session.scalar(
            select(Attempt.events_received).where(Attempt.id == committed["attempt"])
        )
    assert stored == 50
    assert received == MAX_STORED_PER_ATTEMPT + 30
