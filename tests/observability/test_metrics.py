"""/metrics: counts requests by route template (never a token), and answers only its scraper."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy.orm import Session

from app.main import create_app
from app.settings import Settings
from tests import factories
from tests.apps import on_session
from tests.problems import assert_problem

SCRAPER = "scrape-9f2c71d4e0b8a6"
AUTOSAVE = 'route="/api/v1/take/{token}/answers/{question_id}"'


def _app(settings: Settings, session: Session, **overrides: Any) -> FastAPI:
    app = create_app(settings.model_copy(update=overrides))
    return on_session(app, session)


@pytest.fixture
def token(session: Session) -> str:
    """An invitation to an assessment of one single-choice question (bi-single)."""
    org = factories.make_org(session)
    question = factories.make_question(
        session, factories.single_choice("bi-single", "forward_pass")
    )
    assessment = factories.make_assessment(session, org.organization, [question])
    return factories.make_invitation(session, org.organization, assessment).token


@pytest.fixture
def scraped(settings: Settings, session: Session) -> TestClient:
    return TestClient(_app(settings, session, metrics_token=SecretStr(SCRAPER)))


def _sample(text: str, name: str, *labels: str) -> float:
    """The value of the one sample of `name` whose labels include all of `labels`."""
    for line in text.splitlines():
        if line.startswith(name + "{") and all(label in line for label in labels):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def test_autosaves_are_counted_by_route_template_and_the_token_never_shows(
    scraped: TestClient, token: str
) -> None:
    auth = {"Authorization": f"Bearer {SCRAPER}"}
    before = scraped.get("/metrics", headers=auth).text
    assert scraped.post(f"/api/v1/take/{token}/start").status_code == 200
    for value in ("a", "b"):
        saved = scraped.put(
            f"/api/v1/take/{token}/answers/bi-single", json={"response": {"choice": value}}
        )
        assert saved.status_code == 200, saved.text
    missing = scraped.put(f"/api/v1/take/{token}/answers/nope", json={"response": {"choice": "a"}})
    assert missing.status_code == 404
    after = scraped.get("/metrics", headers=auth)
    assert after.status_code == 200
    assert after.headers["content-type"].startswith("text/plain")
    text = after.text
    requests = "chainrule_http_requests_total"
    put_200 = (AUTOSAVE, 'method="PUT"', 'status="200"')
    assert _sample(text, requests, *put_200) - _sample(before, requests, *put_200) == 2
    put_404 = (AUTOSAVE, 'status="404"')
    assert _sample(text, requests, *put_404) - _sample(before, requests, *put_404) == 1
    saves = "chainrule_autosaves_total"
    assert _sample(text, saves, 'status="200"') - _sample(before, saves, 'status="200"') == 2
    latency = "chainrule_http_request_seconds_count"
    assert _sample(text, latency, AUTOSAVE) - _sample(before, latency, AUTOSAVE) == 3
    assert token not in text
    # Every route label is a template or the one name for paths that matched no route.
    routes = set(re.findall(r'route="([^"]*)"', text))
    assert routes
    assert all(r.startswith("/") or r == "(unmatched)" for r in routes)
    assert not [r for r in routes if "take/" in r and "{token}" not in r]


def test_metrics_refuse_a_missing_or_wrong_token(scraped: TestClient) -> None:
    assert_problem(scraped.get("/metrics"), 403, "metrics-forbidden")
    wrong = scraped.get("/metrics", headers={"Authorization": "Bearer scrape-wrong"})
    assert_problem(wrong, 403, "metrics-forbidden")


def test_without_a_token_metrics_answer_loopback_only(settings: Settings, session: Session) -> None:
    app = _app(settings, session)
    # TestClient's client is "testclient", not a loopback address.
    assert_problem(TestClient(app).get("/metrics"), 403, "metrics-forbidden")
    local = TestClient(app, client=("127.0.0.1", 50000)).get("/metrics")
    assert local.status_code == 200
    assert "chainrule_http_requests_total" in local.text


def test_request_ids_are_returned_and_a_well_formed_one_is_kept(client: TestClient) -> None:
    generated = client.get("/healthz").headers["x-request-id"]
    assert re.fullmatch(r"[0-9a-f]{32}", generated)
    assert client.get("/healthz").headers["x-request-id"] != generated
    given = "edge-7f3a9c10.b2"
    assert client.get("/healthz", headers={"X-Request-ID": given}).headers["x-request-id"] == given
    hostile = "<script>alert(1)</script>"
    echoed = client.get("/healthz", headers={"X-Request-ID": hostile}).headers["x-request-id"]
    assert re.fullmatch(r"[0-9a-f]{32}", echoed)
