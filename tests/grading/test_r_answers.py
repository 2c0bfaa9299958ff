"""Coding answers in R through the REST flow, graded by the real sandbox in the language saved."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.bank.sync import sync_bank
from app.grading.tasks import coding_payloads
from app.models import QuestionVersion, Submission, SubmissionPurpose
from app.settings import REPO_ROOT
from tests import factories

AFFINE = REPO_ROOT / "question_bank" / "coding" / "affine"
R_REFERENCE = (AFFINE / "r" / "reference.R").read_text()
PY_REFERENCE = (AFFINE / "reference.py").read_text()


@pytest.fixture
def world(session: Session, client: TestClient) -> dict[str, Any]:
    [payload] = [p for p in coding_payloads(AFFINE.parent) if p.question_id == "affine"]
    sync_bank(session, [payload])
    coding = session.scalar(select(QuestionVersion).where(QuestionVersion.question_id == "affine"))
    assert coding is not None
    org = factories.make_org(session)
    assessment = factories.make_assessment(session, org.organization, [coding])
    invitation = factories.make_invitation(session, org.organization, assessment)
    token = invitation.token
    assert client.post(f"/api/v1/take/{token}/start").status_code == 200
    return {
        "token": token,
        "attempt_id": invitation.attempt.id,
        "auth": {"Authorization": f"Bearer {org.api_key}"},
    }


def _run(client: TestClient, world: dict[str, Any], source: str, language: str) -> dict[str, Any]:
    token = world["token"]
    started = client.post(
        f"/api/v1/take/{token}/answers/affine/run", json={"source": source, "language": language}
    )
    assert started.status_code == 202, started.text
    run = client.get(f"/api/v1/take/{token}/runs/{started.json()['run_id']}")
    body: dict[str, Any] = run.json()
    assert body["status"] == "graded", body
    return body


def test_a_bank_task_offers_r_with_its_own_starter_and_statement(
    client: TestClient, world: dict[str, Any]
) -> None:
    [question] = client.get(f"/api/v1/take/{world['token']}").json()["questions"]
    languages = {lang["id"]: lang for lang in question["languages"]}
    assert list(languages) == ["python", "r"]
    assert languages["r"]["name"] == "R"
    assert languages["r"]["starter"] == (AFFINE / "r" / "starter.R").read_text()
    assert languages["r"]["statement"] == (AFFINE / "r" / "statement.md").read_text()
    assert languages["python"]["starter"] == question["starter"]


def test_the_r_reference_passes_the_public_checks_when_run_as_r(
    client: TestClient, world: dict[str, Any]
) -> None:
    run = _run(client, world, R_REFERENCE, "r")
    assert (run["language"], run["verdict"]) == ("r", "passed"), run["report"]
    # The same R code run as Python does not even load: the language chose the child.
    wrong = _run(client, world, R_REFERENCE, "python")
    assert (wrong["language"], wrong["verdict"]) == ("python", "error")


def test_final_grading_is_in_the_saved_language_with_full_marks(
    client: TestClient, session: Session, world: dict[str, Any]
) -> None:
    put = f"/api/v1/take/{world['token']}/answers/affine"
    assert client.put(put, json={"response": {"source": PY_REFERENCE}}).status_code == 200
    saved = client.put(put, json={"response": {"source": R_REFERENCE, "language": "r"}})
    assert saved.status_code == 200
    assert client.post(f"/api/v1/take/{world['token']}/submit").status_code == 200
    final = session.scalar(select(Submission).where(Submission.purpose == SubmissionPurpose.FINAL))
    assert final is not None
    assert final.language == "r"
    result = client.get(f"/api/v1/attempts/{world['attempt_id']}", headers=world["auth"]).json()
    [coding] = result["per_question"]
    assert (coding["language"], coding["verdict"]) == ("r", "passed"), coding["report"]
    assert coding["score"] == coding["points"]
    assert any(c["hidden"] for c in coding["report"]["checks"]), "hidden cases ran, in R"
