"""An attempt expires at its deadline with no request, and its events go out at once."""

from __future__ import annotations

import uuid
from datetime import timedelta

import httpx
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from app.attempts.expiry import expire_due
from app.models import Attempt, AttemptStatus
from app.sealing import Sealer
from app.webhooks.delivery import deliver_due
from tests.queues import InlineQueue
from tests.webhooks.conftest import Org
from tests.webhooks.flow import add_endpoint, invite
from tests.webhooks.receiver import webhook_receiver


def test_the_sweeper_expires_an_attempt_at_its_deadline(
    sealer: Sealer,
    api: TestClient,
    org: Org,
    session: Session,
    sessions: sessionmaker[Session],
    queue: InlineQueue,
    outbound: httpx.Client,
) -> None:
    with webhook_receiver() as receiver:
        endpoint = add_endpoint(
            api, org.headers, receiver.url, event_types=["attempt.expired", "attempt.graded"]
        )
        receiver.secret = endpoint["secret"]
        token = invite(api, org.headers, org.assessment_id)
        started = api.post(f"/api/v1/take/{token}/start").json()
        api.put(f"/api/v1/take/{token}/answers/hooks-one", json={"response": {"choice": "a"}})
        attempt = session.get_one(Attempt, uuid.UUID(started["attempt_id"]))
        assert attempt.deadline is not None
        deadline = attempt.deadline

        assert expire_due(sessions, queue, now=deadline - timedelta(seconds=1), reads=sessions) == 0
        assert expire_due(sessions, queue, now=deadline) == 1
        assert expire_due(sessions, queue, now=deadline) == 0  # once
        session.refresh(attempt)
        assert attempt.status == AttemptStatus.EXPIRED
        assert attempt.submitted_at == deadline
        assert attempt.graded_at is not None

        assert deliver_due(sessions, outbound, sealer=sealer) == 2
    events = list(receiver.processed.values())
    assert [e["type"] for e in events] == ["attempt.expired", "attempt.graded"]
    assert events[0]["data"]["status"] == "expired"
    assert events[1]["data"]["score"] == 1.0  # the saved answer counted


def test_a_request_after_the_sweep_sees_the_expired_attempt(
    api: TestClient, org: Org, session: Session, sessions: sessionmaker[Session], queue: InlineQueue
) -> None:
    token = invite(api, org.headers, org.assessment_id)
    started = api.post(f"/api/v1/take/{token}/start").json()
    attempt = session.get_one(Attempt, uuid.UUID(started["attempt_id"]))
    assert attempt.deadline is not None
    assert expire_due(sessions, queue, now=attempt.deadline + timedelta(minutes=1)) == 1
    session.expire_all()  # the sweeper wrote on its own session; requests here share this one
    late = api.put(f"/api/v1/take/{token}/answers/hooks-one", json={"response": {"choice": "b"}})
    assert late.status_code == 409
    assert late.json()["type"] == "/problems/attempt-expired"
