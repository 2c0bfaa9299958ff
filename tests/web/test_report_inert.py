"""Everything a candidate controls is text in the report: name, e-mail, answers, code (in the
code block and in each replay step), integrity-event fields, on the page and in the PDF."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.db import utcnow
from app.models import Answer, Attempt, AttemptStatus, IntegrityEvent, Role
from app.scoring.service import score_attempt
from tests.factories import (
    make_assessment,
    make_invitation,
    make_member,
    make_org,
    make_question,
    sign_in_as,
)
from tests.reports.world import XSS_CODE, XSS_NAME, Taken, finish_attempt, report_assessment


def _hostile_attempt(session: Session, client: TestClient) -> Attempt:
    org = make_org(session)
    assessment = report_assessment(session, org.organization)
    invited = make_invitation(session, org.organization, assessment)
    taken = Taken(
        name=XSS_NAME,
        email="x@example.com",
        revisions=["def f(x):\n    return x\n", f"def f(x):\n    return x  # {XSS_CODE}\n"],
        checks=[
            {
                "case": "example 1",
                "unit": "f",
                "name": "out",
                "status": "failed",
                "points": 0,
                "max_points": 1,
                "message": f"printed {XSS_CODE}",
                "hidden": False,
            }
        ],
        fraction=0.0,
    )
    attempt = finish_attempt(session, invited.attempt, taken)
    # The page validates question ids, but the report must not rely on that.
    session.add(
        IntegrityEvent(
            attempt_id=attempt.id,
            type="paste",
            at=utcnow(),
            question_id=XSS_CODE,
            length=3,
            received_at=utcnow(),
        )
    )
    session.flush()
    sign_in_as(client, session, make_member(session, org.organization, Role.VIEWER).account)
    return attempt


def _assert_inert(html: str, text: str, *, times: int) -> None:
    assert text not in html, "candidate text reached the HTML as markup"
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    assert html.count(escaped) >= times, f"{escaped!r} shown {html.count(escaped)} times"


def test_a_hostile_name_is_text_in_the_title_and_heading(
    client: TestClient, session: Session
) -> None:
    attempt = _hostile_attempt(session, client)
    html = client.get(f"/attempts/{attempt.id}").text
    _assert_inert(html, XSS_NAME, times=2)  # <title> and <h1>
    assert "<h1>&lt;script&gt;alert(1)&lt;/script&gt;</h1>" in html


def test_a_hostile_email_is_text(client: TestClient, session: Session) -> None:
    attempt = _hostile_attempt(session, client)
    attempt.candidate_name = ""  # the heading falls back to the e-mail
    attempt.candidate.email = f"{XSS_NAME}@example.com"
    session.flush()
    html = client.get(f"/attempts/{attempt.id}").text
    _assert_inert(html, XSS_NAME, times=3)  # <title>, <h1> and the e-mail line


def test_hostile_code_is_text_in_the_code_block_checks_and_replay(
    client: TestClient, session: Session
) -> None:
    attempt = _hostile_attempt(session, client)
    html = client.get(f"/attempts/{attempt.id}").text
    _assert_inert(html, XSS_CODE, times=3)  # the code, the check's message, the timeline
    qid = attempt.assessment.items[1].question.question_id
    step = client.get(f"/attempts/{attempt.id}/questions/{qid}/replay", params={"step": 2}).text
    _assert_inert(step, XSS_CODE, times=1)


def test_a_hostile_integrity_field_is_text(client: TestClient, session: Session) -> None:
    attempt = _hostile_attempt(session, client)
    html = client.get(f"/attempts/{attempt.id}").text
    timeline = html[html.index('class="timeline"') :]
    _assert_inert(timeline, XSS_CODE, times=1)


def test_a_hostile_answer_is_text(client: TestClient, session: Session) -> None:
    org = make_org(session)
    numeric = make_question(
        session,
        {
            "id": "num-inert",
            "kind": "numeric",
            "skills": ["chain_rule"],
            "difficulty": 1,
            "prompt": "How much?",
            "explanation": "So much.",
            "answer": 2.0,
            "tolerance": {"abs": 0.01},
        },
    )
    assessment = make_assessment(session, org.organization, [numeric])
    attempt = make_invitation(session, org.organization, assessment).attempt
    attempt.status = AttemptStatus.SUBMITTED
    # The API accepts numbers only; the report must not depend on that.
    session.add(
        Answer(
            attempt_id=attempt.id,
            question_id="num-inert",
            response={"value": XSS_CODE},
            revision=1,
            updated_at=utcnow(),
        )
    )
    session.flush()
    score_attempt(session, attempt)
    sign_in_as(client, session, make_member(session, org.organization, Role.VIEWER).account)
    html = client.get(f"/attempts/{attempt.id}").text
    _assert_inert(html, XSS_CODE, times=1)
    assert "<dt>Right answer</dt><dd>2</dd>" in html
