"""With coding work, attempt.graded waits for the judge, then goes out once with the final score."""

from __future__ import annotations

import uuid
from contextlib import nullcontext

import httpx
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.bank.sync import sync_bank
from app.grading import service as grading
from app.grading.tasks import coding_payloads
from app.models import QuestionVersion
from app.sealing import Sealer
from app.settings import REPO_ROOT
from app.webhooks.delivery import deliver_due
from sandbox import Runner
from tests import factories
from tests.webhooks.flow import add_endpoint
from tests.webhooks.receiver import webhook_receiver

AFFINE = REPO_ROOT / "question_bank" / "coding" / "affine"


class HeldQueue:
    """Keeps what is queued until the test grades it, as a busy judge would."""

    def __init__(self) -> None:
        self.held: list[uuid.UUID] = []

    def enqueue(self, submission_id: uuid.UUID, *, final: bool) -> None:  # noqa: ARG002
        self.held.append(submission_id)


def test_graded_goes_out_after_the_judge_and_only_once(
    sealer: Sealer,
    api: TestClient,
    loopback_app: FastAPI,
    session: Session,
    sessions: sessionmaker[Session],
    outbound: httpx.Client,
    judge: Runner,
) -> None:
    [payload] = [p for p in coding_payloads(AFFINE.parent) if p.question_id == "affine"]
    sync_bank(session, [payload])
    coding = session.scalar(select(QuestionVersion).where(QuestionVersion.question_id == "affine"))
    assert coding is not None
    org = factories.make_org(session)
    assessment = factories.make_assessment(session, org.organization, [coding])
    headers = {"Authorization": f"Bearer {org.api_key}"}
    queue = HeldQueue()
    loopback_app.state.grading_queue = queue

    with webhook_receiver() as receiver:
        endpoint = add_endpoint(
            api, headers, receiver.url, event_types=["attempt.submitted", "attempt.graded"]
        )
        receiver.secret = endpoint["secret"]
        invitation = factories.make_invitation(session, org.organization, assessment)
        token = invitation.token
        api.post(f"/api/v1/take/{token}/start")
        reference = (AFFINE / "reference.py").read_text()
        api.put(f"/api/v1/take/{token}/answers/affine", json={"response": {"source": reference}})
        assert api.post(f"/api/v1/take/{token}/submit").status_code == 200

        assert (
            deliver_due(sessions, outbound, sealer=sealer) == 1
        )  # submitted; the code is still waiting
        assert [e["type"] for e in receiver.processed.values()] == ["attempt.submitted"]

        own_session = lambda: nullcontext(session)  # noqa: E731 (a one-line scope)
        (submission_id,) = queue.held
        while grading.grade_submission(own_session, judge, submission_id):
            pass
        # Grading the same submission again (a redelivered job) changes nothing and sends nothing.
        assert grading.grade_submission(own_session, judge, submission_id) is False
        assert deliver_due(sessions, outbound, sealer=sealer) == 1
        assert deliver_due(sessions, outbound, sealer=sealer) == 0

    graded = list(receiver.processed.values())[-1]
    assert graded["type"] == "attempt.graded"
    assert graded["data"]["score"] == graded["data"]["max_score"] == coding.points
