"""The candidate report page: results, the skill chart against the cohort, the percentile, the
code with its checks, the replay stepped by htmx or by plain links, the integrity timeline."""

from __future__ import annotations

import base64
import re
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.db import utcnow
from app.models import Assessment, Attempt, Membership, Role
from app.organizations.service import NewOrganization
from tests.factories import make_invitation, make_member, make_org, sign_in_as
from tests.reports.world import Taken, finish_attempt, report_assessment

CHECKS = [
    {
        "case": "example 1",
        "unit": "affine",
        "name": "dx",
        "status": "passed",
        "points": 1.0,
        "max_points": 1.0,
        "message": "",
        "hidden": False,
    },
    {
        "case": "hidden 1",
        "unit": "affine",
        "name": "dw",
        "status": "failed",
        "points": 0.0,
        "max_points": 1.0,
        "message": "dw differs: max relative error 0.5",
        "hidden": True,
    },
]
FIRST = "def f(x):\n    return x\n"
SECOND = "def f(x):\n    y = 2 * x\n    return y\n"


def _world(session: Session) -> tuple[NewOrganization, Assessment, list[Attempt], Membership]:
    org = make_org(session, name="Acme")
    assessment = report_assessment(session, org.organization)
    attempts = []
    for name, choice, fraction in (("Ada", "a", 1.0), ("Bo", "b", 0.5), ("Cy", None, 0.0)):
        invited = make_invitation(session, org.organization, assessment)
        taken = Taken(
            name=name,
            email=f"{name.lower()}@example.com",
            choice=choice,
            revisions=[FIRST, SECOND],
            fraction=fraction,
            checks=CHECKS,
            events=[
                {
                    "type": "paste",
                    "at": utcnow() - timedelta(minutes=15),
                    "question_id": assessment.items[1].question.question_id,
                    "length": 12,
                },
                {"type": "tab_hidden", "at": utcnow() - timedelta(minutes=14), "duration_ms": 4200},
            ],
        )
        attempts.append(finish_attempt(session, invited.attempt, taken))
    viewer = make_member(session, org.organization, Role.VIEWER)
    return org, assessment, attempts, viewer


def test_report_shows_scores_chart_percentile_code_and_timeline(
    client: TestClient, session: Session
) -> None:
    _, _, (ada, _, _), viewer = _world(session)
    sign_in_as(client, session, viewer.account)
    page = client.get(f"/attempts/{ada.id}")
    assert page.status_code == 200, page.text
    html = page.text
    assert "<h1>Ada</h1>" in html
    assert "11.0 of 11.0 points" in html
    # Ada beats both others: (2 below + half of 1 tie) / 3 = 83.3
    assert re.search(r"83rd\s*<span class=\"muted\">of 3 finished attempts", html)
    chart = re.search(r'<img src="data:image/svg\+xml;base64,([^"]+)" alt="([^"]+)"', html)
    assert chart, "no chart image"
    svg = base64.b64decode(chart.group(1)).decode()
    assert "<svg" in svg
    assert "table below gives the same numbers" in chart.group(2)
    # The text alternative: the same numbers, per skill, with the cohort mean.
    skills = html[html.index("skills-table") :]
    assert re.search(
        r"Chain rule</th>\s*<td class=\"num\">1.0 / 1.0</td>\s*<td class=\"num\">100%</td>"
        r"\s*<td class=\"num\">33%</td>",
        skills,
    )
    assert re.search(
        r"Backward pass</th>\s*<td class=\"num\">10.0 / 10.0</td>\s*"
        r"<td class=\"num\">100%</td>\s*<td class=\"num\">50%</td>",
        skills,
    )
    # The code as graded, its checks (the hidden one too) and the first replay step.
    assert "y = 2 * x" in html
    assert "dw differs: max relative error 0.5" in html
    assert "Step 1 of 2" in html
    # The integrity timeline, with its question named by number.
    assert re.search(r"<td>Pasted</td><td>Question 2</td><td>12 characters</td>", html)
    assert "for 4.2 s" in html
    assert f'href="/attempts/{ada.id}/report.pdf"' in html


def test_replay_steps_by_fragment_and_by_plain_link(client: TestClient, session: Session) -> None:
    _, assessment, (ada, _, _), viewer = _world(session)
    qid = assessment.items[1].question.question_id
    sign_in_as(client, session, viewer.account)
    step2 = client.get(f"/attempts/{ada.id}/questions/{qid}/replay", params={"step": 2})
    assert step2.status_code == 200
    assert "<html" not in step2.text  # a fragment for htmx to swap
    assert "Step 2 of 2" in step2.text
    assert "1 added, 0 removed" not in step2.text
    assert "2 added, 1 removed" in step2.text  # `return x` became `y = 2 * x` + `return y`
    assert re.search(r'<tr class="removed">.*?<code>    return x</code>', step2.text, re.S)
    assert f'id="replay-{qid}-next"' in step2.text
    assert 'aria-disabled="true">Next revision' in re.sub(r"\s+", " ", step2.text)
    # Past the end: the last step, not an error.
    last = client.get(f"/attempts/{ada.id}/questions/{qid}/replay", params={"step": 9})
    assert "Step 2 of 2" in last.text
    # Without JavaScript the same form loads the whole page at that step.
    plain = client.get(f"/attempts/{ada.id}", params={"q": qid, "step": 2})
    assert "Step 2 of 2" in plain.text
    assert "<h1>Ada</h1>" in plain.text


def test_report_of_an_attempt_not_started_yet(client: TestClient, session: Session) -> None:
    org, assessment, _, viewer = _world(session)
    fresh = make_invitation(session, org.organization, assessment)
    sign_in_as(client, session, viewer.account)
    page = client.get(f"/attempts/{fresh.attempt.id}")
    assert page.status_code == 200
    assert "No score yet" in page.text
    assert "nothing to replay" in page.text
    assert "No events were recorded." in page.text


def test_another_organizations_report_is_not_found(client: TestClient, session: Session) -> None:
    _, _, (ada, _, _), _ = _world(session)
    stranger = make_member(session, make_org(session, name="Other").organization, Role.OWNER)
    sign_in_as(client, session, stranger.account)
    assert client.get(f"/attempts/{ada.id}").status_code == 404
    assert client.get(f"/attempts/{ada.id}/report.pdf").status_code == 404


def test_the_api_twin_gives_the_percentile_and_cohort(client: TestClient, session: Session) -> None:
    org, _, (_, bo, _), _ = _world(session)
    headers = {"Authorization": f"Bearer {org.api_key}"}
    body = client.get(f"/api/v1/attempts/{bo.id}", headers=headers).json()
    standing = body["standing"]
    assert standing["cohort_size"] == 3
    assert standing["percentile"] == 50.0  # one below, one above
    backward = standing["per_skill"]["backward_pass"]
    assert backward["fraction"] == 0.5
    assert backward["cohort_mean"] == 0.5
    assert (backward["cohort_low"], backward["cohort_high"]) == (0.25, 0.75)
