"""A fake Greenhouse drives the partner API and receives the completion PATCH on time."""

from __future__ import annotations

import base64
import re
import uuid
from datetime import datetime
from urllib.parse import urlsplit

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import Connection, select
from sqlalchemy.orm import Session, sessionmaker

from app.db import utcnow
from app.mail.sender import SmtpTarget, send_due
from app.models import Assessment, Attempt, GreenhouseOrder, OutboxEmail
from app.sealing import Sealer
from app.webhooks import backoff
from app.webhooks.loop import send_outbound
from tests import factories
from tests.mail.smtp_sink import smtp_sink
from tests.webhooks.conftest import Org
from tests.webhooks.receiver import webhook_receiver

CALLBACK_PATH = "/integrations/testing_partners/take_home_tests/12345"


def _basic(key: str) -> dict[str, str]:
    # Greenhouse: the API key as user name, an empty password.
    return {"Authorization": "Basic " + base64.b64encode(f"{key}:".encode()).decode()}


def _send_test_body(partner_test_id: str, callback_url: str) -> dict[str, object]:
    return {
        "partner_test_id": partner_test_id,
        "candidate": {
            "first_name": "Grace",
            "last_name": "Hopper",
            "preferred_name": "Amazing Grace",
            "resume_url": "https://app.greenhouse.io/resumes/1?expires=7d",
            "phone_number": "+1 555 0100",
            "email": "grace@example.com",
            "greenhouse_profile_url": "https://app.greenhouse.io/people/4321",
        },
        "sent_by": "recruiter@example.com",
        "url": callback_url,
        "a_field_greenhouse_added_later": {"ignored": True},
    }


def _key(org: Org) -> str:
    return org.headers["Authorization"].removeprefix("Bearer ")


def test_greenhouse_sends_a_test_and_hears_when_it_is_complete(
    sealer: Sealer,
    api: TestClient,
    org: Org,
    connection: Connection,
    sessions: sessionmaker[Session],
    outbound: httpx.Client,
) -> None:
    gh = _basic(_key(org))
    with webhook_receiver() as greenhouse:
        base = greenhouse.url.removesuffix("/hooks")
        tests = api.get("/integrations/greenhouse/list_tests", headers=gh)
        assert tests.status_code == 200, tests.text
        listed = {t["partner_test_id"]: t["partner_test_name"] for t in tests.json()}
        assert listed[org.assessment_id].startswith("Assessment")
        assert all(set(t) == {"partner_test_id", "partner_test_name"} for t in tests.json())

        sent = api.post(
            "/integrations/greenhouse/send_test",
            json=_send_test_body(org.assessment_id, base + CALLBACK_PATH),
            headers=gh,
        )
        assert sent.status_code == 200, sent.text
        interview = sent.json()["partner_interview_id"]
        status = api.get(
            "/integrations/greenhouse/test_status",
            params={"partner_interview_id": interview},
            headers=gh,
        ).json()
        assert status["partner_status"] == "sent"
        assert status["partner_score"] is None
        assert status["partner_profile_url"] is None

        # The candidate gets the link by e-mail (through the outbox, over SMTP).
        with smtp_sink() as (url, sink):
            assert send_due(sessions, SmtpTarget.parse(url), sender="x@chainrule.test") == 1
        (message,) = sink.messages
        assert message["To"] == "grace@example.com"
        text = message.get_payload(decode=True).decode()
        assert "Amazing Grace Hopper" in text
        match = re.search(r"/take/([\w-]+)", text)
        assert match is not None
        token = match.group(1)

        # Nothing to tell Greenhouse yet (the read-only look finds nothing due).
        assert send_outbound(sessions, outbound, sealer=sealer, reads=sessions) == 0
        api.post(f"/api/v1/take/{token}/start")
        api.put(f"/api/v1/take/{token}/answers/hooks-one", json={"response": {"choice": "a"}})
        assert api.post(f"/api/v1/take/{token}/submit").status_code == 200
        assert send_outbound(sessions, outbound, sealer=sealer, reads=sessions) == 1
        assert send_outbound(sessions, outbound, sealer=sealer, reads=sessions) == 0

    (patch,) = greenhouse.requests
    assert (patch.method, patch.path) == ("PATCH", CALLBACK_PATH)
    assert patch.body == b""
    assert patch.headers["authorization"] == gh["Authorization"]

    # Greenhouse reacts to the PATCH by reading the status.
    done = api.get(
        "/integrations/greenhouse/test_status",
        params={"partner_interview_id": interview},
        headers=gh,
    ).json()
    assert done["partner_status"] == "complete"
    assert done["partner_score"] == 100.0
    assert done["partner_profile_url"].startswith("http")
    # The link is the recruiter's report page: it exists, behind sign-in.
    report = api.get(urlsplit(done["partner_profile_url"]).path, follow_redirects=False)
    assert report.status_code == 303
    assert report.headers["location"].startswith("/sign-in")
    assert done["metadata"]["chain_rule_percent"] == 100.0
    assert all(isinstance(v, str | int | float | bool) for v in done["metadata"].values())

    reported = api.post(
        "/integrations/greenhouse/response_error",
        json={
            "api_call": "test_status",
            "errors": ["partner_profile_url is not reachable"],
            "partner_test_id": org.assessment_id,
            "partner_test_name": "Backprop",
            "partner_interview_id": interview,
            "candidate_email": "grace@example.com",
        },
        headers=gh,
    )
    assert reported.status_code == 200
    log = api.get("/api/v1/integration-errors", headers=org.headers).json()
    (error,) = log["items"]
    assert error["api_call"] == "test_status"
    assert error["errors"] == ["partner_profile_url is not reachable"]
    assert error["details"]["partner_interview_id"] == interview


