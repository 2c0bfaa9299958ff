"""Runs of the public checks: size counted in bytes, and a rate limit per attempt."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.bank.sync import sync_bank
from app.db import utcnow
from app.deps import get_app_settings
from app.grading.tasks import coding_payloads
from app.models import Answer, QuestionVersion, Submission, SubmissionPurpose, SubmissionStatus
from app.settings import REPO_ROOT, Settings
from tests import factories
from tests.problems import assert_problem

CODING = REPO_ROOT / "question_bank" / "coding"


@pytest.fixture
def world(session: Session, client: TestClient) -> dict[str, Any]:
    [payload] = [p for p in coding_payloads(CODING) if p.question_id == "affine"]
    sync_bank(session, [payload])
    coding = session.scalar(select(QuestionVersion).where(QuestionVersion.question_id == "affine"))
    assert coding is not None
    org = factories.make_org(session)
    assessment = factories.make_assessment(session, org.organization, [coding])
    invitation = factories.make_invitation(session, org.organization, assessment)
    assert client.post(f"/api/v1/take/{invitation.token}/start").status_code == 200
    return {
        "token": invitation.token,
        "attempt_id": invitation.attempt.id,
        "version_id": coding.id,
        "run": f"/api/v1/take/{invitation.token}/answers/affine/run",
        "put": f"/api/v1/take/{invitation.token}/answers/affine",
    }


def _runs(session: Session, attempt_id: uuid.UUID) -> int:
    return int(
        session.scalar(
            select(func.count()).select_from(Submission).where(Submission.attempt_id == attempt_id)
        )
        or 0
    )


def _past_runs(session: Session, world: dict[str, Any], ages: list[timedelta]) -> None:
    now = utcnow()
    session.add_all(
        Submission(
            attempt_id=world["attempt_id"],
            question_id="affine",
            question_version_id=world["version_id"],
            purpose=SubmissionPurpose.RUN,
            source="x = 1",
            status=SubmissionStatus.GRADED,
            created_at=now - age,
        )
        for age in ages
    )
    session.flush()


def test_run_over_the_limit_in_bytes_is_413_and_queues_nothing(
    client: TestClient, session: Session, world: dict[str, Any]
) -> None:
    # 40,000 characters but 80,000 bytes: counted as stored, in UTF-8.
    body = assert_problem(
        client.post(world["run"], json={"source": "é" * 40_000}), 413, "answer-too-large"
    )
    assert "64 KiB" in body["detail"]
    assert body["size_bytes"] == 80_000
    assert _runs(session, world["attempt_id"]) == 0


def test_run_at_the_limit_is_accepted(client: TestClient, world: dict[str, Any]) -> None:
    response = client.post(world["run"], json={"source": "#" * (64 * 1024)})
    assert response.status_code == 202, response.text


def test_put_over_the_limit_is_413_and_keeps_the_previous_revision(
    client: TestClient, session: Session, world: dict[str, Any]
) -> None:
    saved = client.put(world["put"], json={"response": {"source": "def f(): pass\n"}})
    assert saved.json()["revision"] == 1
    too_big = client.put(
        world["put"], json={"response": {"source": "€" * 30_000}, "base_revision": 1}
    )
    body = assert_problem(too_big, 413, "answer-too-large")
    assert "64 KiB" in body["detail"]
    session.expire_all()
    answer = session.scalar(select(Answer).where(Answer.attempt_id == world["attempt_id"]))
    assert answer is not None
    assert (answer.revision, answer.response) == (
        1,
        {"source": "def f(): pass\n", "language": "python"},
    )


def test_lone_surrogate_is_422_not_a_crash(client: TestClient, world: dict[str, Any]) -> None:
    raw = b'{"response": {"source": "x = \\"\\ud800\\""}}'
    response = client.put(world["put"], content=raw, headers={"Content-Type": "application/json"})
    # Refused by the schema layer, which checks every string of every body (app.api.text).
    assert "surrogate" in assert_problem(response, 422, "invalid-request")["detail"]
    run = client.post(
        world["run"], content=b'{"source": "\\udfff"}', headers={"Content-Type": "application/json"}
    )
    assert_problem(run, 422, "invalid-request")


def test_runs_past_the_rate_limit_get_429_with_retry_after(
    client: TestClient, session: Session, world: dict[str, Any]
) -> None:
    # Ten runs in the last five minutes, the oldest four minutes ago: one more minute to wait.
    _past_runs(session, world, [timedelta(minutes=4)] + [timedelta(seconds=10)] * 9)
    response = client.post(world["run"], json={"source": "x = 1"})
    body = assert_problem(response, 429, "run-rate-limited")
    retry_after = int(response.headers["retry-after"])
    assert 55 <= retry_after <= 60
    assert body["retry_after"] == retry_after
    assert "10 times in 5 minutes" in body["detail"]
    assert f"in {retry_after} seconds" in body["detail"]
    assert _runs(session, world["attempt_id"]) == 10


def test_runs_older_than_the_window_do_not_count(
    client: TestClient, session: Session, world: dict[str, Any]
) -> None:
    _past_runs(session, world, [timedelta(minutes=5, seconds=5)] * 10 + [timedelta(minutes=1)] * 9)
    response = client.post(world["run"], json={"source": "x = 1"})
    assert response.status_code == 202, response.text


def test_rate_limit_counts_real_runs(
    app: FastAPI, client: TestClient, settings: Settings, world: dict[str, Any]
) -> None:
    app.dependency_overrides[get_app_settings] = lambda: settings.model_copy(
        update={"run_limit": 2}
    )
    source = (CODING / "affine" / "reference.py").read_text()
    for _ in range(2):
        run = client.post(world["run"], json={"source": source})
        assert run.status_code == 202, run.text
        graded = client.get(f"/api/v1/take/{world['token']}/runs/{run.json()['run_id']}")
        assert graded.json()["verdict"] == "passed"
    third = client.post(world["run"], json={"source": source})
    body = assert_problem(third, 429, "run-rate-limited")
    assert "2 times in 5 minutes" in body["detail"]
