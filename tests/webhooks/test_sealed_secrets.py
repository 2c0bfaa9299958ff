"""Webhook secrets and Greenhouse callback keys are sealed at rest: the raw columns hold no
secret, only this SECRET_KEY opens them, and the migration seals rows made before it (and back)."""

from __future__ import annotations

import base64
import uuid

import httpx
import pytest
import sqlalchemy as sa
from alembic import command
from fastapi.testclient import TestClient
from sqlalchemy import Connection, select, text
from sqlalchemy.orm import Session, sessionmaker

from app.cli import alembic_config
from app.integrations.greenhouse import request_key
from app.models import WebhookDeliveryAttempt, WebhookEndpoint
from app.resealing import reseal_all
from app.sealing import CALLBACK_KEY, WEBHOOK_SECRET, Sealer, UnsealError, is_sealed
from app.settings import Settings
from app.webhooks.delivery import deliver_due
from tests import factories
from tests.webhooks.conftest import Org
from tests.webhooks.flow import add_endpoint, invite
from tests.webhooks.receiver import webhook_receiver

BEFORE_SEALING = "560d3e9b4f64"


def test_the_stored_webhook_secret_is_sealed_and_still_signs(
    api: TestClient,
    org: Org,
    connection: Connection,
    sessions: sessionmaker[Session],
    outbound: httpx.Client,
    sealer: Sealer,
) -> None:
    with webhook_receiver() as receiver:
        endpoint = add_endpoint(api, org.headers, receiver.url)
        receiver.secret = endpoint["secret"]
        raw = connection.execute(text("SELECT secret FROM webhook_endpoint")).scalar_one()
        secret_body = endpoint["secret"].removeprefix("whsec_")
        assert secret_body not in raw
        assert base64.b64decode(secret_body).hex() not in raw
        assert is_sealed(raw)
        invite(api, org.headers, org.assessment_id)
        assert deliver_due(sessions, outbound, sealer=sealer) == 1
    assert len(receiver.processed) == 1  # verified with the secret shown once


def test_the_stored_callback_key_is_sealed(
    api: TestClient, org: Org, connection: Connection, sealer: Sealer
) -> None:
    key = org.headers["Authorization"].removeprefix("Bearer ")
    sent = api.post(
        "/integrations/greenhouse/send_test",
        json={
            "partner_test_id": org.assessment_id,
            "candidate": {"first_name": "G", "last_name": "H", "email": "g@example.com"},
            "url": "https://app.greenhouse.io/x",
        },
        headers={"Authorization": "Basic " + base64.b64encode(f"{key}:".encode()).decode()},
    )
    assert sent.status_code == 200, sent.text
    raw = connection.execute(text("SELECT callback_key FROM greenhouse_order")).scalar_one()
    assert key not in raw
    assert key.split("_")[-1] not in raw  # not even the key's secret part
    assert sealer.unseal(raw, purpose=CALLBACK_KEY) == key


def test_a_sealed_value_opens_only_with_its_key_and_purpose(sealer: Sealer) -> None:
    sealed = sealer.seal("whsec_abc", purpose=WEBHOOK_SECRET)
    assert sealed != sealer.seal("whsec_abc", purpose=WEBHOOK_SECRET)  # a fresh nonce each time
    assert sealer.unseal(sealed, purpose=WEBHOOK_SECRET) == "whsec_abc"
    with pytest.raises(UnsealError):
        sealer.unseal(sealed, purpose=CALLBACK_KEY)  # moved to another column
    with pytest.raises(UnsealError):
        Sealer("another SECRET_KEY").unseal(sealed, purpose=WEBHOOK_SECRET)
    tampered = sealed[:-4] + ("AAAA" if not sealed.endswith("AAAA") else "BBBB")
    with pytest.raises(UnsealError):
        sealer.unseal(tampered, purpose=WEBHOOK_SECRET)


