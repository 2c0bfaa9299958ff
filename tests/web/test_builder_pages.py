"""The assessments pages and the builder: list, templates, search, pools, settings, conflicts,
duplicate and archive; CSRF, roles, other organizations, inert text, readable refusals."""

from __future__ import annotations

import re
import uuid

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.bank.loader import load_concepts
from app.bank.sync import concept_payloads, sync_bank
from app.grading.tasks import coding_payloads
from app.models import Assessment, Organization, Role
from app.settings import REPO_ROOT
from tests.factories import (
    make_assessment,
    make_invitation,
    make_member,
    make_org,
    make_question,
    sign_in_as,
    single_choice,
)

XSS = "<script>alert(1)</script>"
BANK = REPO_ROOT / "question_bank"


def _member(
    client: TestClient, session: Session, role: Role = Role.RECRUITER
) -> tuple[Organization, str]:
    org = make_org(session, name=f"Org {uuid.uuid4().hex[:6]}").organization
    member = make_member(session, org, role)
    return org, sign_in_as(client, session, member.account)


def _form(csrf: str, **fields: object) -> dict[str, object]:
    return {
        "csrf_token": csrf,
        "title": "Backprop basics",
        "time_limit_minutes": "45",
        "pass_mark_percent": "",
        "shuffle_choices": "true",
        "pool_rows": "1",
        **fields,
    }


def _count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Assessment)) or 0


def _etag(page_text: str) -> str:
    match = re.search(r'name="etag" value="([^"]*)"', page_text)
    assert match, "the builder has no etag field"
    return match.group(1).replace("&#34;", '"')


def test_list_shows_open_and_archived_with_counts_and_the_nav_link(
    client: TestClient, session: Session
) -> None:
    org, _ = _member(client, session)
    q = make_question(session, single_choice(f"bl-{uuid.uuid4().hex[:6]}", "chain_rule"))
    live = make_assessment(session, org, [q], title="Live one", time_limit_minutes=25)
    make_invitation(session, org, live)
    make_invitation(session, org, live)
    make_assessment(session, org, [q], title="Old one", archived_at=live.created_at)
    page = client.get("/assessments")
    assert page.status_code == 200
    assert '<a href="/assessments" aria-current="page">Assessments</a>' in page.text
    open_part, archived_part = page.text.split('id="archived-title"')
    assert "Live one" in open_part
    assert "Old one" not in open_part
    assert "Old one" in archived_part
    row = re.search(r"Live one.*?</tr>", open_part, re.S)
    assert row
    cells = re.findall(r'<td class="num">([^<]*)</td>', row.group(0))
    assert cells == ["1", "1", "25 min", "2", "0"]  # questions, points, time, invited, completed
    assert f'href="/assessments/{live.id}/invitations"' in row.group(0)
    assert f'href="/assessments/{live.id}/results"' in row.group(0)


def test_new_from_a_role_template_draws_its_form(client: TestClient, session: Session) -> None:
    sync_bank(
        session,
        concept_payloads(load_concepts(BANK / "concepts")) + coding_payloads(BANK / "coding"),
    )
    _, csrf = _member(client, session)
    page = client.get("/assessments/new")
    assert page.status_code == 200
    assert "Use the Machine Learning Engineer template" in page.text
    assert 'href="/assessments/new/blank"' in page.text
    made = client.post(
        "/assessments",
        data={
            "csrf_token": csrf,
            "template": "ml-engineer",
            "title": "ML hire",
            "time_limit_minutes": "90",
            "shuffle_choices": "true",
            "action": "save",
        },
        follow_redirects=False,
    )
    assert made.status_code == 303, made.text
    overview = client.get(made.headers["location"])
    assert "Assessment created." in overview.text
    created = session.scalars(select(Assessment).where(Assessment.title == "ML hire")).one()
    assert created.template == "ml-engineer"
    assert len(created.items) == 25  # 20 concept items and 5 coding tasks, as the template says
    assert "Questions per candidate</dt><dd>25</dd>" in overview.text


