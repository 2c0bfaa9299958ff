"""What the candidate page reads: server time, the assessment summary, flags and the result."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.attempts import answers, lifecycle
from app.attempts import service as attempts
from app.db import utcnow
from app.models import Attempt, AttemptStatus, QuestionFlag
from tests import factories
from tests.problems import assert_problem


@pytest.fixture
def world(session: Session) -> dict[str, Any]:
    org = factories.make_org(session)
    questions = [
        factories.make_question(session, factories.single_choice("ov-one", "loss_functions")),
        factories.make_question(session, factories.single_choice("ov-two", "forward_pass")),
        factories.make_question(session, factories.coding("ov-code", "backward_pass")),
    ]
    assessment = factories.make_assessment(
        session, org.organization, questions, candidates_see_results=True
    )
    invitation = factories.make_invitation(session, org.organization, assessment)
    return {"token": invitation.token, "attempt_id": invitation.attempt.id, "org": org}


def test_overview_carries_server_time_and_the_assessment_summary(
    client: TestClient, world: dict[str, Any]
) -> None:
    before = utcnow()
    response = client.get(f"/api/v1/take/{world['token']}")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    server_time = datetime.fromisoformat(body["server_time"])
    assert server_time.utcoffset() == timedelta(0)
    assert before <= server_time <= utcnow()
    assert body["assessment"] == {
        "title": body["assessment"]["title"],
        "time_limit_minutes": 30,
        "question_count": 3,
        "skills": ["forward_pass", "loss_functions", "backward_pass"],  # taxonomy order
        "concept_count": 2,
        "coding_count": 1,
        "candidates_see_results": True,
    }
    assert body["flagged"] == []
    assert body["result"] is None


def test_flags_persist_and_clear(client: TestClient, world: dict[str, Any]) -> None:
    token = world["token"]
    client.post(f"/api/v1/take/{token}/start")
    for question_id in ("ov-code", "ov-one", "ov-code"):  # the repeat is a no-op
        response = client.put(f"/api/v1/take/{token}/flags/{question_id}", json={"flagged": True})
        assert response.status_code == 200, response.text
        assert response.json() == {"question_id": question_id, "flagged": True}
    assert client.get(f"/api/v1/take/{token}").json()["flagged"] == ["ov-code", "ov-one"]

    cleared = client.put(f"/api/v1/take/{token}/flags/ov-code", json={"flagged": False})
    assert cleared.json() == {"question_id": "ov-code", "flagged": False}
    assert client.get(f"/api/v1/take/{token}").json()["flagged"] == ["ov-one"]
    # Clearing what is not flagged is a no-op too.
    assert (
        client.put(f"/api/v1/take/{token}/flags/ov-two", json={"flagged": False}).status_code == 200
    )


@pytest.mark.parametrize("body", [{"flagged": "yes"}, {}, {"flagged": True, "note": "x"}])
def test_malformed_flag_is_422_and_stores_nothing(
    client: TestClient, session: Session, world: dict[str, Any], body: dict[str, Any]
) -> None:
    token = world["token"]
    client.post(f"/api/v1/take/{token}/start")
    response = client.put(f"/api/v1/take/{token}/flags/ov-one", json=body)
    assert_problem(response, 422, "invalid-request")
    assert session.scalars(select(QuestionFlag)).all() == []


def test_flag_of_an_unknown_question_is_404(client: TestClient, world: dict[str, Any]) -> None:
    token = world["token"]
    client.post(f"/api/v1/take/{token}/start")
    response = client.put(f"/api/v1/take/{token}/flags/nope", json={"flagged": True})
    assert_problem(response, 404, "question-not-found")


def test_flag_before_start_and_after_submit_is_refused(
    client: TestClient, world: dict[str, Any]
) -> None:
    token = world["token"]
    url = f"/api/v1/take/{token}/flags/ov-one"
    assert_problem(client.put(url, json={"flagged": True}), 409, "attempt-not-started")
    client.post(f"/api/v1/take/{token}/start")
    client.put(url, json={"flagged": True})
    client.post(f"/api/v1/take/{token}/submit")
    assert_problem(client.put(url, json={"flagged": False}), 409, "attempt-submitted")
    assert client.get(f"/api/v1/take/{token}").json()["flagged"] == ["ov-one"]


def test_result_is_shown_after_submit_when_the_assessment_allows_it(
    client: TestClient, session: Session
) -> None:
    org = factories.make_org(session)
    q = factories.make_question(session, factories.single_choice("ov-res", "chain_rule"))
    shown = factories.make_assessment(session, org.organization, [q], candidates_see_results=True)
    hidden = factories.make_assessment(session, org.organization, [q])
    bodies = {}
    for name, assessment in (("shown", shown), ("hidden", hidden)):
        token = factories.make_invitation(session, org.organization, assessment).token
        client.post(f"/api/v1/take/{token}/start")
        assert client.get(f"/api/v1/take/{token}").json()["result"] is None, "not before the end"
        client.put(f"/api/v1/take/{token}/answers/ov-res", json={"response": {"choice": "b"}})
        bodies[name] = client.post(f"/api/v1/take/{token}/submit").json()
    assert bodies["shown"]["result"] == {
        "score": 1.0,
        "max_score": 1.0,
        "per_skill": {"chain_rule": {"score": 1.0, "max_score": 1.0}},
    }
    assert bodies["hidden"]["result"] is None


def test_result_waits_until_the_code_is_graded(session: Session, world: dict[str, Any]) -> None:
    token = world["token"]
    attempts.start(session, token=token)

    answers.save_answer(
        session,
        token=token,
        question_id="ov-code",
        response={"source": "x = 1"},
        base_revision=None,
    )
    attempt = session.get(Attempt, world["attempt_id"])
    assert attempt is not None
    # Closed without a queue: the final submission stays queued, so the code is pending.
    assert lifecycle.close(session, attempt, status=AttemptStatus.SUBMITTED, at=utcnow())
    assert attempt.score is not None
    assert attempts.visible_result(attempt) is None
    attempt.score.per_question = [{**q, "status": "passed"} for q in attempt.score.per_question]
    assert attempts.visible_result(attempt) is attempt.score


def test_assessment_create_takes_candidates_see_results(
    client: TestClient, session: Session, world: dict[str, Any]
) -> None:
    auth = {"Authorization": f"Bearer {world['org'].api_key}"}
    created = client.post(
        "/api/v1/assessments",
        json={
            "title": "Shown",
            "question_ids": ["ov-one"],
            "time_limit_minutes": 10,
            "candidates_see_results": True,
        },
        headers=auth,
    )
    assert created.status_code == 201, created.text
    assert created.json()["candidates_see_results"] is True
    default = client.post(
        "/api/v1/assessments",
        json={"title": "Default", "question_ids": ["ov-one"], "time_limit_minutes": 10},
        headers=auth,
    )
    assert default.json()["candidates_see_results"] is False
