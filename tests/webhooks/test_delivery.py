"""Webhooks reach a real receiver signed per Standard Webhooks, retried with backoff, deduped."""

from __future__ import annotations

import random
import uuid
from datetime import datetime, timedelta

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from app.db import utcnow
from app.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from app.sealing import Sealer
from app.webhooks import backoff
from app.webhooks.delivery import deliver_due
from app.webhooks.endpoints import new_secret
from app.webhooks.outbound import outbound_client
from tests.webhooks.conftest import Org
from tests.webhooks.flow import add_endpoint, invite, take_and_submit
from tests.webhooks.receiver import webhook_receiver


class FakeClock:
    def __init__(self) -> None:
        self.now = utcnow()

    def __call__(self) -> datetime:
        return self.now


def _deliveries(session: Session) -> list[WebhookDelivery]:
    session.expire_all()
    return list(session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.created_at)))


def test_every_event_reaches_the_receiver_signed(
    sealer: Sealer,
    api: TestClient,
    org: Org,
    sessions: sessionmaker[Session],
    outbound: httpx.Client,
) -> None:
    with webhook_receiver() as receiver:
        endpoint = add_endpoint(api, org.headers, receiver.url)
        assert endpoint["secret"].startswith("whsec_")
        receiver.secret = endpoint["secret"]
        take_and_submit(api, invite(api, org.headers, org.assessment_id))

        assert deliver_due(sessions, outbound, sealer=sealer) == 4
        assert deliver_due(sessions, outbound, sealer=sealer) == 0

    types = [r["type"] for r in receiver.processed.values()]
    assert types == ["invitation.created", "attempt.started", "attempt.submitted", "attempt.graded"]
    for request in receiver.requests:
        # Each delivery verifies on its own with the package an integrator would use.
        payload = Webhook(endpoint["secret"]).verify(request.body, request.headers)
        assert set(payload) == {"type", "timestamp", "data"}
        assert request.method == "POST"
        assert request.headers["content-type"] == "application/json"
        assert request.headers["webhook-id"].startswith("msg_")
    graded = list(receiver.processed.values())[-1]["data"]
    assert (graded["score"], graded["max_score"]) == (1.0, 1.0)
    assert graded["candidate"] == {"email": "ada@example.com", "name": "Ada"}
    assert "token" not in str(receiver.processed)
    # Another secret does not verify: the signature covers the body with this endpoint's secret.
    request = receiver.requests[0]
    with pytest.raises(WebhookVerificationError):
        Webhook(new_secret()).verify(request.body, request.headers)


def test_a_receiver_failing_three_times_processes_the_event_once(
    sealer: Sealer,
    api: TestClient,
    org: Org,
    session: Session,
    sessions: sessionmaker[Session],
    outbound: httpx.Client,
) -> None:
    with webhook_receiver(script=[500, 503, 500]) as receiver:
        endpoint = add_endpoint(api, org.headers, receiver.url, event_types=["invitation.created"])
        receiver.secret = endpoint["secret"]
        invite(api, org.headers, org.assessment_id)
        clock = FakeClock()

        waits = []
        for tries in (1, 2, 3):
            assert (
                deliver_due(
                    sessions, outbound, sealer=sealer, clock=clock, rng=random.Random(tries)
                )
                == 1
            )
            (delivery,) = _deliveries(session)
            assert (delivery.status, delivery.tries) == (DeliveryStatus.PENDING, tries)
            wait = delivery.next_attempt_at - clock.now
            base = backoff.RETRY_DELAYS[tries - 1]
            assert base * 0.8 <= wait <= base * 1.2
            waits.append(wait)
            # Not due yet: nothing is sent a moment before the backoff is over.
            clock.now = delivery.next_attempt_at - timedelta(milliseconds=1)
            assert deliver_due(sessions, outbound, sealer=sealer, clock=clock) == 0
            clock.now = delivery.next_attempt_at
        assert deliver_due(sessions, outbound, sealer=sealer, clock=clock) == 1
        (delivery,) = _deliveries(session)
        assert delivery.status == DeliveryStatus.DELIVERED

        # An integrator replays it by hand: same webhook-id, so the receiver processes it once.
        replay = api.post(
            f"/api/v1/webhook-endpoints/{endpoint['id']}/deliveries/{delivery.id}/redeliver",
            headers=org.headers,
        )
        assert replay.status_code == 202, replay.text
        assert replay.json()["status"] == "pending"
        assert deliver_due(sessions, outbound, sealer=sealer, clock=clock) == 1

    assert waits[0] < waits[1] < waits[2]
    assert len(receiver.requests) == 5
    assert len({r.headers["webhook-id"] for r in receiver.requests}) == 1
    assert len(receiver.processed) == 1

    session.expire_all()  # the pass wrote on its own sessions; requests share this one
    log = api.get(f"/api/v1/webhook-endpoints/{endpoint['id']}/deliveries", headers=org.headers)
    assert log.status_code == 200
    (item,) = log.json()["items"]
    assert [a["status_code"] for a in item["attempts"]] == [500, 503, 500, 200, 200]
    assert item["status"] == "delivered"
    assert item["event_type"] == "invitation.created"


