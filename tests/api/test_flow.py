"""The whole concept-question flow through the REST API: compose, invite, take, submit, read."""

from __future__ import annotations

import csv
import io
import uuid
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.bank.instances import derive_seed, render_instance
from app.bank.schemas import NumericItem
from app.models import Attempt
from tests import factories

SKILLS = ["forward_pass", "loss_functions", "gradient_descent", "chain_rule", "backward_pass"]

PARAM_ITEM: dict[str, Any] = {
    "id": "cr-sigmoid-slope",
    "kind": "numeric",
    "skills": ["chain_rule"],
    "difficulty": 2,
    "points": 2.0,
    "prompt": "What is the derivative of the sigmoid at z = {z}?",
    "explanation": "s(1-s).",
    "params": {"z": {"uniform": [-2.0, 2.0], "decimals": 2}},
    "let": {"s": "1/(1+exp(-z))"},
    "answer": "s*(1-s)",
    "tolerance": {"abs": 1e-3},
}


def _bank(session: Session) -> list[str]:
    factories.make_question(session, factories.single_choice("fp-one", "forward_pass"))
    factories.make_question(
        session,
        {
            "id": "lf-pick",
            "kind": "multi_choice",
            "skills": ["loss_functions"],
            "difficulty": 2,
            "points": 2.0,
            "prompt": "Which are losses?",
            "explanation": "MSE and CE.",
            "choices": [{"id": c, "text": c} for c in ("mse", "ce", "relu", "tanh")],
            "answer": ["mse", "ce"],
        },
    )
    factories.make_question(
        session,
        {
            "id": "gd-tf",
            "kind": "true_false",
            "skills": ["gradient_descent"],
            "difficulty": 1,
            "prompt": "A too-large learning rate can diverge.",
            "explanation": "Yes.",
            "answer": True,
        },
    )
    factories.make_question(session, PARAM_ITEM)
    factories.make_question(
        session,
        {
            "id": "bp-num",
            "kind": "numeric",
            "skills": ["backward_pass", "chain_rule"],
            "difficulty": 1,
            "prompt": "d(x^2)/dx at x=3?",
            "explanation": "2x.",
            "answer": 6.0,
            "tolerance": {"abs": 0.01},
        },
    )
    return ["fp-one", "lf-pick", "gd-tf", "cr-sigmoid-slope", "bp-num"]


