"""Greenhouse retries send_test with no Idempotency-Key, sometimes before the first answer:
ten identical calls at once, each on its own connection, invite the candidate once."""

from __future__ import annotations

import base64
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, delete, func, select
from sqlalchemy.orm import Session

from app.models import (
    ApiKey,
    Assessment,
    AssessmentItem,
    Attempt,
    AttemptItem,
    Candidate,
    GreenhouseOrder,
    Invitation,
    Organization,
    OutboxEmail,
    QuestionVersion,
)
from app.settings import Settings
from tests import factories
from tests.live import live_server


@pytest.fixture
def committed_org(engine: Engine) -> Iterator[dict[str, Any]]:
    suffix = uuid.uuid4().hex[:8]
    with Session(engine) as session:
        org = factories.make_org(session, f"Greenhouse race {suffix}")
        question = factories.make_question(
            session, factories.single_choice(f"gh-race-{suffix}", "chain_rule")
        )
        assessment = factories.make_assessment(session, org.organization, [question])
        ids = org.organization.id, question.id, assessment.id
        session.commit()
    org_id, question_id, assessment_id = ids
    try:
        yield {"key": org.api_key, "org_id": org_id, "assessment_id": str(assessment_id)}
    finally:
        with Session(engine) as session:
            attempts = select(Attempt.id).where(Attempt.assessment_id == assessment_id)
            for model in (GreenhouseOrder, OutboxEmail):
                session.execute(delete(model).where(model.organization_id == org_id))
            session.execute(delete(AttemptItem).where(AttemptItem.attempt_id.in_(attempts)))
            session.execute(delete(Attempt).where(Attempt.assessment_id == assessment_id))
            session.execute(delete(Invitation).where(Invitation.assessment_id == assessment_id))
            session.execute(delete(Candidate).where(Candidate.organization_id == org_id))
            session.execute(
                delete(AssessmentItem).where(AssessmentItem.assessment_id == assessment_id)
            )
            session.execute(delete(Assessment).where(Assessment.id == assessment_id))
            session.execute(delete(QuestionVersion).where(QuestionVersion.id == question_id))
            session.execute(delete(ApiKey).where(ApiKey.organization_id == org_id))
            session.execute(delete(Organization).where(Organization.id == org_id))
            session.commit()


def test_ten_identical_send_tests_at_once_invite_once(
    settings: Settings, engine: Engine, committed_org: dict[str, Any]
) -> None:
    body = {
        "partner_test_id": committed_org["assessment_id"],
        "candidate": {
            "first_name": "Grace",
            "last_name": "Hopper",
            "email": "grace.race@example.com",
            "greenhouse_profile_url": "https://app.greenhouse.io/people/77",
        },
        "url": "https://app.greenhouse.io/integrations/testing_partners/take_home_tests/77",
    }
    basic = base64.b64encode(f"{committed_org['key']}:".encode()).decode()
    headers = {"Authorization": f"Basic {basic}"}
    with live_server(settings) as base, httpx.Client(base_url=base, timeout=60) as client:

        def send(_: int) -> httpx.Response:
            return client.post("/integrations/greenhouse/send_test", json=body, headers=headers)

        with ThreadPoolExecutor(max_workers=10) as pool:
            responses = list(pool.map(send, range(10)))
    assert [r.status_code for r in responses] == [200] * 10, [r.text for r in responses]
    assert len({r.json()["partner_interview_id"] for r in responses}) == 1
    org_id = committed_org["org_id"]
    with Session(engine) as session:
        for model in (GreenhouseOrder, OutboxEmail, Candidate):
            count = session.scalar(
                select(func.count()).select_from(model).where(model.organization_id == org_id)
            )
            assert count == 1, model.__name__
        invitations = session.scalar(
            select(func.count())
            .select_from(Invitation)
            .where(Invitation.assessment_id == uuid.UUID(committed_org["assessment_id"]))
        )
    assert invitations == 1