def test_search_adds_questions_and_keeps_what_was_typed(
    client: TestClient, session: Session
) -> None:
    tag = uuid.uuid4().hex[:6]
    make_question(session, single_choice(f"s-{tag}-relu", "forward_pass", prompt=f"ReLU {tag}?"))
    make_question(session, single_choice(f"s-{tag}-adam", "gradient_descent", prompt="Adam?"))
    _, csrf = _member(client, session)
    blank = client.get("/assessments/new/blank")
    assert blank.status_code == 200
    assert 'role="alert"' not in blank.text  # nothing typed yet, nothing to fix
    searched = client.post(
        "/assessments",
        data=_form(
            csrf, title="Typed name", action="search", search_text=tag, search_skill="forward_pass"
        ),
    )
    assert searched.status_code == 200
    assert 'value="Typed name"' in searched.text
    assert f"Add: ReLU {tag}?" in searched.text
    assert "Adam?" not in searched.text
    assert _count(session) == 0  # a search saves nothing
    saved = client.post(
        "/assessments",
        data=_form(csrf, title="Typed name", action="save", question_ids=f"s-{tag}-relu"),
        follow_redirects=False,
    )
    assert saved.status_code == 303, saved.text
    made = session.scalars(select(Assessment).where(Assessment.title == "Typed name")).one()
    assert [i.question.question_id for i in made.items] == [f"s-{tag}-relu"]
    assert made.time_limit_minutes == 45


def test_pool_rows_show_their_matches_and_refuse_more_than_match(
    client: TestClient, session: Session
) -> None:
    for _ in range(3):
        make_question(
            session,
            single_choice(f"p-{uuid.uuid4().hex[:6]}", "loss_functions", difficulty=2, points=2.0),
        )
    _, csrf = _member(client, session)
    pool = {"pool-0-kind": "concept", "pool-0-skill": "loss_functions", "pool-0-difficulty": "2"}
    checked = client.post(
        "/assessments", data=_form(csrf, action="check", **pool, **{"pool-0-count": "2"})
    )
    assert checked.status_code == 200
    assert "3 questions match · 4 points" in checked.text
    assert "<strong>2</strong> questions per candidate" in checked.text
    refused = client.post(
        "/assessments",
        data=_form(csrf, title="Too many", action="save", **pool, **{"pool-0-count": "5"}),
    )
    assert refused.status_code == 422
    assert "Only 3 question(s) match; this pool asks for 5." in refused.text
    assert 'value="Too many"' in refused.text
    assert 'name="pool-0-count" value="5"' in refused.text
    assert _count(session) == 0
    saved = client.post(
        "/assessments",
        data=_form(csrf, action="save", **pool, **{"pool-0-count": "3"}),
        follow_redirects=False,
    )
    assert saved.status_code == 303
    overview = client.get(saved.headers["location"])
    assert "3 loss_functions concept items of difficulty 2" in overview.text
    assert "Points</dt><dd>6" in overview.text  # pool points count in the total


def test_bad_settings_are_explained_and_nothing_is_saved(
    client: TestClient, session: Session
) -> None:
    _, csrf = _member(client, session)
    refused = client.post(
        "/assessments",
        data=_form(
            csrf,
            action="save",
            title=" ",
            time_limit_minutes="ninety",
            pass_mark_percent="101",
            **{
                "pool-0-count": "2",
                "pool-0-skill": "nonsense",
                "pool-0-kind": "concept",
                "pool-0-difficulty": "1",
            },
        ),
    )
    assert refused.status_code == 422
    assert refused.headers["content-type"].startswith("text/html")
    for message in (
        "Give the assessment a name.",
        "The time limit is a whole number of minutes, 1-600.",
        "The pass mark is a whole percent, 0-100.",
        "Pick a kind, a skill and a difficulty.",
    ):
        assert message in refused.text
    assert 'value="ninety"' in refused.text
    assert 'aria-invalid="true"' in refused.text
    empty = client.post("/assessments", data=_form(csrf, action="save"))
    assert empty.status_code == 400
    assert "Pick questions, a template or a pool." in empty.text
    assert _count(session) == 0