class FakeClock:
    def __init__(self) -> None:
        self.now = utcnow()

    def __call__(self) -> datetime:
        return self.now


def test_the_completion_patch_is_retried_with_backoff(
    sealer: Sealer,
    api: TestClient,
    org: Org,
    session: Session,
    sessions: sessionmaker[Session],
    outbound: httpx.Client,
) -> None:
    gh = _basic(_key(org))
    with webhook_receiver(script=[502, 500]) as greenhouse:
        sent = api.post(
            "/integrations/greenhouse/send_test",
            json=_send_test_body(org.assessment_id, greenhouse.url),
            headers=gh,
        )
        assert sent.status_code == 200, sent.text
        (email,) = session.scalars(select(OutboxEmail)).all()
        match = re.search(r"/take/([\w-]+)", email.body)
        assert match is not None
        token = match.group(1)
        api.post(f"/api/v1/take/{token}/start")
        api.post(f"/api/v1/take/{token}/submit")

        clock = FakeClock()
        for tries in (1, 2):
            assert send_outbound(sessions, outbound, sealer=sealer, clock=clock) == 1
            session.expire_all()
            order = session.scalars(select(GreenhouseOrder)).one()
            assert order.callback_done_at is None
            assert order.callback_tries == tries
            assert order.callback_last_error in ("HTTP 502", "HTTP 500")
            assert order.callback_next_attempt_at is not None
            wait = order.callback_next_attempt_at - clock.now
            base = backoff.RETRY_DELAYS[tries - 1]
            assert base * 0.8 <= wait <= base * 1.2
            assert send_outbound(sessions, outbound, sealer=sealer, clock=clock) == 0  # not due yet
            clock.now = order.callback_next_attempt_at
        assert send_outbound(sessions, outbound, sealer=sealer, clock=clock) == 1
    session.expire_all()
    order = session.scalars(select(GreenhouseOrder)).one()
    assert order.callback_done_at is not None
    assert [r.method for r in greenhouse.requests] == ["PATCH"] * 3


