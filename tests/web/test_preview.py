"""Preview as candidate: the real test page on a signed, expiring token, writing no rows."""

from __future__ import annotations

import uuid
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.assessments import preview
from app.db import Base, utcnow
from app.models import Assessment, Organization, Role
from app.settings import Settings
from tests.factories import (
    coding,
    make_assessment,
    make_member,
    make_org,
    make_question,
    sign_in_as,
    single_choice,
)

XSS = "<script>alert(1)</script>"


def _row_counts(session: Session) -> dict[str, int]:
    session.flush()
    return {
        table.name: session.scalar(select(func.count()).select_from(table)) or 0
        for table in Base.metadata.sorted_tables
    }


def _assessment(
    client: TestClient, session: Session, role: Role = Role.RECRUITER
) -> tuple[Assessment, str]:
    org = make_org(session, name=f"Org {uuid.uuid4().hex[:6]}").organization
    tag = uuid.uuid4().hex[:6]
    concept = make_question(session, single_choice(f"pv-{tag}", "chain_rule", prompt=f"Pick {XSS}"))
    task = make_question(session, coding(f"pvc-{tag}", "backward_pass"))
    assessment = make_assessment(session, org, [concept, task], title="Preview me")
    csrf = sign_in_as(client, session, make_member(session, org, role).account)
    return assessment, csrf


def _start(client: TestClient, assessment: Assessment, csrf: str) -> str:
    started = client.post(
        f"/assessments/{assessment.id}/preview", data={"csrf_token": csrf}, follow_redirects=False
    )
    assert started.status_code == 303, started.text
    location = started.headers["location"]
    assert location.startswith("/preview/")
    return location.removeprefix("/preview/")


def test_a_whole_preview_writes_no_row(client: TestClient, session: Session) -> None:
    assessment, csrf = _assessment(client, session, Role.VIEWER)  # a viewer may preview too
    question_id = assessment.items[0].question.question_id
    coding_id = assessment.items[1].question.question_id
    before = _row_counts(session)

    token = _start(client, assessment, csrf)
    page = client.get(f"/preview/{token}")
    assert page.status_code == 200
    assert 'data-page="test"' in page.text  # the candidate's own page and script
    assert f'data-api="/api/v1/preview/{token}"' in page.text
    assert f'data-end-url="/preview/{token}/end"' in page.text
    assert "/static/dist/take.js" in page.text
    assert f'name="answer-{question_id}"' in page.text
    assert XSS not in page.text
    assert "nothing is recorded" in page.text

    api = f"/api/v1/preview/{token}"
    read = client.get(api)
    assert read.status_code == 200
    body = read.json()
    assert body["status"] == "started"
    assert [q["id"] for q in body["questions"]] == [question_id, coding_id]
    assert "answer" not in str(body["questions"][0])  # no key in what the page reads
    saved = client.put(f"{api}/answers/{question_id}", json={"response": {"choice": "a"}})
    assert saved.status_code == 200, saved.text
    assert saved.json()["revision"] == 1
    again = client.put(
        f"{api}/answers/{question_id}", json={"response": {"choice": "b"}, "base_revision": 1}
    )
    assert again.json()["revision"] == 2
    code = client.put(f"{api}/answers/{coding_id}", json={"response": {"source": "x = 1\n"}})
    assert code.status_code == 200
    flagged = client.put(f"{api}/flags/{question_id}", json={"flagged": True})
    assert flagged.json() == {"question_id": question_id, "flagged": True}
    events = client.post(
        f"{api}/events", json={"events": [{"type": "window_blur", "at": utcnow().isoformat()}]}
    )
    assert events.json() == {"accepted": 0, "dropped": 1}
    run = client.post(f"{api}/answers/{coding_id}/run", json={"source": "x = 1\n"})
    assert run.status_code == 409
    assert run.json()["type"] == "/problems/preview-runs-unavailable"
    submitted = client.post(f"{api}/submit")
    assert submitted.json()["status"] == "submitted"
    end = client.get(f"/preview/{token}/end")
    assert end.status_code == 200
    assert "End of the preview" in end.text

    assert _row_counts(session) == before


def test_preview_refuses_what_the_test_refuses(client: TestClient, session: Session) -> None:
    assessment, csrf = _assessment(client, session)
    question_id = assessment.items[0].question.question_id
    api = f"/api/v1/preview/{_start(client, assessment, csrf)}"
    wrong = client.put(f"{api}/answers/{question_id}", json={"response": {"choice": "zz"}})
    assert wrong.status_code == 422
    assert wrong.headers["content-type"] == "application/problem+json"
    assert wrong.json()["type"] == "/problems/invalid-response"
    missing = client.put(f"{api}/answers/not-in-form", json={"response": {"choice": "a"}})
    assert missing.status_code == 404
    assert missing.json()["type"] == "/problems/question-not-found"


def test_forged_and_expired_preview_links_are_refused(
    client: TestClient, session: Session, settings: Settings
) -> None:
    assessment, csrf = _assessment(client, session)
    token = _start(client, assessment, csrf)
    body, _, signature = token.partition(".")
    forged = f"{body[:-2]}AA.{signature}"
    for path in (f"/preview/{forged}", f"/preview/{token[:-3]}", "/preview/nonsense"):
        page = client.get(path)
        assert page.status_code == 404, path
        assert "This preview link is not valid" in page.text
    problem = client.get(f"/api/v1/preview/{forged}")
    assert problem.status_code == 404
    assert problem.json()["type"] == "/problems/preview-not-found"

    secret = settings.secret_key.get_secret_value()
    ticket = preview.read_token(secret, token)
    long_ago = preview.Ticket(
        organization_id=ticket.organization_id,
        assessment_id=ticket.assessment_id,
        seed=ticket.seed,
        started_at=utcnow() - timedelta(hours=3),
        time_limit_minutes=30,
    )
    stale = preview.issue_token(secret, long_ago)
    assert client.get(f"/preview/{stale}").status_code == 410
    assert client.get(f"/api/v1/preview/{stale}").json()["type"] == "/problems/preview-expired"
    ran_out = preview.issue_token(
        secret,
        preview.Ticket(
            organization_id=ticket.organization_id,
            assessment_id=ticket.assessment_id,
            seed=ticket.seed,
            started_at=utcnow() - timedelta(minutes=31),
            time_limit_minutes=30,
        ),
    )
    question_id = assessment.items[0].question.question_id
    late = client.put(
        f"/api/v1/preview/{ran_out}/answers/{question_id}", json={"response": {"choice": "a"}}
    )
    assert late.status_code == 409
    assert late.json()["type"] == "/problems/attempt-expired"


def test_another_organization_cannot_preview(client: TestClient, session: Session) -> None:
    theirs, _ = _assessment(client, session)
    other = make_org(session, name="Other").organization
    csrf = sign_in_as(client, session, make_member(session, other, Role.OWNER).account)
    refused = client.post(f"/assessments/{theirs.id}/preview", data={"csrf_token": csrf})
    assert refused.status_code == 404
    assert session.scalar(select(func.count()).select_from(Organization)) >= 2
