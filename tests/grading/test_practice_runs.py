"""The practice task: shown and run before the start with the real judge, never scored."""

from __future__ import annotations

import uuid
from contextlib import nullcontext
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db import utcnow
from app.grading import service as grading
from app.models import Attempt, Invitation, Submission, SubmissionPurpose, SubmissionStatus
from app.settings import Settings
from sandbox import Runner
from tests import factories
from tests.problems import assert_problem


@pytest.fixture
def world(session: Session) -> dict[str, Any]:
    org = factories.make_org(session)
    q = factories.make_question(session, factories.single_choice("pr-one", "chain_rule"))
    assessment = factories.make_assessment(session, org.organization, [q])
    invitation = factories.make_invitation(session, org.organization, assessment)
    return {
        "token": invitation.token,
        "attempt_id": invitation.attempt.id,
        "run": f"/api/v1/take/{invitation.token}/practice/run",
        "auth": {"Authorization": f"Bearer {org.api_key}"},
    }


def _source(settings: Settings, name: str) -> str:
    return (settings.bank_dir / "practice" / settings.practice_task / name).read_text()


def _add_runs(
    session: Session, attempt_id: uuid.UUID, count: int, status: SubmissionStatus
) -> None:
    session.add_all(
        Submission(
            attempt_id=attempt_id,
            question_id="scale",
            question_version_id=None,
            purpose=SubmissionPurpose.PRACTICE,
            source="x = 1",
            status=status,
        )
        for _ in range(count)
    )
    session.flush()


def test_practice_is_shown_before_the_start(client: TestClient, world: dict[str, Any]) -> None:
    response = client.get(f"/api/v1/take/{world['token']}/practice")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert body["id"] == "scale"
    assert body["language"] == "python"
    assert "def scale_forward(x, a)" in body["starter"]
    assert "# Practice" in body["statement"]
    assert body["functions"] == [
        "scale_forward(x, a) -> (out, cache)",
        "scale_backward(dout, cache) -> (dx, da)",
    ]
    assert "reference" not in body
    assert "np.sum(dout * x, axis=0)" not in str(body), "the solution never leaves the server"
    assert_problem(client.get("/api/v1/take/nope/practice"), 404, "invitation-not-found")


def test_practice_run_before_start_is_graded_and_never_scored(
    client: TestClient, session: Session, settings: Settings, world: dict[str, Any]
) -> None:
    started = client.post(world["run"], json={"source": _source(settings, "reference.py")})
    assert started.status_code == 202, started.text
    assert started.json()["practice"] is True
    run = client.get(f"/api/v1/take/{world['token']}/runs/{started.json()['run_id']}").json()
    assert (run["status"], run["verdict"]) == ("graded", "passed")
    assert run["question_id"] == "scale"
    assert run["report"]["hidden"]["total"] == 0, "public cases only"

    attempt = session.get(Attempt, world["attempt_id"])
    assert attempt is not None
    assert (attempt.status, attempt.started_at) == ("invited", None), "the clock never ran"

    client.post(f"/api/v1/take/{world['token']}/start")
    client.put(f"/api/v1/take/{world['token']}/answers/pr-one", json={"response": {"choice": "b"}})
    client.post(f"/api/v1/take/{world['token']}/submit")
    result = client.get(f"/api/v1/attempts/{world['attempt_id']}", headers=world["auth"]).json()
    assert (result["score"], result["max_score"]) == (1.0, 1.0)
    assert [q["question_id"] for q in result["per_question"]] == ["pr-one"]


def test_practice_starter_shows_its_verdict(
    client: TestClient, settings: Settings, world: dict[str, Any]
) -> None:
    client.post(f"/api/v1/take/{world['token']}/start")  # practice stays open during the test
    started = client.post(world["run"], json={"source": _source(settings, "starter.py")})
    assert started.status_code == 202, started.text
    run = client.get(f"/api/v1/take/{world['token']}/runs/{started.json()['run_id']}").json()
    assert run["status"] == "graded"
    assert run["verdict"] in {"rejected", "failed", "error"}
    assert run["score"] < run["max_score"]


def test_practice_after_submit_is_refused(
    client: TestClient, session: Session, world: dict[str, Any]
) -> None:
    client.post(f"/api/v1/take/{world['token']}/start")
    client.post(f"/api/v1/take/{world['token']}/submit")
    assert_problem(client.post(world["run"], json={"source": "x = 1"}), 409, "attempt-submitted")


def test_practice_with_an_expired_invitation_is_refused(
    client: TestClient, session: Session, world: dict[str, Any]
) -> None:
    attempt = session.get(Attempt, world["attempt_id"])
    assert attempt is not None
    invitation = session.get(Invitation, attempt.invitation_id)
    assert invitation is not None
    invitation.expires_at = utcnow() - timedelta(minutes=1)
    session.flush()
    response = client.post(world["run"], json={"source": "x = 1"})
    assert_problem(response, 403, "invitation-expired")


def test_one_practice_run_at_a_time(
    client: TestClient, session: Session, world: dict[str, Any]
) -> None:
    _add_runs(session, world["attempt_id"], 1, SubmissionStatus.QUEUED)
    assert_problem(client.post(world["run"], json={"source": "x = 1"}), 409, "run-in-progress")


def test_practice_runs_share_the_attempts_rate_limit(
    client: TestClient, session: Session, world: dict[str, Any]
) -> None:
    _add_runs(session, world["attempt_id"], 10, SubmissionStatus.GRADED)
    response = client.post(world["run"], json={"source": "x = 1"})
    assert_problem(response, 429, "run-rate-limited")
    assert int(response.headers["retry-after"]) > 0


def test_practice_source_is_limited_in_bytes(client: TestClient, world: dict[str, Any]) -> None:
    response = client.post(world["run"], json={"source": "é" * 40_000})
    assert_problem(response, 413, "answer-too-large")


def test_a_worker_without_the_practice_task_never_scores_it(
    session: Session, judge: Runner, world: dict[str, Any]
) -> None:
    _add_runs(session, world["attempt_id"], 1, SubmissionStatus.QUEUED)
    submission = session.scalars(
        select(Submission).where(Submission.attempt_id == world["attempt_id"])
    ).one()
    own_session = lambda: nullcontext(session)  # noqa: E731 (a one-line scope)
    while grading.grade_submission(own_session, judge, submission.id, practice=None):
        pass  # retried like any grading failure, then left to a human
    session.refresh(submission)
    assert submission.status == SubmissionStatus.GRADING_FAILED
    assert submission.error is not None
    assert "practice task 'scale' is not loaded" in submission.error
    assert (submission.verdict, submission.score) == (None, None)