def test_greenhouse_errors_are_problems(api: TestClient, org: Org, session: Session) -> None:
    wrong = api.get("/integrations/greenhouse/list_tests", headers=_basic("cr_nope_nope"))
    assert wrong.status_code == 401
    assert wrong.headers["content-type"] == "application/problem+json"
    unknown = api.get(
        "/integrations/greenhouse/test_status",
        params={"partner_interview_id": "not-an-id"},
        headers=_basic(_key(org)),
    )
    assert unknown.status_code == 404
    assert unknown.json()["type"] == "/problems/partner-interview-not-found"
    other = factories.make_org(session, name="Other")
    foreign = api.post(
        "/integrations/greenhouse/send_test",
        json=_send_test_body(org.assessment_id, "https://app.greenhouse.io/x"),
        headers=_basic(other.api_key),
    )
    assert foreign.status_code == 404
    bad = api.post(
        "/integrations/greenhouse/send_test",
        json={"partner_test_id": org.assessment_id, "candidate": {"first_name": "G"}},
        headers=_basic(_key(org)),
    )
    assert bad.status_code == 422
    assert bad.json()["type"] == "/problems/invalid-request"


def test_an_archived_assessment_is_no_test_for_greenhouse(
    api: TestClient, org: Org, session: Session
) -> None:
    assessment = session.get_one(Assessment, uuid.UUID(org.assessment_id))
    assessment.archived_at = utcnow()
    session.flush()
    gh = _basic(_key(org))
    listed = api.get("/integrations/greenhouse/list_tests", headers=gh).json()
    assert org.assessment_id not in {t["partner_test_id"] for t in listed}
    sent = api.post(
        "/integrations/greenhouse/send_test",
        json=_send_test_body(org.assessment_id, "https://app.greenhouse.io/x"),
        headers=gh,
    )
    assert sent.status_code == 409
    assert sent.json()["type"] == "/problems/assessment-archived"
    assert session.scalars(select(GreenhouseOrder)).all() == []


def test_a_retried_send_test_returns_the_first_order_and_invites_once(
    api: TestClient, org: Org, session: Session
) -> None:
    gh = _basic(_key(org))
    body = _send_test_body(org.assessment_id, "https://app.greenhouse.io/x")
    first = api.post("/integrations/greenhouse/send_test", json=body, headers=gh)
    assert first.status_code == 200, first.text
    # Greenhouse retries with no Idempotency-Key; the e-mail's case may differ.
    body["candidate"]["email"] = "Grace@Example.com"  # type: ignore[index]
    retry = api.post("/integrations/greenhouse/send_test", json=body, headers=gh)
    assert retry.status_code == 200, retry.text
    assert retry.json() == first.json()
    assert len(session.scalars(select(GreenhouseOrder)).all()) == 1
    assert len(session.scalars(select(Attempt)).all()) == 1
    assert len(session.scalars(select(OutboxEmail)).all()) == 1

    # Another application of the same person (another profile) is another test.
    body["candidate"]["greenhouse_profile_url"] = "https://app.greenhouse.io/people/9"  # type: ignore[index]
    other = api.post("/integrations/greenhouse/send_test", json=body, headers=gh)
    assert other.json()["partner_interview_id"] != first.json()["partner_interview_id"]
    assert len(session.scalars(select(GreenhouseOrder)).all()) == 2


def test_a_greenhouse_401_challenges_with_basic(api: TestClient, org: Org) -> None:
    for headers in ({}, _basic("cr_nope_nope"), {"Authorization": "Bearer cr_nope_nope"}):
        refused = api.get("/integrations/greenhouse/list_tests", headers=headers)
        assert refused.status_code == 401
        assert refused.headers["content-type"] == "application/problem+json"
        assert refused.headers["www-authenticate"].startswith('Basic realm="')
    # The REST API keeps its Bearer challenge.
    assert api.get("/api/v1/assessments").headers["www-authenticate"] == "Bearer"


def test_the_openapi_document_says_the_partner_api_takes_basic(api: TestClient) -> None:
    document = api.get("/openapi.json").json()
    assert document["components"]["securitySchemes"]["HTTPBasic"]["scheme"] == "basic"
    partner = [
        operation
        for path, item in document["paths"].items()
        if path.startswith("/integrations/greenhouse/")
        for operation in item.values()
    ]
    assert len(partner) == 4
    for operation in partner:
        assert operation["security"] == [{"HTTPBasic": []}, {"HTTPBearer": []}]
    assert document["paths"]["/api/v1/assessments"]["get"]["security"] == [{"HTTPBearer": []}]
