"""Code history: each changed save of a coding answer is kept, the latest 200, for the org."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.attempts import answers
from app.attempts.history import HISTORY_SLOTS
from app.errors import RevisionConflictError
from app.models import AnswerRevision
from tests import factories
from tests.problems import assert_problem


@pytest.fixture
def world(session: Session, client: TestClient) -> dict[str, Any]:
    org = factories.make_org(session)
    questions = [
        factories.make_question(session, factories.coding("ch-code", "backward_pass")),
        factories.make_question(session, factories.coding("ch-other", "forward_pass")),
        factories.make_question(session, factories.single_choice("ch-one", "chain_rule")),
    ]
    assessment = factories.make_assessment(session, org.organization, questions)
    invitation = factories.make_invitation(session, org.organization, assessment)
    assert client.post(f"/api/v1/take/{invitation.token}/start").status_code == 200
    return {
        "token": invitation.token,
        "attempt_id": invitation.attempt.id,
        "auth": {"Authorization": f"Bearer {org.api_key}"},
        "history": f"/api/v1/attempts/{invitation.attempt.id}/questions/ch-code/history",
    }


def _save(session: Session, world: dict[str, Any], source: str, qid: str = "ch-code") -> int:
    return answers.save_answer(
        session,
        token=world["token"],
        question_id=qid,
        response={"source": source},
        base_revision=None,
    ).revision


def _history(client: TestClient, world: dict[str, Any]) -> list[dict[str, Any]]:
    response = client.get(world["history"], headers=world["auth"])
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def test_unchanged_saves_are_not_kept(
    client: TestClient, session: Session, world: dict[str, Any]
) -> None:
    for source in ("a = 1\n", "a = 1\n", "a = 2\n", "a = 2\n", "a = 1\n"):
        _save(session, world, source)
    _save(session, world, "other = 1\n", qid="ch-other")
    items = _history(client, world)
    assert [(i["revision"], i["source"]) for i in items] == [
        (1, "a = 1\n"),
        (3, "a = 2\n"),
        (5, "a = 1\n"),
    ]
    assert items[0]["saved_at"] <= items[1]["saved_at"] <= items[2]["saved_at"]


def test_history_keeps_the_latest_revisions_only(
    client: TestClient, session: Session, world: dict[str, Any]
) -> None:
    total = HISTORY_SLOTS + 7
    for i in range(1, total + 1):
        _save(session, world, f"x = {i}\n")
    _save(session, world, f"x = {total}\n")  # unchanged after the ring wrapped: still skipped
    items = _history(client, world)
    assert len(items) == HISTORY_SLOTS
    assert [i["revision"] for i in items] == list(range(8, total + 1))
    assert items[-1]["source"] == f"x = {total}\n"
    stored = session.scalar(select(func.count()).select_from(AnswerRevision))
    assert stored == HISTORY_SLOTS, "the ring overwrites; nothing older stays in the table"


def test_refused_saves_add_nothing(
    client: TestClient, session: Session, world: dict[str, Any]
) -> None:
    _save(session, world, "a = 1\n")
    _save(session, world, "a = 2\n")
    with pytest.raises(RevisionConflictError):
        answers.save_answer(
            session,
            token=world["token"],
            question_id="ch-code",
            response={"source": "stale"},
            base_revision=1,
        )
    session.rollback()
    too_big = client.put(
        f"/api/v1/take/{world['token']}/answers/ch-code",
        json={"response": {"source": "x" * (64 * 1024 + 1)}},
    )
    assert_problem(too_big, 413, "answer-too-large")
    assert [i["source"] for i in _history(client, world)] == ["a = 1\n", "a = 2\n"]


def test_concept_answers_keep_no_history(
    client: TestClient, session: Session, world: dict[str, Any]
) -> None:
    client.put(f"/api/v1/take/{world['token']}/answers/ch-one", json={"response": {"choice": "a"}})
    response = client.get(
        f"/api/v1/attempts/{world['attempt_id']}/questions/ch-one/history", headers=world["auth"]
    )
    assert response.json() == {"items": []}
    assert session.scalar(select(func.count()).select_from(AnswerRevision)) == 0


def test_history_of_an_unknown_question_or_another_org_is_404(
    client: TestClient, session: Session, world: dict[str, Any]
) -> None:
    unknown = client.get(
        f"/api/v1/attempts/{world['attempt_id']}/questions/nope/history", headers=world["auth"]
    )
    assert_problem(unknown, 404, "question-not-found")
    other = factories.make_org(session, "Other")
    foreign = client.get(world["history"], headers={"Authorization": f"Bearer {other.api_key}"})
    assert_problem(foreign, 404, "attempt-not-found")
    assert_problem(client.get(world["history"]), 401, "unauthorized")
