"""Assessments built from role templates contain what each template says."""

from __future__ import annotations

from collections import Counter

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.bank.loader import load_concepts
from app.bank.sync import QuestionPayload, concept_payloads, sync_bank
from app.bank.templates import TaskSummary, load_templates
from app.grading.tasks import coding_payloads
from app.settings import REPO_ROOT
from tests import factories

BANK = REPO_ROOT / "question_bank"
TEMPLATES = load_templates(BANK / "templates")


@pytest.fixture(scope="module")
def bank_payloads() -> list[QuestionPayload]:
    return concept_payloads(load_concepts(BANK / "concepts")) + coding_payloads(BANK / "coding")


@pytest.fixture
def auth(session: Session, bank_payloads: list[QuestionPayload]) -> dict[str, str]:
    sync_bank(session, bank_payloads)
    return {"Authorization": f"Bearer {factories.make_org(session).api_key}"}


@pytest.mark.parametrize("template_id", sorted(TEMPLATES))
def test_assessment_from_template_contains_what_it_says(
    client: TestClient, auth: dict[str, str], template_id: str
) -> None:
    template = TEMPLATES[template_id]
    response = client.post(
        "/api/v1/assessments",
        json={"title": "From a template", "template": template_id},
        headers=auth,
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["template"] == template_id
    assert body["time_limit_minutes"] == template.time_limit_minutes
    coding = [q for q in body["questions"] if q["kind"] == "coding"]
    # Fixed tasks in their place; in each pool's places, tasks that pool admits.
    slots = [e for e in template.coding for _ in range(1 if isinstance(e, str) else e.count)]
    for entry, question in zip(slots, coding, strict=True):
        if isinstance(entry, str):
            assert question["id"] == entry
        else:
            summary = TaskSummary(question["id"], tuple(question["skills"]), question["difficulty"])
            assert entry.admits(summary), (entry, question["id"])
    cells = Counter(
        (q["skills"][0], q["difficulty"]) for q in body["questions"] if q["kind"] != "coding"
    )
    wanted = Counter(
        {
            (skill.value, difficulty): count
            for skill, row in template.concepts.items()
            for difficulty, count in row.items()
            if count
        }
    )
    assert cells == wanted
    ids = [q["id"] for q in body["questions"]]
    assert len(ids) == len(set(ids))


def test_two_assessments_from_one_template_draw_different_questions(
    client: TestClient, auth: dict[str, str]
) -> None:
    drawn = [
        {
            q["id"]
            for q in client.post(
                "/api/v1/assessments",
                json={"title": "t", "template": "ml-engineer"},
                headers=auth,
            ).json()["questions"]
        }
        for _ in range(4)
    ]
    assert len({frozenset(d) for d in drawn}) > 1


def test_unknown_template_is_a_400_problem(client: TestClient, auth: dict[str, str]) -> None:
    response = client.post(
        "/api/v1/assessments", json={"title": "t", "template": "astronaut"}, headers=auth
    )
    assert response.status_code == 400
    assert response.json()["type"] == "/problems/unknown-template"
