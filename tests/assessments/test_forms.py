"""Pools drawn per candidate: equally long, balanced per skill and difficulty, fixed per seed."""

from __future__ import annotations

from collections import Counter

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.assessments.forms import Pool, PoolUnavailableError, draw_form
from app.models import QuestionVersion
from tests import factories

SKILLS = ("chain_rule", "backward_pass")


def _bank(session: Session) -> list[QuestionVersion]:
    """Six concept items per (skill, difficulty) for two skills, and two coding tasks."""
    questions = [
        factories.make_question(
            session,
            factories.single_choice(f"{skill.replace('_', '-')}-d{d}-{n}", skill, difficulty=d),
        )
        for skill in SKILLS
        for d in (1, 2)
        for n in range(6)
    ]
    questions += [
        factories.make_question(session, factories.coding(f"task-{n}", "backward_pass"))
        for n in range(2)
    ]
    return questions


POOLS = [
    Pool("concept", "chain_rule", 2, 3),
    Pool("concept", "backward_pass", 1, 2),
    Pool("coding", "backward_pass", 1, 1),
]


def _cells(form: list[QuestionVersion]) -> Counter[tuple[str, str, int]]:
    return Counter(
        ("coding" if q.kind == "coding" else "concept", q.skills[0], q.difficulty) for q in form
    )


def test_forms_are_equally_long_balanced_and_fixed_per_seed(session: Session) -> None:
    bank = _bank(session)
    fixed = [q for q in bank if q.question_id == "chain-rule-d1-0"]
    forms = [draw_form(fixed, POOLS, bank, seed=seed, shuffle=False) for seed in range(40)]

    wanted = Counter(
        {
            ("concept", "chain_rule", 1): 1,
            ("concept", "chain_rule", 2): 3,
            ("concept", "backward_pass", 1): 2,
            ("coding", "backward_pass", 1): 1,
        }
    )
    for form in forms:
        assert len(form) == 7
        assert _cells(form) == wanted
        assert form[0].question_id == "chain-rule-d1-0"  # the fixed question first
        ids = [q.question_id for q in form]
        assert len(set(ids)) == len(ids)
    # Candidates get different questions, and the same seed draws the same form again.
    assert len({tuple(q.question_id for q in f) for f in forms}) > 20
    again = draw_form(fixed, POOLS, list(reversed(bank)), seed=7, shuffle=False)
    assert [q.question_id for q in again] == [q.question_id for q in forms[7]]


def test_shuffled_forms_keep_their_questions_in_a_seeded_order(session: Session) -> None:
    bank = _bank(session)
    plain = draw_form([], POOLS, bank, seed=3, shuffle=False)
    shuffled = draw_form([], POOLS, bank, seed=3, shuffle=True)
    assert sorted(q.question_id for q in shuffled) == sorted(q.question_id for q in plain)
    assert shuffled == draw_form([], POOLS, bank, seed=3, shuffle=True)
    orders = {
        tuple(q.question_id for q in draw_form([], POOLS, bank, seed=s, shuffle=True))
        for s in range(10)
    }
    assert len(orders) == 10


def test_a_pool_larger_than_what_is_on_offer_is_refused(session: Session) -> None:
    bank = _bank(session)
    with pytest.raises(PoolUnavailableError, match="has 6 question"):
        draw_form([], [Pool("concept", "chain_rule", 1, 7)], bank, seed=0, shuffle=False)
    # A fixed question is never drawn again, so it leaves one fewer in its pool.
    fixed = [q for q in bank if q.question_id == "chain-rule-d1-0"]
    with pytest.raises(PoolUnavailableError, match="has 5 question"):
        draw_form(fixed, [Pool("concept", "chain_rule", 1, 6)], bank, seed=0, shuffle=False)


def test_two_invited_candidates_get_stored_forms_of_the_same_shape(
    client: TestClient, session: Session
) -> None:
    org = factories.make_org(session)
    _bank(session)
    headers = {"Authorization": f"Bearer {org.api_key}"}
    created = client.post(
        "/api/v1/assessments",
        json={
            "title": "Pools",
            "question_ids": ["backward-pass-d2-0"],
            "pools": [
                {"skill": "chain_rule", "difficulty": 2, "count": 3},
                {"kind": "coding", "skill": "backward_pass", "difficulty": 1, "count": 1},
            ],
            "time_limit_minutes": 30,
        },
        headers=headers,
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["question_count"] == 5
    assert [q["id"] for q in body["questions"]] == ["backward-pass-d2-0"]
    assert body["pools"][0] == {
        "kind": "concept",
        "skill": "chain_rule",
        "difficulty": 2,
        "count": 3,
    }

    forms = []
    for n in range(6):
        invited = client.post(
            f"/api/v1/assessments/{body['id']}/invitations",
            json={"candidate": {"email": f"p{n}@example.com", "name": f"P{n}"}},
            headers=headers,
        ).json()
        started = client.post(f"/api/v1/take/{invited['token']}/start").json()
        ids = [q["id"] for q in started["questions"]]
        assert started["assessment"]["question_count"] == 5
        # The form is stored: a reload shows exactly the same questions.
        reloaded = client.get(f"/api/v1/take/{invited['token']}").json()["questions"]
        assert [q["id"] for q in reloaded] == ids
        assert ids[0] == "backward-pass-d2-0"
        assert sum(i.startswith("chain-rule-d2-") for i in ids) == 3
        assert sum(i.startswith("task-") for i in ids) == 1
        # A question outside this candidate's form is not theirs to answer.
        other = next(f"chain-rule-d2-{k}" for k in range(6) if f"chain-rule-d2-{k}" not in ids)
        refused = client.put(
            f"/api/v1/take/{invited['token']}/answers/{other}",
            json={"response": {"choice": "b"}},
        )
        assert refused.status_code == 404
        # Its score counts this form's questions only.
        client.put(
            f"/api/v1/take/{invited['token']}/answers/{ids[1]}", json={"response": {"choice": "b"}}
        )
        client.post(f"/api/v1/take/{invited['token']}/submit")
        attempt = client.get(f"/api/v1/attempts/{started['attempt_id']}", headers=headers).json()
        assert [q["question_id"] for q in attempt["per_question"]] == ids
        assert attempt["score"] == 1.0
        forms.append(tuple(ids))
    assert len(set(forms)) > 1


def test_a_pool_the_bank_cannot_fill_is_a_409_problem(client: TestClient, session: Session) -> None:
    org = factories.make_org(session)
    _bank(session)
    response = client.post(
        "/api/v1/assessments",
        json={
            "title": "Too many",
            "pools": [{"skill": "chain_rule", "difficulty": 2, "count": 9}],
            "time_limit_minutes": 30,
        },
        headers={"Authorization": f"Bearer {org.api_key}"},
    )
    assert response.status_code == 409
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"] == "/problems/pool-unavailable"
