"""Idempotency-Key on every POST: a retry replays the first response, never makes a twin."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from fastapi.dependencies.models import Dependant
from fastapi.testclient import TestClient
from sqlalchemy import Engine, delete, func, select
from sqlalchemy.orm import Session

from app.api.idempotency import idempotency_guard
from app.main import create_app
from app.models import (
    ApiKey,
    Assessment,
    AssessmentItem,
    IdempotencyRecord,
    Organization,
    QuestionVersion,
)
from app.settings import Settings
from tests import factories
from tests.live import live_server
from tests.problems import assert_problem


@pytest.fixture
def world(session: Session) -> dict[str, Any]:
    org = factories.make_org(session)
    factories.make_question(session, factories.single_choice("idem-q", "chain_rule"))
    return {"org": org, "auth": {"Authorization": f"Bearer {org.api_key}"}}


def _assessments(session: Session, org: Organization) -> int:
    return int(
        session.scalar(
            select(func.count()).select_from(Assessment).where(Assessment.organization_id == org.id)
        )
        or 0
    )


BODY = {"title": "Once", "question_ids": ["idem-q"], "time_limit_minutes": 10}


def test_every_api_post_honours_the_key() -> None:
    """A POST route added later without the guard fails here (the guard joins /api/v1)."""
    posts = [(path, dependant) for path, dependant in _api_posts(create_app(Settings()))]
    assert len(posts) >= 6
    unguarded = [path for path, dependant in posts if not _calls(dependant, idempotency_guard)]
    assert not unguarded, unguarded


def _api_posts(app: Any) -> Iterator[tuple[str, Dependant]]:
    """Each API POST route with the dependencies that really run (router-level ones too)."""
    for route in app.routes:
        contexts = (
            route.effective_route_contexts()
            if hasattr(route, "effective_route_contexts")
            else [route]
        )
        for context in contexts:
            path = getattr(context, "path", "")
            methods = getattr(context, "methods", set()) or set()
            dependant = getattr(context, "dependant", None)
            if path.startswith("/api/") and "POST" in methods and dependant is not None:
                yield path, dependant


def _calls(dependant: Dependant, target: Any) -> bool:
    stack = [dependant]
    while stack:
        current = stack.pop()
        if current.call is target:
            return True
        stack.extend(current.dependencies)
    return False


def test_a_retry_gets_the_first_response_and_creates_nothing_more(
    client: TestClient, session: Session, world: dict[str, Any]
) -> None:
    headers = {**world["auth"], "Idempotency-Key": "create-once-1"}
    first = client.post("/api/v1/assessments", json=BODY, headers=headers)
    assert first.status_code == 201
    assert "idempotent-replayed" not in first.headers
    retry = client.post("/api/v1/assessments", json=BODY, headers=headers)
    assert retry.status_code == 201
    assert retry.headers["idempotent-replayed"] == "true"
    assert retry.headers["content-type"] == "application/json"
    assert retry.json() == first.json()
    assert _assessments(session, world["org"].organization) == 1
    # Without a key, or with another one, the same body creates another.
    assert client.post("/api/v1/assessments", json=BODY, headers=world["auth"]).status_code == 201
    other = {**world["auth"], "Idempotency-Key": "create-once-2"}
    assert client.post("/api/v1/assessments", json=BODY, headers=other).json() != first.json()
    assert _assessments(session, world["org"].organization) == 3


def test_the_same_key_with_another_body_is_a_422(
    client: TestClient, session: Session, world: dict[str, Any]
) -> None:
    headers = {**world["auth"], "Idempotency-Key": "reused"}
    assert client.post("/api/v1/assessments", json=BODY, headers=headers).status_code == 201
    changed = client.post("/api/v1/assessments", json={**BODY, "title": "Twice"}, headers=headers)
    assert_problem(changed, 422, "idempotency-key-reused")
    assert _assessments(session, world["org"].organization) == 1


def test_keys_belong_to_their_client(
    client: TestClient, session: Session, world: dict[str, Any]
) -> None:
    other = factories.make_org(session, "Other")
    key = {"Idempotency-Key": "shared-by-chance"}
    mine = client.post("/api/v1/assessments", json=BODY, headers={**world["auth"], **key})
    theirs = client.post(
        "/api/v1/assessments",
        json=BODY,
        headers={"Authorization": f"Bearer {other.api_key}", **key},
    )
    assert (mine.status_code, theirs.status_code) == (201, 201)
    assert mine.json()["id"] != theirs.json()["id"]


def test_a_failed_request_is_not_stored_so_its_retry_runs_again(
    client: TestClient, session: Session, world: dict[str, Any]
) -> None:
    headers = {**world["auth"], "Idempotency-Key": "failed-first"}
    unknown = {**BODY, "question_ids": ["nope"]}
    assert_problem(
        client.post("/api/v1/assessments", json=unknown, headers=headers), 400, "unknown-questions"
    )
    assert session.scalars(select(IdempotencyRecord)).all() == []
    # Nothing was created, so the key is free for the corrected request.
    assert client.post("/api/v1/assessments", json=BODY, headers=headers).status_code == 201


@pytest.mark.parametrize("key", ["", "x" * 256, "tab\there", "has space"])
def test_a_malformed_key_is_a_400(client: TestClient, world: dict[str, Any], key: str) -> None:
    headers = {**world["auth"], "Idempotency-Key": key}
    response = client.post("/api/v1/assessments", json=BODY, headers=headers)
    assert_problem(response, 400, "invalid-idempotency-key")


def test_a_candidate_run_retried_is_queued_once(
    client: TestClient, session: Session, world: dict[str, Any]
) -> None:
    question = factories.make_question(session, factories.coding("idem-code", "backward_pass"))
    assessment = factories.make_assessment(session, world["org"].organization, [question])
    token = factories.make_invitation(session, world["org"].organization, assessment).token
    client.post(f"/api/v1/take/{token}/start")
    url = f"/api/v1/take/{token}/answers/idem-code/run"
    headers = {"Idempotency-Key": "run-1"}
    first = client.post(url, json={"source": "x = 1"}, headers=headers)
    assert first.status_code == 202, first.text
    retry = client.post(url, json={"source": "x = 1"}, headers=headers)
    assert retry.json()["run_id"] == first.json()["run_id"]


@pytest.fixture
def committed_org(engine: Engine) -> Iterator[dict[str, Any]]:
    suffix = uuid.uuid4().hex[:8]
    with Session(engine) as session:
        org = factories.make_org(session, f"Concurrent {suffix}")
        question = factories.make_question(
            session, factories.single_choice(f"idem-c-{suffix}", "chain_rule")
        )
        ids = org.organization.id, question.id
        session.commit()
    try:
        yield {"key": org.api_key, "org_id": ids[0], "question_id": f"idem-c-{suffix}"}
    finally:
        with Session(engine) as session:
            made = select(Assessment.id).where(Assessment.organization_id == ids[0])
            session.execute(delete(AssessmentItem).where(AssessmentItem.assessment_id.in_(made)))
            session.execute(delete(Assessment).where(Assessment.organization_id == ids[0]))
            session.execute(delete(QuestionVersion).where(QuestionVersion.id == ids[1]))
            session.execute(delete(ApiKey).where(ApiKey.organization_id == ids[0]))
            session.execute(delete(Organization).where(Organization.id == ids[0]))
            session.execute(delete(IdempotencyRecord))
            session.commit()


def test_ten_identical_posts_at_once_create_exactly_one(
    settings: Settings, engine: Engine, committed_org: dict[str, Any]
) -> None:
    body = {
        "title": "Race",
        "question_ids": [committed_org["question_id"]],
        "time_limit_minutes": 5,
    }
    headers = {"Authorization": f"Bearer {committed_org['key']}", "Idempotency-Key": "race-1"}
    with live_server(settings) as base, httpx.Client(base_url=base, timeout=30) as api:

        def post(_: int) -> httpx.Response:
            return api.post("/api/v1/assessments", json=body, headers=headers)

        with ThreadPoolExecutor(max_workers=10) as pool:
            responses = list(pool.map(post, range(10)))
    assert [r.status_code for r in responses] == [201] * 10, [r.text for r in responses]
    assert len({r.json()["id"] for r in responses}) == 1
    assert sum(r.headers.get("idempotent-replayed") == "true" for r in responses) == 9
    with Session(engine) as session:
        count = session.scalar(
            select(func.count())
            .select_from(Assessment)
            .where(Assessment.organization_id == committed_org["org_id"])
        )
    assert count == 1
