"""The served app's own background threads: an attempt expires at its deadline with no request,
and attempt.expired then attempt.graded reach a receiver, signed."""

from __future__ import annotations

import time
import uuid
from datetime import timedelta

import pytest

from app.db import utcnow
from app.models import Attempt
from tests.e2e.browser import Org, Server
from tests.webhooks.receiver import Receiver, webhook_receiver


@pytest.fixture(scope="module")
def served(hooks_and_mail_server: Server) -> Server:
    """The receiver is on 127.0.0.1: the server that may deliver there."""
    return hooks_and_mail_server


def _wait_for(receiver: Receiver, count: int, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while len(receiver.processed) < count and time.monotonic() < deadline:
        time.sleep(0.1)


def test_an_attempt_expires_on_time_and_the_receiver_hears_it(served: Server) -> None:
    org = Org(served)
    question_ids = [
        q["id"] for q in org.api.get("/questions", params={"kind": "single_choice"}).json()["items"]
    ][:2]
    assessment_id = org.assessment(question_ids, minutes=5)
    with webhook_receiver() as receiver:
        created = org.api.post(
            "/webhook-endpoints",
            json={"url": receiver.url, "event_types": ["attempt.expired", "attempt.graded"]},
        )
        assert created.status_code == 201, created.text
        receiver.secret = created.json()["secret"]
        invited = org.invite(assessment_id)
        started = org.api.post(f"/take/{invited.token}/start", headers={"Authorization": ""})
        assert started.status_code == 200, started.text
        # Time passes: the deadline is two seconds away, and nobody sends another request.
        deadline = utcnow() + timedelta(seconds=2)
        served.update(Attempt, uuid.UUID(invited.attempt_id), deadline=deadline)
        _wait_for(receiver, 2)
        heard_at = utcnow()
    events = list(receiver.processed.values())  # each verified with standardwebhooks
    assert [e["type"] for e in events] == ["attempt.expired", "attempt.graded"]
    assert events[0]["data"]["attempt_id"] == invited.attempt_id
    assert events[0]["data"]["submitted_at"] == deadline.isoformat()
    # The sweeper and the delivery loop each run every second: heard within a few seconds.
    assert heard_at - deadline < timedelta(seconds=10)
    assert org.attempt(invited.attempt_id)["status"] == "expired"
    org.api.close()
