"""The library pages: filters, the candidate's own template in the preview, the editor keeping
what was typed on a refusal, a coding task through the judge, inert author text, viewers."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.models import QuestionVersion, Role
from tests.factories import coding, make_member, make_org, make_question, sign_in_as, single_choice
from tests.questions.drafts import BROKEN_REFERENCE, REFERENCE, SPEC, STARTER

XSS = "<script>alert(1)</script>"


def _recruiter(client: TestClient, session: Session, role: Role = Role.RECRUITER) -> str:
    org = make_org(session)
    member = make_member(session, org.organization, role)
    return sign_in_as(client, session, member.account)


def test_library_filters_by_skill_kind_difficulty_and_text(
    client: TestClient, session: Session
) -> None:
    make_question(session, single_choice("lib-relu", "forward_pass", prompt="About ReLU?"))
    make_question(session, single_choice("lib-adam", "gradient_descent", prompt="Adam's step?"))
    make_question(session, coding("lib-task", "backward_pass"))
    _recruiter(client, session)
    page = client.get("/library", params={"skill": "forward_pass", "text": "relu"})
    assert page.status_code == 200
    assert "About ReLU?" in page.text
    assert "Adam" not in page.text
    page = client.get("/library", params={"kind": "coding", "difficulty": 1})
    assert "Task lib-task" in page.text
    assert "About ReLU?" not in page.text
    fragment = client.get("/library", params={"text": "adam"}, headers={"HX-Request": "true"})
    assert 'id="library-results"' in fragment.text
    assert "<html" not in fragment.text


def test_preview_uses_the_candidate_template_and_creates_no_attempt(
    client: TestClient, session: Session
) -> None:
    make_question(session, single_choice("lib-pv", "chain_rule", prompt=f"Is {XSS} safe?"))
    _recruiter(client, session)
    page = client.get("/library/lib-pv")
    assert page.status_code == 200
    assert 'class="choices"' in page.text  # the test page's own fieldset
    assert 'name="answer-lib-pv"' in page.text
    assert XSS not in page.text
    assert "&lt;script&gt;" in page.text
    assert "Answer key" in page.text


def test_concept_question_written_in_the_editor_then_edited(
    client: TestClient, session: Session
) -> None:
    csrf = _recruiter(client, session)
    form = {
        "csrf_token": csrf,
        "kind": "numeric",
        "skills": "chain_rule",
        "difficulty": "2",
        "points": "1",
        "prompt": "Let y = {a} x². What is dy/dx at x = {x}?",
        "params": "a: {integers: [2, 9]}\nx: {uniform: [0.5, 3], decimals: 1}",
        "numeric_answer": "2 * a / (x - x)",
        "tolerance_rel": "0.001",
        "explanation": f"Power rule {XSS}",
    }
    refused = client.post("/library", data=form)
    assert refused.status_code == 422
    assert "division by zero" in refused.text
    assert "at seed 0" in refused.text
    assert "2 * a / (x - x)" in refused.text  # what was typed stays
    saved = client.post(
        "/library", data=form | {"numeric_answer": "2 * a * x"}, follow_redirects=False
    )
    assert saved.status_code == 303
    location = saved.headers["location"]
    preview = client.get(location)
    assert "Question created." in preview.text
    assert "Draw other numbers" in preview.text
    assert XSS not in preview.text
    question_id = location.split("/")[2].split("?")[0]
    edit = client.get(f"/library/{question_id}/edit")
    assert "2 * a * x" in edit.text
    client.post(f"/library/{question_id}", data=form | {"numeric_answer": "a * x * 2"})
    versions = session.query(QuestionVersion).filter_by(question_id=question_id).all()
    assert len(versions) == 2


def test_coding_task_refused_with_the_report_then_accepted(
    client: TestClient, session: Session
) -> None:
    csrf = _recruiter(client, session)
    form = {
        "csrf_token": csrf,
        "kind": "coding",
        "skills": ["backward_pass", "chain_rule"],
        "difficulty": "1",
        "points": "4",
        "title": f"Scale {XSS}",
        "statement": "Write `scale_forward`.",
        "starter": STARTER,
        "reference": BROKEN_REFERENCE,
        "spec": SPEC,
        "explanation": "Scale.",
    }
    sent = client.post("/library", data=form, follow_redirects=False)
    assert sent.status_code == 303
    check = client.get(sent.headers["location"])
    assert "Rejected by the judge" in check.text
    assert "gradient da" in check.text
    question_id = sent.headers["location"].split("/")[2]
    edit = client.get(f"/library/{question_id}/edit")
    assert "np.sum(dout, axis=0)" in edit.text  # the refused reference, to fix
    fixed = client.post(
        f"/library/{question_id}", data=form | {"reference": REFERENCE}, follow_redirects=False
    )
    check = client.get(fixed.headers["location"])
    assert "Accepted" in check.text
    preview = client.get(f"/library/{question_id}")
    assert "Run public checks" in preview.text
    assert "dx, da = None, None" in preview.text  # the starter, as the editor shows it
    assert "dout * a" not in preview.text  # never the reference
    assert XSS not in preview.text


def test_viewer_sees_no_edit_controls_and_cannot_post(client: TestClient, session: Session) -> None:
    org = make_org(session)
    make_question(
        session,
        single_choice("lib-own", "chain_rule"),
        organization_id=org.organization.id,
        source="custom",
    )
    viewer = make_member(session, org.organization, Role.VIEWER)
    csrf = sign_in_as(client, session, viewer.account)
    page = client.get("/library")
    assert "New coding task" not in page.text
    preview = client.get("/library/lib-own")
    assert "Edit question" not in preview.text
    assert "Archive question" not in preview.text
    refused = client.post("/library/lib-own/archive", data={"csrf_token": csrf})
    assert refused.status_code == 403
    assert refused.headers["content-type"].startswith("text/html")