def _auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def test_concept_flow_scores_per_skill_through_the_api(
    client: TestClient, session: Session
) -> None:
    org = factories.make_org(session)
    ids = _bank(session)
    headers = _auth(org.api_key)

    created = client.post(
        "/api/v1/assessments",
        json={"title": "Backprop basics", "question_ids": ids, "time_limit_minutes": 30},
        headers=headers,
    )
    assert created.status_code == 201, created.text
    assessment = created.json()
    assert [q["id"] for q in assessment["questions"]] == ids
    assert assessment["max_score"] == 7.0

    invited = client.post(
        f"/api/v1/assessments/{assessment['id']}/invitations",
        json={"candidate": {"email": "Ada@Example.com", "name": "Ada"}},
        headers=headers,
    )
    assert invited.status_code == 201, invited.text
    token = invited.json()["token"]
    assert invited.json()["url"].endswith(f"/take/{token}")

    overview = client.get(f"/api/v1/take/{token}").json()
    assert overview["status"] == "invited"
    assert overview["questions"] is None

    started = client.post(f"/api/v1/take/{token}/start")
    assert started.status_code == 200
    body = started.json()
    assert body["deadline"] is not None
    shown = {q["id"]: q for q in body["questions"]}
    assert "answer" not in str(body["questions"])
    assert "explanation" not in str(body["questions"])

    attempt = session.get(Attempt, uuid.UUID(body["attempt_id"]))
    assert attempt is not None
    instance = render_instance(
        NumericItem.model_validate(PARAM_ITEM), derive_seed(attempt.seed, PARAM_ITEM["id"])
    )
    assert shown["cr-sigmoid-slope"]["prompt"] == instance.prompt
    assert "{z}" not in instance.prompt

    responses = {
        "fp-one": {"choice": "b"},
        "lf-pick": {"choices": ["mse", "relu"]},  # one right, one wrong: 0 credit
        "gd-tf": {"value": True},
        "cr-sigmoid-slope": {"value": instance.answer},
        "bp-num": {"value": 5.0},
    }
    for qid, response in responses.items():
        saved = client.put(f"/api/v1/take/{token}/answers/{qid}", json={"response": response})
        assert saved.status_code == 200, saved.text
        assert saved.json()["revision"] == 1

    again = client.put(
        f"/api/v1/take/{token}/answers/lf-pick",
        json={"response": {"choices": ["mse"]}, "base_revision": 1},
    )
    assert again.json()["revision"] == 2

    resumed = client.get(f"/api/v1/take/{token}").json()
    assert resumed["answers"]["lf-pick"] == {
        "response": {"choices": ["mse"]},
        "revision": 2,
        "drafts": None,  # coding answers only
    }

    submitted = client.post(f"/api/v1/take/{token}/submit")
    assert submitted.status_code == 200
    assert submitted.json()["status"] == "submitted"

    result = client.get(f"/api/v1/attempts/{body['attempt_id']}", headers=headers)
    assert result.status_code == 200
    data = result.json()
    assert data["status"] == "submitted"
    # fp 1 + lf 1 (half of 2) + gd 1 + cr 2 + bp 0 = 5 of 7
    assert data["score"] == 5.0
    assert data["max_score"] == 7.0
    assert set(data["per_skill"]) == set(SKILLS)
    assert data["per_skill"]["loss_functions"] == {"score": 1.0, "max_score": 2.0}
    # bp-num splits its point between backward_pass and chain_rule
    assert data["per_skill"]["chain_rule"] == {"score": 2.0, "max_score": 2.5}
    assert data["per_skill"]["backward_pass"] == {"score": 0.0, "max_score": 0.5}
    statuses = {q["question_id"]: q["status"] for q in data["per_question"]}
    assert statuses == {
        "fp-one": "correct",
        "lf-pick": "partial",
        "gd-tf": "correct",
        "cr-sigmoid-slope": "correct",
        "bp-num": "incorrect",
    }
    assert data["candidate"] == {"email": "ada@example.com", "name": "Ada"}

    results = client.get(f"/api/v1/assessments/{assessment['id']}/results", headers=headers)
    assert results.status_code == 200
    [row] = results.json()["items"]
    assert row["attempt_id"] == body["attempt_id"]
    assert row["score"] == 5.0


def test_results_csv_has_one_row_per_attempt_with_skill_columns(
    client: TestClient, session: Session
) -> None:
    org = factories.make_org(session)
    q = factories.make_question(session, factories.single_choice("fp-csv", "forward_pass"))
    assessment = factories.make_assessment(session, org.organization, [q])
    done = factories.make_invitation(session, org.organization, assessment)
    factories.make_invitation(session, org.organization, assessment)  # never started
    client.post(f"/api/v1/take/{done.token}/start")
    client.put(f"/api/v1/take/{done.token}/answers/fp-csv", json={"response": {"choice": "b"}})
    client.post(f"/api/v1/take/{done.token}/submit")

    response = client.get(
        f"/api/v1/assessments/{assessment.id}/results",
        headers={**_auth(org.api_key), "Accept": "text/csv"},
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert len(rows) == 2
    by_id = {r["attempt_id"]: r for r in rows}
    submitted = by_id[str(done.attempt.id)]
    assert submitted["status"] == "submitted"
    assert submitted["score"] == "1.0"
    assert submitted["percent"] == "100.0"
    assert submitted["forward_pass_score"] == "1.0"
    assert submitted["backward_pass_max_score"] == ""
    other = next(r for r in rows if r["attempt_id"] != str(done.attempt.id))
    assert other["status"] == "invited"
    assert other["score"] == ""


def test_results_csv_defuses_formula_cells(client: TestClient, session: Session) -> None:
    org = factories.make_org(session)
    q = factories.make_question(session, factories.single_choice("fp-formula", "forward_pass"))
    assessment = factories.make_assessment(session, org.organization, [q])
    client.post(
        f"/api/v1/assessments/{assessment.id}/invitations",
        json={"candidate": {"email": "x@example.com", "name": '=HYPERLINK("evil")'}},
        headers=_auth(org.api_key),
    )
    response = client.get(
        f"/api/v1/assessments/{assessment.id}/results",
        headers={**_auth(org.api_key), "Accept": "text/csv"},
    )
    [row] = list(csv.DictReader(io.StringIO(response.text)))
    assert row["candidate_name"] == '\'=HYPERLINK("evil")'