def test_410_gone_disables_the_endpoint(
    sealer: Sealer,
    api: TestClient,
    org: Org,
    session: Session,
    sessions: sessionmaker[Session],
    outbound: httpx.Client,
) -> None:
    with webhook_receiver(script=[410]) as receiver:
        endpoint = add_endpoint(api, org.headers, receiver.url)
        token = invite(api, org.headers, org.assessment_id)
        api.post(f"/api/v1/take/{token}/start")
        assert (
            deliver_due(sessions, outbound, sealer=sealer) == 1
        )  # the first answer was 410: stop there
        assert len(receiver.requests) == 1

        read = api.get(f"/api/v1/webhook-endpoints/{endpoint['id']}", headers=org.headers).json()
        assert read["enabled"] is False
        assert "410" in read["disabled_reason"]
        session.expire_all()
        assert session.get_one(WebhookEndpoint, uuid.UUID(endpoint["id"])).disabled_at is not None
        statuses = sorted(d.status for d in _deliveries(session))
        assert statuses == [DeliveryStatus.FAILED, DeliveryStatus.PENDING]

        # New changes make no deliveries for a disabled endpoint; redelivery is refused.
        invite(api, org.headers, org.assessment_id)
        assert len(_deliveries(session)) == 2
        failed = next(d for d in _deliveries(session) if d.status == DeliveryStatus.FAILED)
        refused = api.post(
            f"/api/v1/webhook-endpoints/{endpoint['id']}/deliveries/{failed.id}/redeliver",
            headers=org.headers,
        )
        assert refused.status_code == 409
        assert refused.json()["type"] == "/problems/webhook-endpoint-disabled"

        # Re-enabled, the waiting delivery goes out.
        enabled = api.patch(
            f"/api/v1/webhook-endpoints/{endpoint['id']}",
            json={"enabled": True},
            headers=org.headers,
        )
        assert enabled.json()["enabled"] is True
        assert deliver_due(sessions, outbound, sealer=sealer) == 1
        assert len(receiver.requests) == 2


def test_retries_stop_after_about_three_days(
    sealer: Sealer,
    api: TestClient,
    org: Org,
    session: Session,
    sessions: sessionmaker[Session],
    outbound: httpx.Client,
) -> None:
    with webhook_receiver(script=[500] * 20) as receiver:
        add_endpoint(api, org.headers, receiver.url, event_types=["invitation.created"])
        invite(api, org.headers, org.assessment_id)
        clock = FakeClock()
        first = clock.now
        while deliver_due(sessions, outbound, sealer=sealer, clock=clock):
            (delivery,) = _deliveries(session)
            clock.now = delivery.next_attempt_at
    (delivery,) = _deliveries(session)
    assert delivery.status == DeliveryStatus.FAILED
    assert len(receiver.requests) == backoff.MAX_TRIES == 10
    assert timedelta(days=2.5) < clock.now - first < timedelta(days=4)


def test_redirects_are_not_followed_and_slow_receivers_time_out(
    sealer: Sealer, api: TestClient, org: Org, session: Session, sessions: sessionmaker[Session]
) -> None:
    with (
        webhook_receiver(script=[302], extra_headers={"location": "http://127.0.0.1:9/"}) as moved,
        webhook_receiver(delay=1.5) as slow,
    ):
        add_endpoint(api, org.headers, moved.url, event_types=["invitation.created"])
        add_endpoint(api, org.headers, slow.url, event_types=["invitation.created"])
        invite(api, org.headers, org.assessment_id)
        with outbound_client(allow_private=True, timeout=0.5) as client:
            assert deliver_due(sessions, client, sealer=sealer) == 2
    errors = sorted(a.error or "" for d in _deliveries(session) for a in d.attempts)
    assert errors == ["HTTP 302", "ReadTimeout: timed out"]
    assert all(d.status == DeliveryStatus.PENDING for d in _deliveries(session))
    assert len(moved.requests) == 1  # the Location was not requested


def test_backoff_schedule_spans_about_three_days_with_jitter() -> None:
    rng = random.Random(7)
    delays = [backoff.next_delay(t, rng=rng) for t in range(1, backoff.MAX_TRIES)]
    assert all(d is not None for d in delays)
    total = sum((d for d in delays if d is not None), timedelta())
    assert timedelta(hours=60) < total < timedelta(hours=91)
    assert backoff.next_delay(backoff.MAX_TRIES) is None
    asked = backoff.next_delay(1, retry_after=timedelta(minutes=10))
    assert asked == timedelta(minutes=10)  # Retry-After longer than the schedule wins