def test_after_a_secret_key_change_nothing_is_sent_unsigned(
    api: TestClient,
    org: Org,
    session: Session,
    sessions: sessionmaker[Session],
    outbound: httpx.Client,
) -> None:
    with webhook_receiver() as receiver:
        add_endpoint(api, org.headers, receiver.url)
        invite(api, org.headers, org.assessment_id)
        assert deliver_due(sessions, outbound, sealer=Sealer("a new SECRET_KEY")) == 1
    assert receiver.requests == []
    (logged,) = session.scalars(select(WebhookDeliveryAttempt)).all()
    assert logged.status_code is None
    assert logged.error is not None
    assert "SECRET_KEY" in logged.error


def test_the_migration_seals_existing_rows_and_the_downgrade_opens_them(
    connection: Connection, session: Session, settings: Settings, sealer: Sealer
) -> None:
    made = factories.make_org(session, "Old secrets")
    question = factories.make_question(session, factories.single_choice("seal-q", "chain_rule"))
    assessment = factories.make_assessment(session, made.organization, [question])
    invited = factories.make_invitation(session, made.organization, assessment)
    session.commit()  # to the test's savepoint; the migration runs on the same connection
    config = alembic_config(settings)
    config.attributes["connection"] = connection
    command.downgrade(config, BEFORE_SEALING)

    endpoint_id, order_id = uuid.uuid4(), uuid.uuid4()
    plain_secret, plain_key = "whsec_" + "A" * 44, "cr_test_plainkey"
    connection.execute(
        sa.text(
            "INSERT INTO webhook_endpoint (id, organization_id, url, event_types, description,"
            " secret, created_at) VALUES (:id, :org, 'https://h.example/in', '[]', '', :secret,"
            " CURRENT_TIMESTAMP)"
        ).bindparams(sa.bindparam("id", type_=sa.Uuid()), sa.bindparam("org", type_=sa.Uuid())),
        {"id": endpoint_id, "org": made.organization.id, "secret": plain_secret},
    )
    connection.execute(
        sa.text(
            "INSERT INTO greenhouse_order (id, organization_id, attempt_id, callback_url,"
            " callback_key, greenhouse_profile_url, created_at, callback_tries)"
            " VALUES (:id, :org, :attempt, 'https://app.greenhouse.io/x', :key,"
            " 'https://app.greenhouse.io/people/1', CURRENT_TIMESTAMP, 0)"
        ).bindparams(
            sa.bindparam("id", type_=sa.Uuid()),
            sa.bindparam("org", type_=sa.Uuid()),
            sa.bindparam("attempt", type_=sa.Uuid()),
        ),
        {
            "id": order_id,
            "org": made.organization.id,
            "attempt": invited.attempt.id,
            "key": plain_key,
        },
    )

    command.upgrade(config, "head")
    secret = connection.execute(text("SELECT secret FROM webhook_endpoint")).scalar_one()
    key, keyed = connection.execute(
        text("SELECT callback_key, request_key FROM greenhouse_order")
    ).one()
    assert plain_secret not in secret
    assert plain_key not in key
    assert sealer.unseal(secret, purpose=WEBHOOK_SECRET) == plain_secret
    assert sealer.unseal(key, purpose=CALLBACK_KEY) == plain_key
    email = invited.attempt.candidate.email
    assert keyed == request_key(str(assessment.id), email, "https://app.greenhouse.io/people/1")

    command.downgrade(config, BEFORE_SEALING)
    assert connection.execute(text("SELECT secret FROM webhook_endpoint")).scalar_one() == (
        plain_secret
    )
    assert connection.execute(text("SELECT callback_key FROM greenhouse_order")).scalar_one() == (
        plain_key
    )
    command.upgrade(config, "head")


def test_reseal_moves_every_secret_to_the_new_key_once(
    api: TestClient, org: Org, session: Session, sealer: Sealer
) -> None:
    with webhook_receiver() as receiver:
        shown = add_endpoint(api, org.headers, receiver.url)["secret"]
    new = Sealer("the rotated SECRET_KEY")
    assert reseal_all(session, old=sealer, new=new) == 1
    stored = session.scalars(select(WebhookEndpoint)).one().secret
    assert new.unseal(stored, purpose=WEBHOOK_SECRET) == shown
    assert reseal_all(session, old=sealer, new=new) == 0  # a second run changes nothing
    with pytest.raises(UnsealError):  # a value neither key opens stops the rotation
        reseal_all(session, old=Sealer("unrelated"), new=Sealer("another"))