def test_stale_form_is_a_readable_conflict_that_keeps_what_was_typed(
    client: TestClient, session: Session
) -> None:
    org, csrf = _member(client, session)
    q = make_question(session, single_choice(f"st-{uuid.uuid4().hex[:6]}", "chain_rule"))
    assessment = make_assessment(session, org, [q], title="Shared", time_limit_minutes=30)
    mine = client.get(f"/assessments/{assessment.id}/edit")
    etag = _etag(mine.text)
    theirs = client.post(
        f"/assessments/{assessment.id}/edit",
        data=_form(
            csrf,
            action="save",
            title="Shared",
            time_limit_minutes="50",
            etag=etag,
            question_ids=q.question_id,
        ),
        follow_redirects=False,
    )
    assert theirs.status_code == 303
    stale = client.post(
        f"/assessments/{assessment.id}/edit",
        data=_form(
            csrf,
            action="save",
            title="My title",
            time_limit_minutes="30",
            etag=etag,
            question_ids=q.question_id,
        ),
    )
    assert stale.status_code == 409
    assert "Someone else saved this assessment after you opened it." in stale.text
    assert "time limit: 50" in stale.text
    assert 'value="My title"' in stale.text
    session.refresh(assessment)
    assert (assessment.title, assessment.time_limit_minutes) == ("Shared", 50)
    again = client.post(
        f"/assessments/{assessment.id}/edit",
        data=_form(
            csrf,
            action="save",
            title="My title",
            time_limit_minutes="30",
            etag=_etag(stale.text),
            question_ids=q.question_id,
        ),
        follow_redirects=False,
    )
    assert again.status_code == 303
    session.refresh(assessment)
    assert (assessment.title, assessment.time_limit_minutes) == ("My title", 30)


def test_edit_changes_settings_questions_and_pools_until_someone_is_invited(
    client: TestClient, session: Session
) -> None:
    org, csrf = _member(client, session)
    tag = uuid.uuid4().hex[:6]
    first = make_question(session, single_choice(f"e-{tag}-1", "chain_rule"))
    second = make_question(session, single_choice(f"e-{tag}-2", "backward_pass", difficulty=3))
    assessment = make_assessment(session, org, [first])
    page = client.get(f"/assessments/{assessment.id}/edit")
    saved = client.post(
        f"/assessments/{assessment.id}/edit",
        data=_form(
            csrf,
            action="save",
            title="Edited",
            pass_mark_percent="70",
            shuffle_questions="true",
            candidates_see_results="true",
            etag=_etag(page.text),
            question_ids=second.question_id,
        ),
        follow_redirects=False,
    )
    assert saved.status_code == 303, saved.text
    session.refresh(assessment)
    assert [i.question.question_id for i in assessment.items] == [second.question_id]
    assert (assessment.pass_mark_percent, assessment.shuffle_questions) == (70, True)
    assert assessment.candidates_see_results is True
    assert assessment.shuffle_choices is True

    make_invitation(session, org, assessment)
    locked = client.get(f"/assessments/{assessment.id}/edit")
    assert "Candidates are invited to this assessment" in locked.text
    assert 'name="question_ids"' not in locked.text
    settings_only = client.post(
        f"/assessments/{assessment.id}/edit",
        data=_form(
            csrf,
            action="save",
            title="Renamed",
            etag=_etag(locked.text),
            question_ids=first.question_id,
        ),
        follow_redirects=False,
    )
    assert settings_only.status_code == 303
    session.refresh(assessment)
    assert assessment.title == "Renamed"
    assert [i.question.question_id for i in assessment.items] == [second.question_id]


def test_duplicate_and_archive_from_the_pages(client: TestClient, session: Session) -> None:
    org, csrf = _member(client, session)
    q = make_question(session, single_choice(f"da-{uuid.uuid4().hex[:6]}", "chain_rule"))
    assessment = make_assessment(session, org, [q], title="Original")
    copied = client.post(
        f"/assessments/{assessment.id}/duplicate", data={"csrf_token": csrf}, follow_redirects=False
    )
    assert copied.status_code == 303
    assert copied.headers["location"].endswith("/edit?notice=assessment-duplicated")
    assert 'value="Copy of Original"' in client.get(copied.headers["location"]).text
    archived = client.post(
        f"/assessments/{assessment.id}/archive", data={"csrf_token": csrf}, follow_redirects=False
    )
    assert archived.status_code == 303
    overview = client.get(archived.headers["location"])
    assert "Assessment archived" in overview.text
    assert '<span class="badge warn">archived</span>' in overview.text
    assert "Archive</button>" not in overview.text
    listing = client.get("/assessments").text
    assert "Original" in listing.split('id="archived-title"')[1]


