"""The webhooks and integrations settings pages: the secret shown once, the delivery log with
status codes and the next retry, redelivery, CSRF, and hostile URLs and text shown inert."""

from __future__ import annotations

import html

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db import utcnow
from app.models import (
    DeliveryStatus,
    IntegrationError,
    Role,
    WebhookDelivery,
    WebhookDeliveryAttempt,
    WebhookEndpoint,
    WebhookEvent,
)
from app.webhooks.events import new_event_id
from tests.factories import make_member, make_org, sign_in_as

XSS = "<script>alert(1)</script>"


def _admin(client: TestClient, session: Session) -> tuple[str, object]:
    org = make_org(session)
    member = make_member(session, org.organization, Role.ADMIN)
    return sign_in_as(client, session, member.account), org.organization


def test_an_endpoint_is_added_with_its_secret_shown_once(
    client: TestClient, session: Session
) -> None:
    csrf, _ = _admin(client, session)
    url = f"https://hooks.example.com/in?x={XSS}"
    added = client.post(
        "/settings/webhooks",
        data={
            "csrf_token": csrf,
            "url": url,
            "event_types": ["attempt.graded", "attempt.started"],
            "description": f"<b>{XSS}</b>",
        },
    )
    assert added.status_code == 200, added.text
    assert added.headers["cache-control"] == "no-store"
    endpoint = session.scalars(select(WebhookEndpoint)).one()
    assert endpoint.event_types == ["attempt.graded", "attempt.started"]
    secret = added.text.split('id="new-secret"', 1)[1].split('value="', 1)[1].split('"', 1)[0]
    assert secret.startswith("whsec_")
    assert secret not in endpoint.secret  # stored sealed
    assert XSS not in added.text
    assert html.escape(XSS, quote=False) in added.text
    again = client.get("/settings/webhooks")
    assert secret not in again.text
    assert html.escape(url) in again.text or html.escape(url, quote=False) in again.text


def test_bad_input_keeps_what_was_typed_and_stores_nothing(
    client: TestClient, session: Session
) -> None:
    csrf, _ = _admin(client, session)
    for data, problem in (
        ({"url": "ftp://example.com/x", "event_types": ["attempt.graded"]}, "https://"),
        ({"url": "https://127.0.0.1/in", "event_types": ["attempt.graded"]}, "private"),
        ({"url": "https://hooks.example.com/in"}, "Pick"),
    ):
        refused = client.post("/settings/webhooks", data={"csrf_token": csrf, **data})
        assert refused.status_code == 422
        assert 'role="alert"' in refused.text
        assert problem in refused.text
        assert html.escape(str(data["url"])) in refused.text
    assert session.scalars(select(WebhookEndpoint)).all() == []
    no_csrf = client.post(
        "/settings/webhooks",
        data={"url": "https://hooks.example.com/in", "event_types": ["attempt.graded"]},
    )
    assert no_csrf.status_code == 403
    assert session.scalars(select(WebhookEndpoint)).all() == []


def test_the_delivery_log_shows_each_try_and_redelivers(
    client: TestClient, session: Session
) -> None:
    csrf, _ = _admin(client, session)
    client.post(
        "/settings/webhooks",
        data={
            "csrf_token": csrf,
            "url": "https://hooks.example.com/in",
            "event_types": ["attempt.graded"],
        },
    )
    endpoint = session.scalars(select(WebhookEndpoint)).one()
    event = WebhookEvent(
        id=new_event_id(),
        organization_id=endpoint.organization_id,
        type="attempt.graded",
        payload={"type": "attempt.graded", "timestamp": "t", "data": {}},
    )
    session.add(event)
    session.flush()
    delivery = WebhookDelivery(
        event_id=event.id, endpoint_id=endpoint.id, status=DeliveryStatus.FAILED, tries=2
    )
    session.add(delivery)
    session.flush()
    for code in (503, 410):
        session.add(
            WebhookDeliveryAttempt(
                delivery_id=delivery.id, attempted_at=utcnow(), status_code=code, duration_ms=12
            )
        )
    session.flush()
    page = client.get(f"/settings/webhooks/{endpoint.id}")
    assert page.status_code == 200
    assert "HTTP 503" in page.text
    assert "HTTP 410" in page.text
    assert event.id in page.text
    sent = client.post(
        f"/settings/webhooks/{endpoint.id}/deliveries/{delivery.id}/redeliver",
        data={"csrf_token": csrf},
        follow_redirects=False,
    )
    assert sent.status_code == 303
    session.refresh(delivery)
    assert delivery.status == DeliveryStatus.PENDING
    page = client.get(sent.headers["location"])
    assert "sent again" in page.text
    assert "Next retry" in page.text
    disabled = client.post(f"/settings/webhooks/{endpoint.id}/disable", data={"csrf_token": csrf})
    assert "nothing is sent to it" in disabled.text
    session.refresh(endpoint)
    assert endpoint.disabled_at is not None
    client.post(f"/settings/webhooks/{endpoint.id}/delete", data={"csrf_token": csrf})
    assert session.scalars(select(WebhookEndpoint)).all() == []


def test_the_integrations_page_gives_the_urls_and_shows_reported_errors_inert(
    client: TestClient, session: Session
) -> None:
    _, org = _admin(client, session)
    session.add(
        IntegrationError(
            organization_id=org.id,  # type: ignore[attr-defined]
            provider="greenhouse",
            api_call="test_status",
            errors=[f"bad {XSS}"],
            details={"candidate_email": f"{XSS}@example.com"},
        )
    )
    session.flush()
    page = client.get("/settings/integrations")
    assert page.status_code == 200
    for call in ("list_tests", "send_test", "test_status", "response_error"):
        assert f"http://testserver/integrations/greenhouse/{call}" in page.text
    assert XSS not in page.text
    assert html.escape(XSS, quote=False) in page.text
