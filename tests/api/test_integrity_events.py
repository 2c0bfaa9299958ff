"""Integrity events: validated batches, stored with the attempt, capped, listed for the org."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.attempts.integrity import MAX_STORED_PER_ATTEMPT
from app.db import utcnow
from app.models import Attempt, IntegrityEvent
from tests import factories
from tests.problems import assert_problem


@pytest.fixture
def world(session: Session, client: TestClient) -> dict[str, Any]:
    org = factories.make_org(session)
    questions = [
        factories.make_question(session, factories.single_choice("ie-one", "chain_rule")),
        factories.make_question(session, factories.coding("ie-code", "backward_pass")),
    ]
    assessment = factories.make_assessment(session, org.organization, questions)
    invitation = factories.make_invitation(session, org.organization, assessment)
    return {
        "token": invitation.token,
        "url": f"/api/v1/take/{invitation.token}/events",
        "attempt_id": invitation.attempt.id,
        "auth": {"Authorization": f"Bearer {org.api_key}"},
    }


def _at(seconds: int = 0) -> str:
    return (utcnow() + timedelta(seconds=seconds)).isoformat()


def _stored(session: Session, attempt_id: uuid.UUID) -> int:
    return int(
        session.scalar(
            select(func.count())
            .select_from(IntegrityEvent)
            .where(IntegrityEvent.attempt_id == attempt_id)
        )
        or 0
    )


def _start(client: TestClient, world: dict[str, Any]) -> None:
    assert client.post(f"/api/v1/take/{world['token']}/start").status_code == 200


def test_events_are_stored_and_listed_for_the_org(
    client: TestClient, world: dict[str, Any]
) -> None:
    _start(client, world)
    batch = [
        {"type": "tab_hidden", "at": _at(-30), "duration_ms": 8300},
        {"type": "paste", "at": _at(-60), "question_id": "ie-code", "length": 412},
        {"type": "copy", "at": _at(-10), "question_id": "ie-one", "length": 9},
        {"type": "window_blur", "at": _at(-5), "duration_ms": 1200},
        {"type": "fullscreen_exit", "at": _at(-1)},
    ]
    response = client.post(world["url"], json={"events": batch})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"accepted": 5, "dropped": 0}

    view = client.get(f"/api/v1/attempts/{world['attempt_id']}", headers=world["auth"]).json()
    integrity = view["integrity"]
    assert integrity["counts"] == {
        "paste": 1,
        "copy": 1,
        "tab_hidden": 1,
        "window_blur": 1,
        "fullscreen_exit": 1,
    }
    assert integrity["dropped"] == 0
    events = integrity["events"]
    assert [e["type"] for e in events] == [
        "paste",
        "tab_hidden",
        "copy",
        "window_blur",
        "fullscreen_exit",
    ], "listed in time order"
    assert events[0] == {
        "type": "paste",
        "at": events[0]["at"],
        "question_id": "ie-code",
        "length": 412,
        "duration_ms": None,
    }
    assert events[1]["duration_ms"] == 8300
    # The results list stays light: signals are on the single-attempt view only.
    assert "integrity" not in str(view["per_question"])


@pytest.mark.parametrize(
    "events",
    [
        [{"type": "telepathy", "at": _at()}],
        [{"type": "paste", "at": _at(), "length": -1}],
        [{"type": "paste", "at": "yesterday", "length": 3}],
        [{"type": "paste", "at": "2026-12-03T09:00:00", "length": 3}],  # no time zone
        [{"type": "paste", "at": _at(), "length": 3, "selector": "#editor"}],
        [{"type": "paste", "at": _at(), "length": "3"}],
        [{"type": "paste", "at": _at(), "length": 2.5}],
        [{"type": "tab_hidden", "at": _at(), "length": 3}],
        [{"type": "copy", "at": _at(), "duration_ms": 10}],
        [{"type": "tab_hidden", "at": _at(), "duration_ms": -5}],
        [{"type": "paste", "at": _at(), "question_id": "nope", "length": 1}],
        [{"type": "copy", "at": (utcnow() + timedelta(days=3)).isoformat(), "length": 1}],
        [{"type": "copy", "at": _at(), "length": 1}] * 101,
        # One good event does not carry a bad one in.
        [{"type": "copy", "at": _at(), "length": 1}, {"type": "copy", "at": _at(), "length": -1}],
    ],
    ids=[
        "unknown-type",
        "negative-length",
        "unparsable-time",
        "naive-time",
        "extra-field",
        "length-as-string",
        "fractional-length",
        "length-on-tab-hidden",
        "duration-on-copy",
        "negative-duration",
        "unknown-question",
        "time-days-away",
        "too-many",
        "good-with-bad",
    ],
)
def test_garbage_is_422_and_stores_nothing(
    client: TestClient, session: Session, world: dict[str, Any], events: list[Any]
) -> None:
    _start(client, world)
    assert_problem(client.post(world["url"], json={"events": events}), 422, "invalid-request")
    assert _stored(session, world["attempt_id"]) == 0
    attempt = session.get(Attempt, world["attempt_id"])
    assert attempt is not None
    session.refresh(attempt)
    assert attempt.events_received == 0, "a refused batch does not count toward the cap"


@pytest.mark.parametrize("body", [{}, {"events": "paste"}, {"events": [], "extra": 1}, []])
def test_malformed_body_is_422(client: TestClient, world: dict[str, Any], body: Any) -> None:
    _start(client, world)
    assert_problem(client.post(world["url"], json=body), 422, "invalid-request")


def test_cap_stores_the_first_events_and_counts_the_rest(
    client: TestClient, session: Session, world: dict[str, Any]
) -> None:
    _start(client, world)
    full = [{"type": "copy", "at": _at(), "length": 1}] * 100
    for _ in range(MAX_STORED_PER_ATTEMPT // 100 - 1):
        assert client.post(world["url"], json={"events": full}).json() == {
            "accepted": 100,
            "dropped": 0,
        }
    assert client.post(world["url"], json={"events": full[:50]}).json()["accepted"] == 50
    straddling = full[:30] + [{"type": "paste", "at": _at(), "length": 5}] * 30
    assert client.post(world["url"], json={"events": straddling}).json() == {
        "accepted": 50,
        "dropped": 10,
    }
    assert client.post(world["url"], json={"events": full[:7]}).json() == {
        "accepted": 0,
        "dropped": 7,
    }
    assert _stored(session, world["attempt_id"]) == MAX_STORED_PER_ATTEMPT
    integrity = client.get(f"/api/v1/attempts/{world['attempt_id']}", headers=world["auth"]).json()[
        "integrity"
    ]
    assert integrity["dropped"] == 17
    assert integrity["counts"]["paste"] == 20, "the pastes beyond the cap were dropped"
    assert len(integrity["events"]) == MAX_STORED_PER_ATTEMPT


def test_events_before_start_are_refused(
    client: TestClient, session: Session, world: dict[str, Any]
) -> None:
    response = client.post(world["url"], json={"events": [{"type": "copy", "at": _at()}]})
    assert_problem(response, 409, "attempt-not-started")
    assert _stored(session, world["attempt_id"]) == 0


def test_last_batch_is_taken_for_five_minutes_after_submit(
    client: TestClient, session: Session, world: dict[str, Any]
) -> None:
    _start(client, world)
    client.post(f"/api/v1/take/{world['token']}/submit")
    late = client.post(world["url"], json={"events": [{"type": "window_blur", "at": _at()}]})
    assert late.json() == {"accepted": 1, "dropped": 0}
    attempt = session.get(Attempt, world["attempt_id"])
    assert attempt is not None
    assert attempt.submitted_at is not None
    attempt.submitted_at -= timedelta(minutes=6)
    session.flush()
    closed = client.post(world["url"], json={"events": [{"type": "window_blur", "at": _at()}]})
    assert_problem(closed, 409, "attempt-submitted")
    assert _stored(session, world["attempt_id"]) == 1


def test_events_after_the_deadline_grace_are_refused(
    client: TestClient, session: Session, world: dict[str, Any]
) -> None:
    _start(client, world)
    attempt = session.get(Attempt, world["attempt_id"])
    assert attempt is not None
    attempt.deadline = utcnow() - timedelta(minutes=2)
    session.flush()
    within = client.post(world["url"], json={"events": [{"type": "fullscreen_exit", "at": _at()}]})
    assert within.json()["accepted"] == 1, "the deadline passed 2 minutes ago: still taken"
    attempt.deadline = utcnow() - timedelta(minutes=6)
    session.flush()
    late = client.post(world["url"], json={"events": [{"type": "fullscreen_exit", "at": _at()}]})
    assert_problem(late, 409, "attempt-expired")
