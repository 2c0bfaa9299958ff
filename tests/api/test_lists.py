"""Lists: filters, cursor pagination, and the OpenAPI document."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests import factories


def _auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def test_assessments_page_through_every_row_once(client: TestClient, session: Session) -> None:
    org = factories.make_org(session)
    q = factories.make_question(session, factories.single_choice("ls-one", "forward_pass"))
    created = {str(factories.make_assessment(session, org.organization, [q]).id) for _ in range(5)}
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        params = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = client.get("/api/v1/assessments", params=params, headers=_auth(org.api_key)).json()
        seen += [a["id"] for a in page["items"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert pages == 3
    assert len(seen) == len(set(seen)) == 5
    assert set(seen) == created


def test_questions_filter_and_paginate(client: TestClient, session: Session) -> None:
    org = factories.make_org(session)
    for i in range(3):
        factories.make_question(session, factories.single_choice(f"lq-fp-{i}", "forward_pass"))
    factories.make_question(session, factories.single_choice("lq-cr", "chain_rule", difficulty=3))
    other = factories.make_org(session, "Other")
    factories.make_question(
        session,
        factories.single_choice("lq-private", "forward_pass"),
        source="custom",
        organization_id=other.organization.id,
    )
    headers = _auth(org.api_key)

    first = client.get(
        "/api/v1/questions", params={"skill": "forward_pass", "limit": 2}, headers=headers
    ).json()
    second = client.get(
        "/api/v1/questions",
        params={"skill": "forward_pass", "limit": 2, "cursor": first["next_cursor"]},
        headers=headers,
    ).json()
    ids = [q["id"] for q in first["items"] + second["items"]]
    assert [i for i in ids if i.startswith("lq-")] == ["lq-fp-0", "lq-fp-1", "lq-fp-2"]
    assert "lq-private" not in ids, "another organization's custom question stays private"

    hard = client.get("/api/v1/questions", params={"difficulty": 3}, headers=headers).json()
    assert "lq-cr" in [q["id"] for q in hard["items"]]
    assert all(q["difficulty"] == 3 for q in hard["items"])

    bad = client.get("/api/v1/questions", params={"skill": "vibes"}, headers=headers)
    assert bad.status_code == 422
    assert bad.json()["type"] == "/problems/invalid-request"

    one = client.get("/api/v1/questions/lq-cr", headers=headers)
    assert one.status_code == 200
    assert one.json()["skills"] == ["chain_rule"]
    missing = client.get("/api/v1/questions/lq-private", headers=headers)
    assert missing.status_code == 404
    assert missing.json()["type"] == "/problems/question-not-found"


def test_openapi_lists_problem_responses_and_bearer_auth(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert spec["openapi"].startswith("3.1")
    put = spec["paths"]["/api/v1/take/{token}/answers/{question_id}"]["put"]
    assert {"404", "409", "422"} <= set(put["responses"])
    assert "application/problem+json" in put["responses"]["409"]["content"]
    assert "attempt-expired" in put["responses"]["409"]["description"]
    create = spec["paths"]["/api/v1/assessments"]["post"]
    assert create["operationId"]
    assert any("HTTPBearer" in s for s in create["security"][0])
