"""API keys: several per organization, named and scoped, shown once, hashed, revocable, with a
throttled last-use time, and never in a log line."""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.access.policy import KEY_SCOPES, ROLE_ACTIONS, Action, key_actions
from app.models import ApiKey, Role
from app.organizations.service import hash_secret
from tests.factories import make_org, make_question, single_choice
from tests.problems import assert_problem


@pytest.fixture
def admin(session: Session) -> dict[str, Any]:
    org = make_org(session)  # its first key is admin-scoped, like every key made before scopes
    make_question(session, single_choice("keys-q", "chain_rule"))
    return {"org": org, "auth": {"Authorization": f"Bearer {org.api_key}"}}


def _create(client: TestClient, admin: dict[str, Any], name: str, scope: str) -> dict[str, Any]:
    response = client.post(
        "/api/v1/api-keys", json={"name": name, "scope": scope}, headers=admin["auth"]
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def _bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def test_scopes_are_columns_of_the_one_permission_table() -> None:
    assert KEY_SCOPES["read"] == ROLE_ACTIONS[Role.VIEWER]
    assert KEY_SCOPES["write"] == ROLE_ACTIONS[Role.RECRUITER]
    assert KEY_SCOPES["admin"] == ROLE_ACTIONS[Role.ADMIN]
    assert Action.API_KEYS_MANAGE in KEY_SCOPES["admin"] - KEY_SCOPES["write"]
    # Keys scoped by role name before read/write/admin existed keep their rights.
    assert key_actions("viewer") == KEY_SCOPES["read"]
    assert key_actions("recruiter") == KEY_SCOPES["write"]
    assert key_actions("owner") == frozenset()


def test_a_created_key_is_shown_once_and_stored_hashed(
    client: TestClient, session: Session, admin: dict[str, Any]
) -> None:
    created = _create(client, admin, "Greenhouse", "read")
    secret = created["key"]
    assert secret.startswith(created["prefix"] + "_")
    row = session.get(ApiKey, uuid.UUID(created["id"]))
    assert row is not None
    assert row.key_hash == hash_secret(secret)
    assert secret not in {str(v) for v in vars(row).values()}
    listed = client.get("/api/v1/api-keys", headers=admin["auth"])
    assert secret not in listed.text
    one = client.get(f"/api/v1/api-keys/{created['id']}", headers=admin["auth"]).json()
    assert "key" not in one
    names = [k["name"] for k in listed.json()["items"]]
    assert names == ["Greenhouse", "test"]  # newest first


@pytest.mark.parametrize(
    ("scope", "reads", "composes", "manages_keys"),
    [("read", 200, 403, 403), ("write", 200, 201, 403), ("admin", 200, 201, 200)],
)
def test_each_scope_does_what_its_role_may(
    client: TestClient,
    admin: dict[str, Any],
    scope: str,
    reads: int,
    composes: int,
    manages_keys: int,
) -> None:
    key = _bearer(_create(client, admin, scope, scope)["key"])
    assert client.get("/api/v1/assessments", headers=key).status_code == reads
    composed = client.post(
        "/api/v1/assessments",
        json={"title": "T", "question_ids": ["keys-q"], "time_limit_minutes": 5},
        headers=key,
    )
    assert composed.status_code == composes
    assert client.get("/api/v1/api-keys", headers=key).status_code == manages_keys


def test_a_revoked_key_is_refused_at_once_and_stays_listed(
    client: TestClient, admin: dict[str, Any]
) -> None:
    created = _create(client, admin, "old", "read")
    key = _bearer(created["key"])
    assert client.get("/api/v1/assessments", headers=key).status_code == 200
    revoked = client.delete(f"/api/v1/api-keys/{created['id']}", headers=admin["auth"])
    assert revoked.status_code == 200
    assert revoked.json()["revoked_at"] is not None
    assert_problem(client.get("/api/v1/assessments", headers=key), 401, "unauthorized")
    again = client.delete(f"/api/v1/api-keys/{created['id']}", headers=admin["auth"])
    assert again.json()["revoked_at"] == revoked.json()["revoked_at"]


def test_another_organizations_key_is_not_found(
    client: TestClient, session: Session, admin: dict[str, Any]
) -> None:
    other = make_org(session, "Other")
    other_key = session.scalars(
        select(ApiKey).where(ApiKey.organization_id == other.organization.id)
    ).one()
    response = client.delete(f"/api/v1/api-keys/{other_key.id}", headers=admin["auth"])
    assert_problem(response, 404, "api-key-not-found")
    assert client.get("/api/v1/assessments", headers=_bearer(other.api_key)).status_code == 200


def test_last_use_is_recorded_at_most_once_a_minute(
    client: TestClient, session: Session, admin: dict[str, Any]
) -> None:
    created = _create(client, admin, "poller", "read")
    assert created["last_used_at"] is None
    key = _bearer(created["key"])

    def last_used() -> Any:
        session.expire_all()
        row = session.get(ApiKey, uuid.UUID(created["id"]))
        assert row is not None
        return row.last_used_at

    client.get("/api/v1/assessments", headers=key)
    first = last_used()
    assert first is not None
    for _ in range(3):
        client.get("/api/v1/assessments", headers=key)
    assert last_used() == first  # no write per request
    session.execute(
        update(ApiKey)
        .where(ApiKey.id == uuid.UUID(created["id"]))
        .values(last_used_at=first - timedelta(minutes=2))
    )
    client.get("/api/v1/assessments", headers=key)
    assert last_used() > first


def test_invalid_bodies_are_422(client: TestClient, admin: dict[str, Any]) -> None:
    for body in ({"name": "", "scope": "read"}, {"name": "x", "scope": "owner"}, {"name": "x"}):
        response = client.post("/api/v1/api-keys", json=body, headers=admin["auth"])
        assert_problem(response, 422, "invalid-request")


def test_keys_never_reach_the_logs(
    client: TestClient, admin: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    created = _create(client, admin, "leaky", "read")
    secret = created["key"]
    # A client that pastes its key into a URL, and code that logs what it was given.
    client.get(f"/api/v1/questions/{secret}", headers=_bearer(secret))
    client.get("/api/v1/assessments", params={"api_key": secret}, headers=_bearer(secret))
    logging.getLogger("chainrule.test").warning("got %s", secret)
    try:
        raise RuntimeError(f"bad key {secret}")
    except RuntimeError:
        logging.getLogger("chainrule.test").exception("failed")
    assert caplog.records
    everything = caplog.text + "".join(r.getMessage() for r in caplog.records)
    assert secret not in everything
    assert f"{created['prefix']}_[redacted]" in everything  # which key leaked stays known
