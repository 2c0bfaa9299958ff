"""The REST flow with a coding question, graded by the real sandbox."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.bank.sync import sync_bank
from app.grading.tasks import coding_payloads, task_for
from app.models import QuestionVersion, Submission
from app.settings import REPO_ROOT
from sandbox import load_task
from tests import factories
from tests.queues import InlineQueue

AFFINE = REPO_ROOT / "question_bank" / "coding" / "affine"


@pytest.fixture
def world(session: Session, client: TestClient) -> dict[str, Any]:
    [payload] = [p for p in coding_payloads(AFFINE.parent) if p.question_id == "affine"]
    sync_bank(session, [payload])
    coding = session.scalar(select(QuestionVersion).where(QuestionVersion.question_id == "affine"))
    assert coding is not None
    concept = factories.make_question(session, factories.single_choice("gr-one", "loss_functions"))
    org = factories.make_org(session)
    assessment = factories.make_assessment(session, org.organization, [coding, concept])
    invitation = factories.make_invitation(session, org.organization, assessment)
    client.post(f"/api/v1/take/{invitation.token}/start")
    return {
        "token": invitation.token,
        "attempt_id": invitation.attempt.id,
        "auth": {"Authorization": f"Bearer {org.api_key}"},
    }


def _take(client: TestClient, world: dict[str, Any], source: str) -> dict[str, Any]:
    token = world["token"]
    saved = client.put(
        f"/api/v1/take/{token}/answers/affine", json={"response": {"source": source}}
    )
    assert saved.status_code == 200, saved.text
    client.put(f"/api/v1/take/{token}/answers/gr-one", json={"response": {"choice": "b"}})
    assert client.post(f"/api/v1/take/{token}/submit").status_code == 200
    result = client.get(f"/api/v1/attempts/{world['attempt_id']}", headers=world["auth"])
    assert result.status_code == 200
    body: dict[str, Any] = result.json()
    return body


def _coding(result: dict[str, Any]) -> dict[str, Any]:
    [row] = [q for q in result["per_question"] if q["question_id"] == "affine"]
    return row


def test_correct_solution_earns_full_marks(client: TestClient, world: dict[str, Any]) -> None:
    result = _take(client, world, (AFFINE / "reference.py").read_text())
    coding = _coding(result)
    assert coding["verdict"] == "passed", coding["report"]["message"]
    assert coding["score"] == coding["points"] == 10
    assert result["score"] == result["max_score"] == 11
    assert result["per_skill"]["backward_pass"]["score"] == pytest.approx(10 / 3)
    checks = coding["report"]["checks"]
    assert any(c["hidden"] for c in checks), "final grading runs the hidden cases"


def test_mutant_earns_partial_credit(client: TestClient, world: dict[str, Any]) -> None:
    result = _take(client, world, load_task(AFFINE).mutants["db_wrong_axis"])
    coding = _coding(result)
    assert coding["verdict"] == "failed"
    assert 0 < coding["score"] < coding["points"]
    failed = [c for c in coding["report"]["checks"] if c["status"] == "failed"]
    assert failed
    assert all(c["name"] in ("gradient db", "shapes") for c in failed)


def test_hostile_program_gets_a_verdict(client: TestClient, world: dict[str, Any]) -> None:
    hostile = "import socket\nsocket.create_connection(('127.0.0.1', 5432))\n"
    result = _take(client, world, hostile)
    coding = _coding(result)
    assert coding["verdict"] == "rejected"
    assert coding["score"] == 0
    assert result["score"] == 1  # the concept question still counts


def test_public_run_reports_public_checks_only(
    client: TestClient, session: Session, world: dict[str, Any], queue: InlineQueue
) -> None:
    token = world["token"]
    source = load_task(AFFINE).mutants["missing_transpose"]
    started = client.post(f"/api/v1/take/{token}/answers/affine/run", json={"source": source})
    assert started.status_code == 202, started.text
    run_id = started.json()["run_id"]
    assert queue.sent == [uuid.UUID(run_id)]
    run = client.get(f"/api/v1/take/{token}/runs/{run_id}").json()
    assert run["status"] == "graded"
    assert run["verdict"] == "failed"
    report = run["report"]
    assert report["checks"], "public checks are shown in detail"
    assert all("hidden" not in c and "details" not in c for c in report["checks"])
    assert report["hidden"]["total"] == 0, "a public run never runs hidden cases"
    stored = session.get(Submission, uuid.UUID(run_id))
    assert stored is not None
    assert stored.report is not None
    assert not any(c["hidden"] for c in stored.report["checks"])


def test_run_of_a_concept_question_is_refused(client: TestClient, world: dict[str, Any]) -> None:
    response = client.post(
        f"/api/v1/take/{world['token']}/answers/gr-one/run", json={"source": "x = 1"}
    )
    assert response.status_code == 400
    assert response.json()["type"] == "/problems/not-a-coding-question"


def test_another_attempts_run_is_not_found(
    client: TestClient, session: Session, world: dict[str, Any]
) -> None:
    token = world["token"]
    run_id = client.post(
        f"/api/v1/take/{token}/answers/affine/run", json={"source": "x = 1"}
    ).json()["run_id"]
    org = factories.make_org(session, "Other")
    q = factories.make_question(session, factories.single_choice("gr-two", "forward_pass"))
    other = factories.make_invitation(
        session, org.organization, factories.make_assessment(session, org.organization, [q])
    )
    response = client.get(f"/api/v1/take/{other.token}/runs/{run_id}")
    assert response.status_code == 404
    assert response.json()["type"] == "/problems/run-not-found"


def test_task_files_round_trip_to_the_same_version(session: Session) -> None:
    [payload] = [p for p in coding_payloads(AFFINE.parent) if p.question_id == "affine"]
    task = task_for(uuid.uuid4(), payload.content)
    assert task.id == "affine"
    assert task.version == payload.version
    assert Path(AFFINE / "reference.py").read_text() == task.reference
