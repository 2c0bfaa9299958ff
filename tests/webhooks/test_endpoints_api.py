"""The webhook endpoints API: bad input is problem+json, private targets are refused."""

from __future__ import annotations

import uuid

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.models import WebhookDelivery
from app.sealing import Sealer
from app.webhooks.delivery import deliver_due
from app.webhooks.outbound import outbound_client
from tests import factories
from tests.webhooks.conftest import Org
from tests.webhooks.flow import add_endpoint, invite
from tests.webhooks.receiver import webhook_receiver


@pytest.fixture
def admin(session: Session) -> dict[str, str]:
    return {"Authorization": f"Bearer {factories.make_org(session).api_key}"}


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (
            {"url": "http://127.0.0.1:8080/x", "event_types": ["attempt.graded"]},
            "invalid-webhook-url",
        ),
        ({"url": "https://10.1.2.3/x", "event_types": ["attempt.graded"]}, "invalid-webhook-url"),
        ({"url": "https://[::1]/x", "event_types": ["attempt.graded"]}, "invalid-webhook-url"),
        (
            {"url": "ftp://hooks.example.com/", "event_types": ["attempt.graded"]},
            "invalid-webhook-url",
        ),
        (
            {"url": "https://u:p@hooks.example.com/", "event_types": ["attempt.graded"]},
            "invalid-webhook-url",
        ),
        (
            {"url": "https://hooks.example.com/", "event_types": ["attempt.exploded"]},
            "invalid-request",
        ),
        ({"url": "https://hooks.example.com/", "event_types": []}, "invalid-request"),
        ({"url": "https://hooks.example.com/"}, "invalid-request"),
        (
            {"url": "https://hooks.example.com/", "event_types": ["attempt.graded"], "x": 1},
            "invalid-request",
        ),
    ],
)
def test_bad_endpoints_are_refused_with_a_problem(
    client: TestClient, admin: dict[str, str], body: dict[str, object], problem: str
) -> None:
    response = client.post("/api/v1/webhook-endpoints", json=body, headers=admin)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"] == f"/problems/{problem}"


def test_endpoint_lifecycle_through_the_api(client: TestClient, admin: dict[str, str]) -> None:
    created = client.post(
        "/api/v1/webhook-endpoints",
        json={"url": "https://hooks.example.com/in", "event_types": ["attempt.graded"]},
        headers=admin,
    )
    assert created.status_code == 201
    endpoint = created.json()
    assert endpoint["secret"].startswith("whsec_")
    path = f"/api/v1/webhook-endpoints/{endpoint['id']}"
    read = client.get(path, headers=admin).json()
    assert "secret" not in read
    assert read["enabled"] is True
    listed = client.get("/api/v1/webhook-endpoints", headers=admin).json()
    assert [e["id"] for e in listed["items"]] == [endpoint["id"]]
    changed = client.patch(path, json={"event_types": ["attempt.started"]}, headers=admin)
    assert changed.json()["event_types"] == ["attempt.started"]
    bad = client.patch(path, json={"url": "https://127.0.0.1/"}, headers=admin)
    assert bad.status_code == 422
    assert client.delete(path, headers=admin).status_code == 204
    gone = client.get(path, headers=admin)
    assert gone.status_code == 404
    assert gone.json()["type"] == "/problems/webhook-endpoint-not-found"
    missing = client.post(f"{path}/deliveries/{uuid.uuid4()}/redeliver", headers=admin)
    assert missing.status_code == 404


def test_a_loopback_target_is_refused_at_connect_time(
    sealer: Sealer, api: TestClient, org: Org, session: Session, sessions: sessionmaker[Session]
) -> None:
    """Saved while allowed, sent by a service that refuses private targets: never connected."""
    with webhook_receiver() as receiver:
        add_endpoint(api, org.headers, receiver.url, event_types=["invitation.created"])
        invite(api, org.headers, org.assessment_id)
        with outbound_client(allow_private=False) as guarded:
            assert deliver_due(sessions, guarded, sealer=sealer) == 1
    assert receiver.requests == []
    (delivery,) = session.scalars(select(WebhookDelivery)).all()
    session.refresh(delivery)
    (attempt,) = delivery.attempts
    assert attempt.status_code is None
    assert "private address (127.0.0.1)" in (attempt.error or "")


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1", "[::1]", "0.0.0.0"])
def test_the_guard_checks_resolved_addresses_not_names(host: str) -> None:
    with webhook_receiver() as receiver:
        port = receiver.url.split(":")[2].split("/")[0]
        with outbound_client(allow_private=False) as guarded, pytest.raises(httpx.ConnectError):
            guarded.post(f"http://{host}:{port}/hooks", content=b"{}")
    assert receiver.requests == []