def test_a_form_without_its_csrf_token_is_refused(client: TestClient, session: Session) -> None:
    org, csrf = _member(client, session)
    q = make_question(session, single_choice(f"cs-{uuid.uuid4().hex[:6]}", "chain_rule"))
    assessment = make_assessment(session, org, [q])
    for path, data in (
        ("/assessments", _form("forged", action="save", question_ids=q.question_id)),
        (f"/assessments/{assessment.id}/edit", _form("", action="save")),
        (f"/assessments/{assessment.id}/archive", {}),
        (f"/assessments/{assessment.id}/duplicate", {"csrf_token": csrf[::-1]}),
    ):
        refused = client.post(path, data=data)
        assert refused.status_code == 403, path
        assert refused.headers["content-type"].startswith("text/html")
    session.refresh(assessment)
    assert assessment.archived_at is None
    assert _count(session) == 1


def test_a_viewer_reads_but_gets_a_403_page_on_every_change(
    client: TestClient, session: Session
) -> None:
    org, csrf = _member(client, session, Role.VIEWER)
    q = make_question(session, single_choice(f"vw-{uuid.uuid4().hex[:6]}", "chain_rule"))
    assessment = make_assessment(session, org, [q], title="Look only")
    listing = client.get("/assessments")
    assert listing.status_code == 200
    assert "Look only" in listing.text
    assert "New assessment" not in listing.text
    overview = client.get(f"/assessments/{assessment.id}")
    assert overview.status_code == 200
    assert f'href="/assessments/{assessment.id}/edit"' not in overview.text
    for method, path in (
        ("GET", f"/assessments/{assessment.id}/edit"),
        ("GET", "/assessments/new"),
        ("POST", f"/assessments/{assessment.id}/edit"),
        ("POST", f"/assessments/{assessment.id}/archive"),
    ):
        refused = client.request(
            method, path, data={"csrf_token": csrf, "action": "save"} if method == "POST" else None
        )
        assert refused.status_code == 403, path
        assert "You may not do this" in refused.text


def test_another_organizations_assessment_is_not_found(
    client: TestClient, session: Session
) -> None:
    other = make_org(session, name="Elsewhere").organization
    q = make_question(session, single_choice(f"oo-{uuid.uuid4().hex[:6]}", "chain_rule"))
    theirs = make_assessment(session, other, [q], title="Not yours")
    _, csrf = _member(client, session, Role.ADMIN)
    for method, path in (
        ("GET", f"/assessments/{theirs.id}"),
        ("GET", f"/assessments/{theirs.id}/edit"),
        ("POST", f"/assessments/{theirs.id}/edit"),
        ("POST", f"/assessments/{theirs.id}/duplicate"),
        ("POST", f"/assessments/{theirs.id}/archive"),
    ):
        response = client.request(
            method, path, data={"csrf_token": csrf} if method == "POST" else None
        )
        assert response.status_code == 404, path
        assert "Not yours" not in response.text
    assert "Not yours" not in client.get("/assessments").text
    session.refresh(theirs)
    assert theirs.archived_at is None


def test_typed_text_is_shown_inert_on_every_page(client: TestClient, session: Session) -> None:
    org, csrf = _member(client, session)
    tag = uuid.uuid4().hex[:6]
    q = make_question(
        session,
        single_choice(f"x-{tag}", "chain_rule", prompt=f"Prompt {XSS} {tag}"),
        organization_id=org.id,
        source="custom",
    )
    assessment = make_assessment(session, org, [q], title=f"Title {XSS}")
    pages = [
        client.get("/assessments"),
        client.get(f"/assessments/{assessment.id}"),
        client.get(f"/assessments/{assessment.id}/edit"),
        client.post("/assessments", data=_form(csrf, action="search", title=XSS, search_text=tag)),
    ]
    for page in pages:
        assert page.status_code == 200
        assert XSS not in page.text
        assert "&lt;script&gt;" in page.text
