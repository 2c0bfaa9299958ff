"""The candidate's pages: what the landing, test and end pages say, and readable error pages."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy.orm import Session

from app.db import utcnow
from app.models import Invitation
from app.web.markdown import render_markdown
from tests import factories


@pytest.fixture
def world(session: Session) -> dict[str, Any]:
    org = factories.make_org(session)
    questions = [
        factories.make_question(
            session, factories.single_choice("wp-single", "forward_pass", prompt="Pick **one**.")
        ),
        factories.make_question(
            session,
            {
                "id": "wp-num",
                "kind": "numeric",
                "skills": ["chain_rule"],
                "difficulty": 1,
                "prompt": "What is $2 \\cdot 2$?",
                "explanation": "4",
                "answer": 4.0,
                "tolerance": {"abs": 0.1},
            },
        ),
    ]
    assessment = factories.make_assessment(session, org.organization, questions, 25)
    invitation = factories.make_invitation(session, org.organization, assessment)
    return {"token": invitation.token, "assessment": assessment, "invitation": invitation}


def assert_page(response: Response, status: int) -> str:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("text/html")
    policy = response.headers["content-security-policy"]
    assert "script-src 'self';" in policy
    assert "unsafe-inline" not in policy
    # No inline script: every <script> loads a file from our origin.
    assert not re.search(r"<script(?![^>]*\ssrc=\"/static/)[^>]*>", response.text)
    return response.text


def test_landing_page_describes_the_test_before_it_starts(
    client: TestClient, world: dict[str, Any]
) -> None:
    html = assert_page(client.get(f"/take/{world['token']}"), 200)
    assert world["assessment"].title in html
    assert "25 minutes" in html
    assert "2: 2 concept questions" in html
    assert "Forward pass, Chain rule" in html
    assert "What is recorded, and why" in html
    assert "Accommodations" in html
    assert ">Start the test</button>" in html


def test_start_shows_the_questions_at_the_same_address(
    client: TestClient, world: dict[str, Any]
) -> None:
    started = client.post(f"/take/{world['token']}/start", follow_redirects=False)
    assert started.status_code == 303
    assert started.headers["location"] == f"/take/{world['token']}"
    html = assert_page(client.get(f"/take/{world['token']}"), 200)
    assert 'data-page="test"' in html
    assert "Pick <strong>one</strong>." in html
    assert '<span class="math inline">2 \\cdot 2</span>' in html
    assert 'name="answer-wp-single" value="a"' in html
    assert 'role="timer"' in html
    # Not "Saved" before the script has looked: edits kept on this device may still be waiting.
    assert 'role="status" aria-live="polite" data-state="loading">Loading…</p>' in html


def test_submitted_attempt_shows_the_end_page(client: TestClient, world: dict[str, Any]) -> None:
    client.post(f"/api/v1/take/{world['token']}/start")
    assert client.post(f"/api/v1/take/{world['token']}/submit").status_code == 200
    html = assert_page(client.get(f"/take/{world['token']}"), 200)
    assert "Thank you, your test is submitted" in html
    again = assert_page(client.post(f"/take/{world['token']}/start"), 409)
    assert "This test was already submitted" in again


def test_unknown_token_gets_a_readable_404_page(client: TestClient) -> None:
    html = assert_page(client.get("/take/not-a-real-token"), 404)
    assert "This link is not valid" in html
    assert "Traceback" not in html


def test_expired_invitation_gets_a_readable_page(
    client: TestClient, session: Session, world: dict[str, Any]
) -> None:
    invitation = session.get(Invitation, world["invitation"].invitation.id)
    assert invitation is not None
    invitation.expires_at = utcnow() - timedelta(minutes=1)
    session.flush()
    html = assert_page(client.get(f"/take/{world['token']}"), 403)
    assert "This invitation has expired" in html


def test_unknown_browser_path_is_html_and_api_stays_problem_json(client: TestClient) -> None:
    assert "Page not found" in assert_page(client.get("/no/such/page"), 404)
    api = client.get("/api/v1/take/not-a-real-token")
    assert api.status_code == 404
    assert api.headers["content-type"] == "application/problem+json"


def test_markdown_keeps_math_for_katex_and_never_passes_raw_html() -> None:
    html = render_markdown("Let $a < b$.\n\n$$\\sum_i x_i$$\n\n<script>alert(1)</script>")
    assert '<span class="math inline">a &lt; b</span>' in html
    assert '<div class="math block">' in html
    assert "<script>" not in html
