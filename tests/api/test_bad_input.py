"""Every bad input gets a problem+json with the right status and type, and changes nothing."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.db import utcnow
from app.models import Answer, Assessment, Attempt, Invitation
from tests import factories
from tests.problems import assert_problem


def _count(session: Session, model: type) -> int:
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


def _saved(session: Session, attempt_id: uuid.UUID) -> dict[str, Any]:
    session.expire_all()
    return {
        a.question_id: a.response
        for a in session.scalars(select(Answer).where(Answer.attempt_id == attempt_id))
    }


def test_malformed_json_is_a_400_problem(client: TestClient, world: dict[str, Any]) -> None:
    response = client.post(
        "/api/v1/assessments",
        content=b'{"title": "x", ',
        headers={**world["auth"], "Content-Type": "application/json"},
    )
    assert_problem(response, 400, "malformed-request")


def test_schema_violation_is_a_422_problem(client: TestClient, world: dict[str, Any]) -> None:
    response = client.post(
        "/api/v1/assessments", json={"question_ids": ["bi-single"]}, headers=world["auth"]
    )
    body = assert_problem(response, 422, "invalid-request")
    assert any(e["loc"][-1] == "title" for e in body["errors"])


def test_unknown_question_ids_create_nothing(
    client: TestClient, session: Session, world: dict[str, Any]
) -> None:
    before = _count(session, Assessment)
    response = client.post(
        "/api/v1/assessments",
        json={"title": "t", "question_ids": ["bi-single", "nope"], "time_limit_minutes": 5},
        headers=world["auth"],
    )
    body = assert_problem(response, 400, "unknown-questions")
    assert body["question_ids"] == ["nope"]
    assert _count(session, Assessment) == before


def test_duplicate_question_ids_are_refused(client: TestClient, world: dict[str, Any]) -> None:
    response = client.post(
        "/api/v1/assessments",
        json={"title": "t", "question_ids": ["bi-single", "bi-single"], "time_limit_minutes": 5},
        headers=world["auth"],
    )
    assert_problem(response, 400, "duplicate-questions")


@pytest.mark.parametrize("header", [None, "Bearer cr_nope_nope", "Basic abc"])
def test_missing_or_unknown_api_key_is_401(
    client: TestClient, world: dict[str, Any], header: str | None
) -> None:
    headers = {"Authorization": header} if header else {}
    response = client.get(f"/api/v1/assessments/{world['assessment'].id}", headers=headers)
    assert_problem(response, 401, "unauthorized")
    assert response.headers["www-authenticate"] == "Bearer"


def test_another_orgs_key_sees_nothing(
    client: TestClient, session: Session, world: dict[str, Any]
) -> None:
    other = factories.make_org(session, "Other")
    auth = {"Authorization": f"Bearer {other.api_key}"}
    assessment_id = world["assessment"].id
    assert_problem(
        client.get(f"/api/v1/assessments/{assessment_id}", headers=auth),
        404,
        "assessment-not-found",
    )
    assert_problem(
        client.get(f"/api/v1/assessments/{assessment_id}/results", headers=auth),
        404,
        "assessment-not-found",
    )
    assert_problem(
        client.post(
            f"/api/v1/assessments/{assessment_id}/invitations",
            json={"candidate": {"email": "a@b.co", "name": "A"}},
            headers=auth,
        ),
        404,
        "assessment-not-found",
    )
    assert_problem(
        client.get(f"/api/v1/attempts/{world['attempt_id']}", headers=auth),
        404,
        "attempt-not-found",
    )
    assert client.get("/api/v1/assessments", headers=auth).json()["items"] == []


def test_unknown_token_is_404(client: TestClient) -> None:
    assert_problem(client.get("/api/v1/take/not-a-token"), 404, "invitation-not-found")
    assert_problem(client.post("/api/v1/take/not-a-token/start"), 404, "invitation-not-found")


def test_expired_invitation_cannot_start(
    client: TestClient, session: Session, world: dict[str, Any]
) -> None:
    attempt = session.get(Attempt, world["attempt_id"])
    assert attempt is not None
    invitation = session.get(Invitation, attempt.invitation_id)
    assert invitation is not None
    invitation.expires_at = utcnow() - timedelta(minutes=1)
    session.flush()
    assert_problem(client.post(f"/api/v1/take/{world['token']}/start"), 403, "invitation-expired")
    session.refresh(attempt)
    assert attempt.status == "invited"


def test_answer_before_start_is_refused(
    client: TestClient, session: Session, world: dict[str, Any]
) -> None:
    response = client.put(
        f"/api/v1/take/{world['token']}/answers/bi-single", json={"response": {"choice": "a"}}
    )
    assert_problem(response, 409, "attempt-not-started")
    assert _saved(session, world["attempt_id"]) == {}


@pytest.mark.parametrize(
    ("question_id", "response"),
    [
        ("bi-single", {"choice": "z"}),
        ("bi-single", {"choices": ["a"]}),
        ("bi-single", {"choice": 1}),
        ("bi-num", {"value": "4"}),
        ("bi-num", {"value": True}),
        ("bi-num", {"value": 4, "extra": 1}),
    ],
)
def test_answer_of_the_wrong_shape_is_422_and_keeps_the_saved_one(
    client: TestClient,
    session: Session,
    world: dict[str, Any],
    question_id: str,
    response: dict[str, Any],
) -> None:
    token = world["token"]
    client.post(f"/api/v1/take/{token}/start")
    good = {"bi-single": {"choice": "a"}, "bi-num": {"value": 4.0}}[question_id]
    client.put(f"/api/v1/take/{token}/answers/{question_id}", json={"response": good})
    bad = client.put(f"/api/v1/take/{token}/answers/{question_id}", json={"response": response})
    assert_problem(bad, 422, "invalid-response")
    assert _saved(session, world["attempt_id"]) == {question_id: good}


def test_non_finite_number_is_refused(client: TestClient, world: dict[str, Any]) -> None:
    token = world["token"]
    client.post(f"/api/v1/take/{token}/start")
    response = client.put(
        f"/api/v1/take/{token}/answers/bi-num",
        content=b'{"response": {"value": 1e999}}',
        headers={"Content-Type": "application/json"},
    )
    assert_problem(response, 422, "invalid-response")


def test_unknown_question_in_answer_path_is_404(client: TestClient, world: dict[str, Any]) -> None:
    token = world["token"]
    client.post(f"/api/v1/take/{token}/start")
    response = client.put(f"/api/v1/take/{token}/answers/nope", json={"response": {"value": 1}})
    assert_problem(response, 404, "question-not-found")


def test_stale_revision_is_a_conflict_and_keeps_the_newer_answer(
    client: TestClient, session: Session, world: dict[str, Any]
) -> None:
    token = world["token"]
    client.post(f"/api/v1/take/{token}/start")
    url = f"/api/v1/take/{token}/answers/bi-single"
    assert client.put(url, json={"response": {"choice": "a"}}).json()["revision"] == 1
    assert (
        client.put(url, json={"response": {"choice": "b"}, "base_revision": 1}).status_code == 200
    )
    stale = client.put(url, json={"response": {"choice": "c"}, "base_revision": 1})
    assert_problem(stale, 409, "revision-conflict")
    assert _saved(session, world["attempt_id"]) == {"bi-single": {"choice": "b"}}


def test_answer_after_submit_is_refused(
    client: TestClient, session: Session, world: dict[str, Any]
) -> None:
    token = world["token"]
    client.post(f"/api/v1/take/{token}/start")
    client.put(f"/api/v1/take/{token}/answers/bi-single", json={"response": {"choice": "b"}})
    assert client.post(f"/api/v1/take/{token}/submit").status_code == 200
    late = client.put(f"/api/v1/take/{token}/answers/bi-single", json={"response": {"choice": "a"}})
    assert_problem(late, 409, "attempt-submitted")
    assert_problem(client.post(f"/api/v1/take/{token}/submit"), 409, "attempt-submitted")
    assert _saved(session, world["attempt_id"]) == {"bi-single": {"choice": "b"}}


def test_answer_after_deadline_is_refused_and_attempt_graded_with_saved_answers(
    client: TestClient, session: Session, world: dict[str, Any]
) -> None:
    token = world["token"]
    client.post(f"/api/v1/take/{token}/start")
    client.put(f"/api/v1/take/{token}/answers/bi-single", json={"response": {"choice": "b"}})
    attempt = session.get(Attempt, world["attempt_id"])
    assert attempt is not None
    attempt.deadline = utcnow() - timedelta(seconds=1)
    session.flush()

    late = client.put(f"/api/v1/take/{token}/answers/bi-num", json={"response": {"value": 4}})
    assert_problem(late, 409, "attempt-expired")
    assert _saved(session, world["attempt_id"]) == {"bi-single": {"choice": "b"}}

    result = client.get(f"/api/v1/attempts/{world['attempt_id']}", headers=world["auth"]).json()
    assert result["status"] == "expired"
    assert result["score"] == 1.0
    assert result["max_score"] == 2.0
    assert result["submitted_at"] is not None
    assert_problem(client.post(f"/api/v1/take/{token}/submit"), 409, "attempt-expired")


def test_expired_attempt_is_closed_when_results_are_read(
    client: TestClient, session: Session, world: dict[str, Any]
) -> None:
    token = world["token"]
    client.post(f"/api/v1/take/{token}/start")
    attempt = session.get(Attempt, world["attempt_id"])
    assert attempt is not None
    attempt.deadline = utcnow() - timedelta(seconds=1)
    session.flush()
    rows = client.get(
        f"/api/v1/assessments/{world['assessment'].id}/results", headers=world["auth"]
    ).json()["items"]
    assert [r["status"] for r in rows] == ["expired"]
    assert rows[0]["score"] == 0.0


def test_invalid_cursor_is_400(client: TestClient, world: dict[str, Any]) -> None:
    response = client.get("/api/v1/assessments?cursor=%%%", headers=world["auth"])
    assert_problem(response, 400, "invalid-cursor")


def test_unknown_route_is_a_404_problem(client: TestClient) -> None:
    assert_problem(client.get("/api/v1/nothing-here"), 404, "not-found")
