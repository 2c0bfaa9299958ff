"""The builder's REST twins: settings with ETag/If-Match, duplicate, archive, and what an
archived assessment means for its candidates."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import Attempt
from tests import factories

SIX = [{"id": c, "text": f"option {c}"} for c in "abcdef"]


def _setup(client: TestClient, session: Session, **settings: object) -> tuple[dict[str, str], str]:
    org = factories.make_org(session)
    factories.make_question(
        session, factories.single_choice("fp-six", "forward_pass", answer="a", choices=SIX)
    )
    headers = {"Authorization": f"Bearer {org.api_key}"}
    created = client.post(
        "/api/v1/assessments",
        json={"title": "Basics", "question_ids": ["fp-six"], "time_limit_minutes": 30, **settings},
        headers=headers,
    )
    assert created.status_code == 201, created.text
    return headers, created.json()["id"]


def _invite(client: TestClient, headers: dict[str, str], assessment_id: str, n: int = 0) -> str:
    invited = client.post(
        f"/api/v1/assessments/{assessment_id}/invitations",
        json={"candidate": {"email": f"c{n}@example.com", "name": "C"}},
        headers=headers,
    )
    assert invited.status_code == 201, invited.text
    token: str = invited.json()["token"]
    return token


def test_settings_change_with_if_match_and_a_stale_etag_is_refused(
    client: TestClient, session: Session
) -> None:
    headers, assessment_id = _setup(client, session)
    read = client.get(f"/api/v1/assessments/{assessment_id}", headers=headers)
    etag = read.headers["ETag"]
    assert read.json()["pass_mark_percent"] is None
    assert read.json()["shuffle_choices"] is True

    changed = client.patch(
        f"/api/v1/assessments/{assessment_id}",
        json={"pass_mark_percent": 70, "candidates_see_results": True, "shuffle_questions": True},
        headers={**headers, "If-Match": etag},
    )
    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert (body["pass_mark_percent"], body["candidates_see_results"]) == (70, True)
    assert body["shuffle_questions"] is True
    assert body["title"] == "Basics"  # what was not sent keeps its value
    assert changed.headers["ETag"] != etag

    stale = client.patch(
        f"/api/v1/assessments/{assessment_id}",
        json={"time_limit_minutes": 5},
        headers={**headers, "If-Match": etag},
    )
    assert stale.status_code == 412
    assert stale.headers["content-type"] == "application/problem+json"
    assert stale.json()["type"] == "/problems/precondition-failed"
    assert (
        client.get(f"/api/v1/assessments/{assessment_id}", headers=headers).json()[
            "time_limit_minutes"
        ]
        == 30
    )

    cleared = client.patch(
        f"/api/v1/assessments/{assessment_id}", json={"pass_mark_percent": None}, headers=headers
    )
    assert cleared.json()["pass_mark_percent"] is None
    bad = client.patch(
        f"/api/v1/assessments/{assessment_id}", json={"pass_mark_percent": 101}, headers=headers
    )
    assert bad.status_code == 422


def test_duplicate_copies_questions_and_settings_into_an_open_assessment(
    client: TestClient, session: Session
) -> None:
    headers, assessment_id = _setup(client, session, pass_mark_percent=55)
    client.post(f"/api/v1/assessments/{assessment_id}/archive", headers=headers)
    copy = client.post(f"/api/v1/assessments/{assessment_id}/duplicate", headers=headers)
    assert copy.status_code == 201, copy.text
    body = copy.json()
    assert body["id"] != assessment_id
    assert body["title"] == "Copy of Basics"
    assert body["pass_mark_percent"] == 55
    assert body["archived_at"] is None
    assert [q["id"] for q in body["questions"]] == ["fp-six"]
    _invite(client, headers, body["id"])  # the copy takes invitations


def test_archived_assessment_closes_unstarted_links_but_not_started_attempts(
    client: TestClient, session: Session
) -> None:
    headers, assessment_id = _setup(client, session)
    started = _invite(client, headers, assessment_id, 1)
    assert client.post(f"/api/v1/take/{started}/start").status_code == 200
    waiting = _invite(client, headers, assessment_id, 2)

    archived = client.post(f"/api/v1/assessments/{assessment_id}/archive", headers=headers)
    assert archived.status_code == 200
    assert archived.json()["archived_at"] is not None

    # Not started: the API answers 410 assessment-closed, the page says so in words.
    for response in (
        client.get(f"/api/v1/take/{waiting}"),
        client.post(f"/api/v1/take/{waiting}/start"),
    ):
        assert response.status_code == 410
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["type"] == "/problems/assessment-closed"
    page = client.get(f"/take/{waiting}")
    assert page.status_code == 410
    assert page.headers["content-type"].startswith("text/html")
    assert "This assessment is closed" in page.text
    assert "Traceback" not in page.text

    # Started before the archive: it keeps working until its deadline.
    saved = client.put(f"/api/v1/take/{started}/answers/fp-six", json={"response": {"choice": "a"}})
    assert saved.status_code == 200, saved.text
    assert client.post(f"/api/v1/take/{started}/submit").status_code == 200

    # No new invitations.
    count = session.scalar(select(func.count()).select_from(Attempt))
    refused = client.post(
        f"/api/v1/assessments/{assessment_id}/invitations",
        json={"candidate": {"email": "late@example.com", "name": "Late"}},
        headers=headers,
    )
    assert refused.status_code == 409
    assert refused.json()["type"] == "/problems/assessment-archived"
    assert session.scalar(select(func.count()).select_from(Attempt)) == count


def test_choices_in_written_order_when_shuffling_is_off(
    client: TestClient, session: Session
) -> None:
    headers, assessment_id = _setup(client, session, shuffle_choices=False)
    for n in range(3):
        token = _invite(client, headers, assessment_id, n)
        [question] = client.post(f"/api/v1/take/{token}/start").json()["questions"]
        assert [c["id"] for c in question["choices"]] == list("abcdef")
        client.put(f"/api/v1/take/{token}/answers/fp-six", json={"response": {"choice": "a"}})
        attempt_id = client.post(f"/api/v1/take/{token}/submit").json()["attempt_id"]
        report = client.get(f"/api/v1/attempts/{attempt_id}", headers=headers).json()
        assert report["per_question"][0]["choice_order"] == list("abcdef")


def test_pool_points_count_in_max_score_with_a_range_when_points_differ(
    client: TestClient, session: Session
) -> None:
    headers, assessment_id = _setup(client, session)  # fp-six: 1 point
    for n, points in enumerate((2.0, 2.0, 5.0)):
        factories.make_question(
            session,
            factories.single_choice(f"pp-{n}", "loss_functions", difficulty=3, points=points),
        )
    changed = client.patch(
        f"/api/v1/assessments/{assessment_id}",
        json={"pools": [{"skill": "loss_functions", "difficulty": 3, "count": 2}]},
        headers=headers,
    )
    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert body["question_count"] == 3
    assert (body["min_score"], body["max_score"]) == (5.0, 8.0)  # 1 + 2 + 2 up to 1 + 2 + 5
    listed = client.get("/api/v1/assessments", headers=headers).json()["items"]
    assert [(a["min_score"], a["max_score"]) for a in listed] == [(5.0, 8.0)]


def test_questions_and_pools_change_until_a_candidate_is_invited(
    client: TestClient, session: Session
) -> None:
    headers, assessment_id = _setup(client, session)
    factories.make_question(session, factories.single_choice("qp-two", "chain_rule"))
    url = f"/api/v1/assessments/{assessment_id}"
    changed = client.patch(url, json={"question_ids": ["qp-two", "fp-six"]}, headers=headers)
    assert changed.status_code == 200, changed.text
    assert [q["id"] for q in changed.json()["questions"]] == ["qp-two", "fp-six"]
    short = client.patch(
        url, json={"pools": [{"skill": "chain_rule", "difficulty": 1, "count": 9}]}, headers=headers
    )
    assert short.status_code == 409
    assert short.json()["type"] == "/problems/pool-unavailable"
    unknown = client.patch(url, json={"question_ids": ["no-such"]}, headers=headers)
    assert unknown.status_code == 400
    assert unknown.json()["type"] == "/problems/unknown-questions"
    _invite(client, headers, assessment_id)
    locked = client.patch(url, json={"question_ids": ["fp-six"]}, headers=headers)
    assert locked.status_code == 409
    assert locked.json()["type"] == "/problems/questions-locked"
    same = client.patch(
        url, json={"question_ids": ["qp-two", "fp-six"], "title": "T"}, headers=headers
    )
    assert same.status_code == 200  # the same questions are no change
    assert [q["id"] for q in client.get(url, headers=headers).json()["questions"]] == [
        "qp-two",
        "fp-six",
    ]
