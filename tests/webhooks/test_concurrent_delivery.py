"""Deliveries go out several at a time: a slow receiver holds up no other endpoint, and no
delivery is sent twice at once, however many processes send."""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, delete, select, update
from sqlalchemy.orm import Session, sessionmaker

from app.db import utcnow
from app.models import (
    ApiKey,
    DeliveryStatus,
    Organization,
    WebhookDelivery,
    WebhookDeliveryAttempt,
    WebhookEndpoint,
    WebhookEvent,
)
from app.sealing import WEBHOOK_SECRET, Sealer
from app.webhooks.delivery import deliver_due
from app.webhooks.endpoints import new_secret
from app.webhooks.events import new_event_id
from app.webhooks.outbound import outbound_client
from tests import factories
from tests.webhooks.conftest import Org
from tests.webhooks.flow import add_endpoint, invite
from tests.webhooks.receiver import webhook_receiver


def test_a_slow_receiver_holds_up_no_other_endpoint(
    api: TestClient,
    org: Org,
    session: Session,
    sessions: sessionmaker[Session],
    outbound: httpx.Client,
    sealer: Sealer,
) -> None:
    fast_heard = threading.Event()
    slow_saw_fast: list[bool] = []
    with (
        # The slow receiver answers only once the fast one has heard its event (or after 5 s):
        # sent one after the other, slow first, the fast one would not have heard it yet.
        webhook_receiver(hold=lambda: slow_saw_fast.append(fast_heard.wait(5))) as slow,
        webhook_receiver(hold=fast_heard.set) as fast,
    ):
        slow_id = add_endpoint(api, org.headers, slow.url)["id"]
        add_endpoint(api, org.headers, fast.url)
        invite(api, org.headers, org.assessment_id)
        session.execute(  # the slow endpoint's delivery is the oldest due: claimed first
            update(WebhookDelivery)
            .where(WebhookDelivery.endpoint_id == uuid.UUID(slow_id))
            .values(next_attempt_at=utcnow() - timedelta(minutes=1))
        )
        session.flush()
        assert deliver_due(sessions, outbound, sealer=sealer, workers=4) == 2
    assert slow_saw_fast == [True]
    assert len(fast.requests) == 1


@pytest.fixture
def committed_org(engine: Engine) -> Iterator[uuid.UUID]:
    """A committed organization; its endpoints, events and deliveries are removed after."""
    with Session(engine) as session:
        org_id = factories.make_org(session, "Backlog").organization.id
        session.commit()
    try:
        yield org_id
    finally:
        with Session(engine) as session:
            mine = select(WebhookEndpoint.id).where(WebhookEndpoint.organization_id == org_id)
            deliveries = select(WebhookDelivery.id).where(WebhookDelivery.endpoint_id.in_(mine))
            for statement in (
                delete(WebhookDeliveryAttempt).where(
                    WebhookDeliveryAttempt.delivery_id.in_(deliveries)
                ),
                delete(WebhookDelivery).where(WebhookDelivery.endpoint_id.in_(mine)),
                delete(WebhookEvent).where(WebhookEvent.organization_id == org_id),
                delete(WebhookEndpoint).where(WebhookEndpoint.organization_id == org_id),
                delete(ApiKey).where(ApiKey.organization_id == org_id),
                delete(Organization).where(Organization.id == org_id),
            ):
                session.execute(statement)
            session.commit()


def _add_backlog(engine: Engine, sealer: Sealer, org_id: uuid.UUID, urls: list[str]) -> None:
    """Ten due deliveries to each url (committed), the oldest first."""
    now = utcnow()
    with Session(engine) as session:
        for url in urls:
            endpoint = WebhookEndpoint(
                organization_id=org_id,
                url=url,
                event_types=["attempt.graded"],
                secret=sealer.seal(new_secret(), purpose=WEBHOOK_SECRET),
            )
            session.add(endpoint)
            session.flush()
            for n in range(10):
                event = WebhookEvent(
                    id=new_event_id(),
                    organization_id=org_id,
                    type="attempt.graded",
                    payload={"type": "attempt.graded", "timestamp": now.isoformat(), "data": {}},
                )
                session.add(event)
                session.flush()
                session.add(
                    WebhookDelivery(
                        event_id=event.id,
                        endpoint_id=endpoint.id,
                        next_attempt_at=now - timedelta(seconds=n),
                    )
                )
        session.commit()


def test_senders_in_parallel_never_send_a_delivery_twice(
    engine: Engine, sealer: Sealer, committed_org: uuid.UUID
) -> None:
    org_id = committed_org
    with (
        webhook_receiver(delay=0.02) as a,
        webhook_receiver(delay=0.02) as b,
        webhook_receiver(delay=0.02) as c,
    ):
        _add_backlog(engine, sealer, org_id, [a.url, b.url, c.url])
        start = threading.Barrier(4)
        made: list[int] = []

        def sender() -> None:  # as another API process would: its own sessions and client
            with outbound_client(allow_private=True) as client:
                start.wait()
                made.append(deliver_due(sessionmaker(engine), client, sealer=sealer, workers=3))

        threads = [threading.Thread(target=sender) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    sent = Counter(r.headers["webhook-id"] for rx in (a, b, c) for r in rx.requests)
    assert len(sent) == 30
    assert set(sent.values()) == {1}, sent.most_common(3)
    assert sum(made) == 30
    with Session(engine) as session:
        statuses = session.scalars(
            select(WebhookDelivery.status)
            .join(WebhookEndpoint)
            .where(WebhookEndpoint.organization_id == org_id)
        ).all()
    assert statuses == [DeliveryStatus.DELIVERED] * 30
