"""Choices are shown in a per-attempt order that survives reloads and reaches the report."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests import factories

SIX = [{"id": c, "text": f"option {c}"} for c in "abcdef"]


def _invite(client: TestClient, headers: dict[str, str], assessment_id: str, n: int) -> str:
    invited = client.post(
        f"/api/v1/assessments/{assessment_id}/invitations",
        json={"candidate": {"email": f"c{n}@example.com", "name": f"C{n}"}},
        headers=headers,
    )
    assert invited.status_code == 201, invited.text
    token: str = invited.json()["token"]
    return token


def test_choice_order_is_per_attempt_stable_on_reload_and_reported(
    client: TestClient, session: Session
) -> None:
    org = factories.make_org(session)
    factories.make_question(
        session, factories.single_choice("fp-six", "forward_pass", answer="a", choices=SIX)
    )
    headers = {"Authorization": f"Bearer {org.api_key}"}
    created = client.post(
        "/api/v1/assessments",
        json={"title": "Order", "question_ids": ["fp-six"], "time_limit_minutes": 30},
        headers=headers,
    )
    assert created.status_code == 201, created.text
    assessment_id = created.json()["id"]

    orders = []
    for n in range(6):
        token = _invite(client, headers, assessment_id, n)
        started = client.post(f"/api/v1/take/{token}/start").json()
        [question] = started["questions"]
        shown = [c["id"] for c in question["choices"]]
        assert sorted(shown) == list("abcdef")
        texts = {c["id"]: c["text"] for c in question["choices"]}
        assert texts == {c["id"]: c["text"] for c in SIX}  # ids keep their own text
        reloaded = client.get(f"/api/v1/take/{token}").json()["questions"][0]
        assert [c["id"] for c in reloaded["choices"]] == shown
        orders.append(shown)

        # The response names the key by id, wherever it was shown.
        saved = client.put(
            f"/api/v1/take/{token}/answers/fp-six", json={"response": {"choice": "a"}}
        )
        assert saved.status_code == 200, saved.text
        assert client.post(f"/api/v1/take/{token}/submit").status_code == 200
        result = client.get(f"/api/v1/attempts/{started['attempt_id']}", headers=headers).json()
        [row] = result["per_question"]
        assert row["status"] == "correct"
        assert row["choice_order"] == shown
    assert len({tuple(o) for o in orders}) > 1
    assert {o.index("a") for o in orders} != {0}
