"""API keys go through the same policy table as members: the scope is the key's role."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlalchemy.orm import Session

from app.access.policy import KEY_SCOPES, ROLE_ACTIONS, Action
from app.models import ApiKey, Role
from app.organizations import service as organizations
from tests.factories import make_org
from tests.problems import assert_problem


def _key_with_scope(session: Session, scope: str) -> str:
    org = make_org(session)
    session.execute(
        update(ApiKey).where(ApiKey.organization_id == org.organization.id).values(scope=scope)
    )
    return org.api_key


def test_existing_keys_are_admin_scoped(session: Session) -> None:
    org = make_org(session)
    assert organizations.authenticate_key(session, api_key=org.api_key).scope == "admin"
    assert KEY_SCOPES["admin"] == ROLE_ACTIONS[Role.ADMIN]


def test_a_viewer_scoped_key_reads_but_cannot_compose(client: TestClient, session: Session) -> None:
    key = _key_with_scope(session, "viewer")
    headers = {"Authorization": f"Bearer {key}"}
    assert client.get("/api/v1/assessments", headers=headers).status_code == 200
    response = client.post(
        "/api/v1/assessments",
        headers=headers,
        json={"title": "T", "question_ids": ["x"], "time_limit_minutes": 10},
    )
    body = assert_problem(response, 403, "forbidden")
    assert body["action"] == Action.ASSESSMENT_WRITE


def test_a_key_with_an_unknown_scope_may_do_nothing(client: TestClient, session: Session) -> None:
    key = _key_with_scope(session, "superuser")
    response = client.get("/api/v1/assessments", headers={"Authorization": f"Bearer {key}"})
    assert_problem(response, 403, "forbidden")
