"""The candidate's language per coding question: offered, saved, kept per language, run in."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.attempts.history import HISTORY_SLOTS
from app.models import Answer, AnswerRevision, Submission, SubmissionPurpose
from tests import factories
from tests.problems import assert_problem

PY_STARTER = "def f(x):\n    pass\n"
R_STARTER = "f <- function(x) {\n}\n"
LANGUAGES = [
    {"id": "python", "statement": "Write `f` in Python.", "starter": PY_STARTER},
    {"id": "r", "statement": "Write `f` in R.", "starter": R_STARTER},
]


@pytest.fixture
def world(session: Session, client: TestClient) -> dict[str, Any]:
    org = factories.make_org(session)
    questions = [
        factories.make_question(
            session, factories.coding("cl-both", "backward_pass", languages=LANGUAGES)
        ),
        factories.make_question(session, factories.coding("cl-py", "forward_pass")),
    ]
    assessment = factories.make_assessment(session, org.organization, questions)
    invitation = factories.make_invitation(session, org.organization, assessment)
    token = invitation.token
    assert client.post(f"/api/v1/take/{token}/start").status_code == 200
    return {
        "token": token,
        "attempt_id": invitation.attempt.id,
        "auth": {"Authorization": f"Bearer {org.api_key}"},
        "put": f"/api/v1/take/{token}/answers/cl-both",
        "run": f"/api/v1/take/{token}/answers/cl-both/run",
    }


def _put(client: TestClient, world: dict[str, Any], response: dict[str, Any]) -> int:
    saved = client.put(world["put"], json={"response": response})
    assert saved.status_code == 200, saved.text
    revision: int = saved.json()["revision"]
    return revision


def _take(client: TestClient, world: dict[str, Any]) -> dict[str, Any]:
    response = client.get(f"/api/v1/take/{world['token']}")
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    return body


def test_a_coding_question_lists_its_languages_and_their_starters(
    client: TestClient, world: dict[str, Any]
) -> None:
    questions = {q["id"]: q for q in _take(client, world)["questions"]}
    assert questions["cl-both"]["languages"] == [
        {
            "id": "python",
            "name": "Python",
            "statement": "Write `f` in Python.",
            "starter": PY_STARTER,
        },
        {"id": "r", "name": "R", "statement": "Write `f` in R.", "starter": R_STARTER},
    ]
    # Content from before languages (and custom tasks) offers Python alone.
    assert questions["cl-py"]["languages"] == [
        {"id": "python", "name": "Python", "statement": "Write `f`.", "starter": PY_STARTER}
    ]


def test_the_saved_language_comes_back(client: TestClient, world: dict[str, Any]) -> None:
    _put(client, world, {"source": "f <- function(x) x\n", "language": "r"})
    saved = _take(client, world)["answers"]["cl-both"]
    assert saved["response"] == {"source": "f <- function(x) x\n", "language": "r"}
    assert saved["drafts"] == {"r": "f <- function(x) x\n"}


def test_code_without_a_language_is_python(
    client: TestClient, session: Session, world: dict[str, Any]
) -> None:
    _put(client, world, {"source": "def f(x):\n    return x\n"})
    stored = session.scalar(select(Answer.response).where(Answer.question_id == "cl-both"))
    assert stored == {"source": "def f(x):\n    return x\n", "language": "python"}


@pytest.mark.parametrize(
    ("question", "language"),
    [("cl-both", "cobol"), ("cl-both", "R"), ("cl-both", 5), ("cl-both", None), ("cl-py", "r")],
)
def test_a_language_the_question_does_not_offer_is_422_and_keeps_the_saved_answer(
    client: TestClient, session: Session, world: dict[str, Any], question: str, language: object
) -> None:
    put = f"/api/v1/take/{world['token']}/answers/{question}"
    assert client.put(put, json={"response": {"source": "x = 1\n"}}).status_code == 200
    refused = client.put(put, json={"response": {"source": "x = 2\n", "language": language}})
    assert_problem(refused, 422, "invalid-response")
    saved = _take(client, world)["answers"][question]
    assert saved["response"] == {"source": "x = 1\n", "language": "python"}
    assert saved["revision"] == 1


def test_each_language_keeps_its_latest_draft_and_revisions_keep_their_language(
    client: TestClient, world: dict[str, Any]
) -> None:
    _put(client, world, {"source": "def f(x):\n    return x\n", "language": "python"})
    _put(client, world, {"source": R_STARTER, "language": "r"})
    _put(client, world, {"source": "f <- function(x) x\n", "language": "r"})
    _put(client, world, {"source": "def f(x):\n    return x\n", "language": "python"})
    saved = _take(client, world)["answers"]["cl-both"]
    assert saved["response"]["language"] == "python"
    assert saved["drafts"] == {"python": "def f(x):\n    return x\n", "r": "f <- function(x) x\n"}
    history = client.get(
        f"/api/v1/attempts/{world['attempt_id']}/questions/cl-both/history",
        headers=world["auth"],
    )
    assert history.status_code == 200
    # Going back to Python with the same code as before is a revision of its own: the switch.
    assert [(i["revision"], i["language"]) for i in history.json()["items"]] == [
        (1, "python"),
        (2, "r"),
        (3, "r"),
        (4, "python"),
    ]


def test_a_language_left_behind_keeps_its_draft_through_a_full_ring_of_the_other(
    client: TestClient, session: Session, world: dict[str, Any]
) -> None:
    _put(client, world, {"source": "def f(x):\n    return 2 * x\n", "language": "python"})
    for i in range(HISTORY_SLOTS + 5):
        _put(client, world, {"source": f"f <- function(x) {i} * x\n", "language": "r"})
    drafts = _take(client, world)["answers"]["cl-both"]["drafts"]
    assert drafts == {
        "python": "def f(x):\n    return 2 * x\n",
        "r": f"f <- function(x) {HISTORY_SLOTS + 4} * x\n",
    }
    kept = dict(
        session.execute(
            select(AnswerRevision.language, func.count()).group_by(AnswerRevision.language)
        ).all()
    )
    assert kept == {"python": 1, "r": HISTORY_SLOTS}, "each language's ring stays bounded"


def test_a_run_is_queued_in_the_language_asked_for(
    client: TestClient, session: Session, world: dict[str, Any]
) -> None:
    run = client.post(world["run"], json={"source": "f <- function(x) x\n", "language": "r"})
    assert run.status_code == 202, run.text
    assert run.json()["language"] == "r"
    stored = session.scalar(select(Submission).where(Submission.purpose == SubmissionPurpose.RUN))
    assert stored is not None
    assert (stored.language, stored.source) == ("r", "f <- function(x) x\n")


@pytest.mark.parametrize(
    ("path", "language"),
    [("answers/cl-both/run", "julia"), ("answers/cl-py/run", "r"), ("practice/run", "r")],
)
def test_a_run_in_a_language_not_offered_is_422_and_queues_nothing(
    client: TestClient, session: Session, world: dict[str, Any], path: str, language: str
) -> None:
    refused = client.post(
        f"/api/v1/take/{world['token']}/{path}", json={"source": "x = 1\n", "language": language}
    )
    assert_problem(refused, 422, "invalid-response")
    assert session.scalar(select(func.count()).select_from(Submission)) == 0


def test_final_grading_takes_the_answers_language_and_results_show_it(
    client: TestClient, session: Session, world: dict[str, Any]
) -> None:
    _put(client, world, {"source": "def f(x):\n    return x\n", "language": "python"})
    _put(client, world, {"source": "f <- function(x) x\n", "language": "r"})
    assert client.post(f"/api/v1/take/{world['token']}/submit").status_code == 200
    final = session.scalar(
        select(Submission).where(
            Submission.purpose == SubmissionPurpose.FINAL, Submission.question_id == "cl-both"
        )
    )
    assert final is not None
    assert (final.language, final.source) == ("r", "f <- function(x) x\n")
    result = client.get(f"/api/v1/attempts/{world['attempt_id']}", headers=world["auth"])
    rows = {q["question_id"]: q for q in result.json()["per_question"]}
    assert rows["cl-both"]["language"] == "r"
    assert rows["cl-py"]["language"] is None, "unanswered: no language to show"
