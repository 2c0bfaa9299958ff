"""/api/v1/questions: custom questions created, listed, searched, edited, archived; bad input."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.models import QuestionVersion
from tests import factories
from tests.questions.drafts import (
    BROKEN_REFERENCE,
    WRONG_SHAPE_REFERENCE,
    choice_draft,
    coding_draft,
    numeric_draft,
)


def _auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def _problem(response: Any, status: int, type_: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["type"] == f"/problems/{type_}"
    return body


def test_parameterized_numeric_question_is_created_listed_and_found(
    client: TestClient, session: Session
) -> None:
    org = factories.make_org(session)
    made = client.post("/api/v1/questions", json=numeric_draft(), headers=_auth(org.api_key))
    assert made.status_code == 201, made.text
    body = made.json()
    assert body["status"] == "ready"
    question_id = body["question_id"]
    assert body["question"]["source"] == "custom"
    assert body["question"]["is_parameterized"] is True

    found = client.get(
        "/api/v1/questions",
        params={"text": "dy/dx power", "source": "custom"},
        headers=_auth(org.api_key),
    ).json()
    assert [q["id"] for q in found["items"]] == []  # "power" is in the explanation only
    found = client.get(
        "/api/v1/questions",
        params={"text": "DY/DX", "skill": "chain_rule", "kind": "numeric", "difficulty": 2},
        headers=_auth(org.api_key),
    ).json()
    assert question_id in [q["id"] for q in found["items"]]

    other = factories.make_org(session, "Other")
    hidden = client.get(f"/api/v1/questions/{question_id}", headers=_auth(other.api_key))
    assert hidden.status_code == 404
    detail = client.get(f"/api/v1/questions/{question_id}", headers=_auth(org.api_key)).json()
    assert detail["draft"]["answer"] == "2 * a * x"
    assert detail["archived"] is False


def test_expression_failing_on_a_seed_is_refused_with_the_seed(
    client: TestClient, session: Session
) -> None:
    org = factories.make_org(session)
    draft = numeric_draft(
        params={"a": {"integers": [-3, 3]}, "x": {"uniform": [0.5, 3], "decimals": 1}},
        answer="x / a",
        prompt="What is {x} / {a}?",
    )
    response = client.post("/api/v1/questions", json=draft, headers=_auth(org.api_key))
    body = _problem(response, 422, "question-invalid")
    problem = body["problems"][0]
    assert isinstance(problem["seed"], int)
    assert "division by zero" in problem["error"]
    assert session.query(QuestionVersion).filter_by(source="custom").count() == 0


def test_malformed_drafts_are_problems(client: TestClient, session: Session) -> None:
    org = factories.make_org(session)
    headers = _auth(org.api_key)
    _problem(
        client.post("/api/v1/questions", json=choice_draft(answer="z"), headers=headers),
        422,
        "question-invalid",
    )
    _problem(
        client.post("/api/v1/questions", json={"kind": "numeric"}, headers=headers),
        422,
        "invalid-request",
    )
    spec = _problem(
        client.post("/api/v1/questions", json=coding_draft(spec="units: [1"), headers=headers),
        422,
        "question-invalid",
    )
    assert spec["problems"][0]["field"] == "spec"
    bomb = "a: &a [1, 2]\nb: [*a, *a]\n"
    aliases = _problem(
        client.post("/api/v1/questions", json=coding_draft(spec=bomb), headers=headers),
        422,
        "question-invalid",
    )
    assert "aliases" in aliases["problems"][0]["error"]
    huge = coding_draft(spec=coding_draft()["spec"].replace("{N: 2, D: 3}", "{N: 2000, D: 3000}"))
    big = _problem(
        client.post("/api/v1/questions", json=huge, headers=headers), 422, "question-invalid"
    )
    assert "input elements" in big["problems"][0]["error"]


def test_edit_makes_a_new_version_and_keeps_the_pinned_one(
    client: TestClient, session: Session
) -> None:
    org = factories.make_org(session)
    headers = _auth(org.api_key)
    question_id = client.post("/api/v1/questions", json=choice_draft(), headers=headers).json()[
        "question_id"
    ]
    first = session.query(QuestionVersion).filter_by(question_id=question_id).one()
    assessment = factories.make_assessment(session, org.organization, [first])
    edited = client.put(
        f"/api/v1/questions/{question_id}",
        json=choice_draft(prompt="Which activation is zero below zero?"),
        headers=headers,
    )
    assert edited.status_code == 200, edited.text
    versions = session.query(QuestionVersion).filter_by(question_id=question_id).all()
    assert len(versions) == 2
    current = next(v for v in versions if v.is_current)
    assert current.content["prompt"] == "Which activation is zero below zero?"
    session.refresh(assessment)
    assert assessment.items[0].question.content["prompt"] == first.content["prompt"]

    archived = client.post(f"/api/v1/questions/{question_id}/archive", headers=headers)
    assert archived.status_code == 200
    assert archived.json()["archived"] is True
    listed = client.get("/api/v1/questions", params={"source": "custom"}, headers=headers).json()
    assert listed["items"] == []
    listed = client.get(
        "/api/v1/questions", params={"source": "custom", "include_archived": True}, headers=headers
    ).json()
    assert [q["id"] for q in listed["items"]] == [question_id]
    _problem(
        client.put(f"/api/v1/questions/{question_id}", json=choice_draft(), headers=headers),
        409,
        "question-archived",
    )


def test_bank_questions_cannot_be_edited(client: TestClient, session: Session) -> None:
    org = factories.make_org(session)
    factories.make_question(session, factories.single_choice("bank-item", "chain_rule"))
    _problem(
        client.put("/api/v1/questions/bank-item", json=choice_draft(), headers=_auth(org.api_key)),
        409,
        "question-not-custom",
    )


def test_coding_task_with_broken_reference_is_rejected_with_the_report_then_accepted(
    client: TestClient, session: Session
) -> None:
    org = factories.make_org(session)
    headers = _auth(org.api_key)
    sent = client.post(
        "/api/v1/questions", json=coding_draft(reference=BROKEN_REFERENCE), headers=headers
    )
    assert sent.status_code == 202, sent.text
    body = sent.json()
    assert body["status"] == "validating"
    question_id = body["question_id"]
    check = client.get(f"/api/v1/questions/{question_id}/validation", headers=headers).json()
    assert check["status"] == "rejected", check
    assert "its gradient da disagrees with the numerical gradient" in check["message"]
    failed = [
        c for run in check["runs"] for c in run["report"]["checks"] if c["status"] == "failed"
    ]
    # The diagnosis names the wrong gradient (the shapes check needs right values too).
    assert {c["name"] for c in failed} == {"gradient da", "shapes"}, failed
    assert client.get(f"/api/v1/questions/{question_id}", headers=headers).status_code == 404

    fixed = client.put(f"/api/v1/questions/{question_id}", json=coding_draft(), headers=headers)
    assert fixed.status_code == 202, fixed.text
    check = client.get(f"/api/v1/questions/{question_id}/validation", headers=headers).json()
    assert check["status"] == "accepted", check
    assert [r["what"] for r in check["runs"]] == ["reference", "reference", "starter"]
    detail = client.get(f"/api/v1/questions/{question_id}", headers=headers).json()
    assert detail["kind"] == "coding"
    assert detail["draft"]["reference"].startswith("import numpy")


def test_starter_with_full_marks_is_rejected(client: TestClient, session: Session) -> None:
    org = factories.make_org(session)
    headers = _auth(org.api_key)
    draft = coding_draft(starter=coding_draft()["reference"])
    question_id = client.post("/api/v1/questions", json=draft, headers=headers).json()[
        "question_id"
    ]
    check = client.get(f"/api/v1/questions/{question_id}/validation", headers=headers).json()
    assert check["status"] == "rejected"
    assert "starter" in check["message"]


def test_reference_with_a_wrong_gradient_shape_is_rejected(
    client: TestClient, session: Session
) -> None:
    org = factories.make_org(session)
    headers = _auth(org.api_key)
    draft = coding_draft(reference=WRONG_SHAPE_REFERENCE)
    question_id = client.post("/api/v1/questions", json=draft, headers=headers).json()[
        "question_id"
    ]
    check = client.get(f"/api/v1/questions/{question_id}/validation", headers=headers).json()
    assert check["status"] == "rejected"
    assert "gradient da" in check["message"]
    assert "shape" in check["message"]


def test_reference_that_does_not_load_is_rejected(client: TestClient, session: Session) -> None:
    org = factories.make_org(session)
    headers = _auth(org.api_key)
    draft = coding_draft(reference="def scale_forward(x, a)\n    return x\n")
    question_id = client.post("/api/v1/questions", json=draft, headers=headers).json()[
        "question_id"
    ]
    check = client.get(f"/api/v1/questions/{question_id}/validation", headers=headers).json()
    assert check["status"] == "rejected"
    assert "SyntaxError" in check["message"]


def test_a_worker_sweep_claims_fresh_checks_the_api_process_only_queued(
    client: TestClient, session: Session
) -> None:
    from app.grading.task_checks import pending_check_ids
    from app.models import QuestionValidation

    org = factories.make_org(session)
    waiting = QuestionValidation(
        organization_id=org.organization.id,
        question_id="cqwaiting",
        content={},
        skills=["chain_rule"],
        difficulty=1,
        points=1.0,
    )
    session.add(waiting)
    session.flush()
    assert waiting.id not in pending_check_ids(session)  # the embedded queue has it already
    assert waiting.id in pending_check_ids(session, fresh=True)  # a scaled worker's sweep


def test_an_edit_with_a_stale_if_match_is_refused_and_changes_nothing(
    client: TestClient, session: Session
) -> None:
    org = factories.make_org(session)
    headers = _auth(org.api_key)
    question_id = client.post("/api/v1/questions", json=choice_draft(), headers=headers).json()[
        "question_id"
    ]
    url = f"/api/v1/questions/{question_id}"
    read = client.get(url, headers=headers).headers["etag"]
    mine = client.put(url, json=choice_draft(prompt="Mine?"), headers=headers | {"If-Match": read})
    assert mine.status_code == 200, mine.text
    assert mine.headers["etag"] not in ("", read)
    assert client.get(url, headers=headers).headers["etag"] == mine.headers["etag"]
    # Another editor who read before that edit loses nothing of it.
    stale = _problem(
        client.put(url, json=choice_draft(prompt="Theirs?"), headers=headers | {"If-Match": read}),
        412,
        "precondition-failed",
    )
    assert stale["etag"] == mine.headers["etag"]
    versions = session.query(QuestionVersion).filter_by(question_id=question_id).all()
    assert len(versions) == 2
    assert next(v for v in versions if v.is_current).content["prompt"] == "Mine?"
    # Without If-Match, or with *, the edit goes through as before.
    assert client.put(url, json=choice_draft(), headers=headers | {"If-Match": "*"}).is_success


@pytest.mark.parametrize(
    ("field", "value", "problem"),
    [
        ("difficulty", "2", "invalid-request"),
        ("difficulty", 2.0, "invalid-request"),
        # A number is an answer for numeric items; a true/false item refuses it.
        ("answer", 1, "question-invalid"),
    ],
)
def test_a_draft_takes_the_types_its_schema_says(
    client: TestClient, session: Session, field: str, value: Any, problem: str
) -> None:
    org = factories.make_org(session)
    draft = {"kind": "true_false", **{k: v for k, v in choice_draft().items() if k != "kind"}}
    draft.pop("choices", None)
    draft |= {"answer": True, field: value}
    _problem(client.post("/api/v1/questions", json=draft, headers=_auth(org.api_key)), 422, problem)
    assert session.query(QuestionVersion).filter_by(source="custom").all() == []
