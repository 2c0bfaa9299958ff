"""Custom questions in assessments: a custom task is graded like a bank task, an edit leaves the
attempts that already use a question with what they saw, an archived one is no longer picked."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests import factories
from tests.questions.drafts import REFERENCE, STARTER, choice_draft, coding_draft


def _auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def _invite(client: TestClient, key: str, question_ids: list[str]) -> dict[str, Any]:
    assessment = client.post(
        "/api/v1/assessments",
        json={"title": "Custom", "question_ids": question_ids, "time_limit_minutes": 30},
        headers=_auth(key),
    )
    assert assessment.status_code == 201, assessment.text
    invited = client.post(
        f"/api/v1/assessments/{assessment.json()['id']}/invitations",
        json={"candidate": {"email": "c@example.com", "name": "C"}},
        headers=_auth(key),
    )
    assert invited.status_code == 201, invited.text
    body: dict[str, Any] = invited.json()
    return body


def test_custom_coding_task_is_graded_like_a_bank_task(
    client: TestClient, session: Session
) -> None:
    org = factories.make_org(session)
    task_id = client.post(
        "/api/v1/questions", json=coding_draft(), headers=_auth(org.api_key)
    ).json()["question_id"]
    invited = _invite(client, org.api_key, [task_id])
    token = invited["token"]
    started = client.post(f"/api/v1/take/{token}/start").json()
    [question] = started["questions"]
    assert question["starter"] == STARTER
    assert REFERENCE not in str(question)  # the reference never leaves the server
    assert "files" not in question
    client.put(f"/api/v1/take/{token}/answers/{task_id}", json={"response": {"source": REFERENCE}})
    assert client.post(f"/api/v1/take/{token}/submit").status_code == 200
    result = client.get(
        f"/api/v1/attempts/{invited['attempt_id']}", headers=_auth(org.api_key)
    ).json()
    [row] = result["per_question"]
    assert row["verdict"] == "passed", row
    assert row["score"] == row["points"] == 4


def test_attempts_keep_the_version_they_saw_after_an_edit(
    client: TestClient, session: Session
) -> None:
    org = factories.make_org(session)
    headers = _auth(org.api_key)
    question_id = client.post("/api/v1/questions", json=choice_draft(), headers=headers).json()[
        "question_id"
    ]
    invited = _invite(client, org.api_key, [question_id])
    token = invited["token"]
    before = client.post(f"/api/v1/take/{token}/start").json()["questions"][0]["prompt"]
    edited = choice_draft(prompt="A new wording?", answer="b")
    assert client.put(f"/api/v1/questions/{question_id}", json=edited, headers=headers).is_success
    after = client.get(f"/api/v1/take/{token}").json()["questions"][0]["prompt"]
    assert after == before == choice_draft()["prompt"]
    client.put(f"/api/v1/take/{token}/answers/{question_id}", json={"response": {"choice": "a"}})
    client.post(f"/api/v1/take/{token}/submit")
    result = client.get(f"/api/v1/attempts/{invited['attempt_id']}", headers=headers).json()
    assert result["score"] == 1  # graded against the key it was asked with ("a")
    fresh = _invite(client, org.api_key, [question_id])
    prompt = client.post(f"/api/v1/take/{fresh['token']}/start").json()["questions"][0]["prompt"]
    assert prompt == "A new wording?"


def test_archived_question_cannot_be_put_in_a_new_assessment(
    client: TestClient, session: Session
) -> None:
    org = factories.make_org(session)
    headers = _auth(org.api_key)
    question_id = client.post("/api/v1/questions", json=choice_draft(), headers=headers).json()[
        "question_id"
    ]
    client.post(f"/api/v1/questions/{question_id}/archive", headers=headers)
    refused = client.post(
        "/api/v1/assessments",
        json={"title": "X", "question_ids": [question_id], "time_limit_minutes": 30},
        headers=headers,
    )
    assert refused.status_code == 400, refused.text
    assert refused.json()["type"] == "/problems/unknown-questions"
