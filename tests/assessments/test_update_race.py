"""Two updates carrying the same ETag at once: one wins, the other is refused with 412.

Without the row lock both read the same state, both pass the If-Match check and the second
silently overwrites the first. The first update is held just before its commit while the
second arrives, which is the moment the lost update needs.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, delete, event
from sqlalchemy.orm import Session

from app.main import create_app
from app.models import ApiKey, Assessment, AssessmentItem, Organization, QuestionVersion
from app.settings import Settings
from tests import factories


@pytest.fixture
def committed(engine: Engine) -> Iterator[tuple[str, uuid.UUID]]:
    with Session(engine) as session:
        org = factories.make_org(session, "Race")
        question = factories.make_question(
            session, factories.single_choice(f"race-{uuid.uuid4().hex[:8]}", "chain_rule")
        )
        assessment = factories.make_assessment(session, org.organization, [question])
        ids = (org.organization.id, assessment.id, question.id)
        session.commit()
        key = org.api_key
    org_id, assessment_id, version_id = ids
    try:
        yield key, assessment_id
    finally:
        with Session(engine) as session:
            session.execute(
                delete(AssessmentItem).where(AssessmentItem.assessment_id == assessment_id)
            )
            session.execute(delete(Assessment).where(Assessment.id == assessment_id))
            session.execute(delete(QuestionVersion).where(QuestionVersion.id == version_id))
            session.execute(delete(ApiKey).where(ApiKey.organization_id == org_id))
            session.execute(delete(Organization).where(Organization.id == org_id))
            session.commit()


def test_two_patches_with_one_etag_one_wins_the_other_gets_412(
    settings: Settings, engine: Engine, committed: tuple[str, uuid.UUID]
) -> None:
    key, assessment_id = committed
    headers = {"Authorization": f"Bearer {key}"}
    url = f"/api/v1/assessments/{assessment_id}"
    first_at_commit, release = threading.Event(), threading.Event()
    held: list[bool] = []

    def hold_the_first(session: Session) -> None:
        changing = any(isinstance(o, Assessment) for o in session.dirty)
        if changing and not held:
            held.append(True)
            first_at_commit.set()
            release.wait(10)

    statuses: dict[int, int] = {}
    errors: list[BaseException] = []

    def patch(http: TestClient, minutes: int, etag: str) -> None:
        try:
            sent = http.patch(
                url, json={"time_limit_minutes": minutes}, headers={**headers, "If-Match": etag}
            )
            statuses[minutes] = sent.status_code
        except BaseException as exc:  # reported below: a thread's failure must fail the test
            errors.append(exc)

    event.listen(Session, "before_commit", hold_the_first)
    try:
        with TestClient(create_app(settings)) as http:
            etag = http.get(url, headers=headers).headers["ETag"]
            first = threading.Thread(target=patch, args=(http, 45, etag))
            first.start()
            assert first_at_commit.wait(10)
            second = threading.Thread(target=patch, args=(http, 50, etag))
            second.start()
            time.sleep(0.5)  # the second reaches its read of the row meanwhile
            release.set()
            for thread in (first, second):
                thread.join(timeout=30)
            final: Any = http.get(url, headers=headers).json()
    finally:
        event.remove(Session, "before_commit", hold_the_first)
    assert errors == []
    assert statuses == {45: 200, 50: 412}
    assert final["time_limit_minutes"] == 45
