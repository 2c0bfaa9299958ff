"""The report as a PDF: the same HTML through WeasyPrint, candidate text as text, and nothing
fetched from outside the server."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session
from weasyprint import HTML

from app.models import Attempt, Role
from app.reports.pdf import render_pdf
from app.web.templating import STATIC_DIR
from tests.factories import make_invitation, make_member, make_org, sign_in_as
from tests.reports.listener import listener
from tests.reports.pdfs import pdf_text
from tests.reports.world import XSS_CODE, XSS_NAME, Taken, finish_attempt, report_assessment

SOURCE = "def f(x):\n    y = 2 * x\n    return y\n"


def _attempt(session: Session, client: TestClient, taken: Taken) -> Attempt:
    org = make_org(session)
    assessment = report_assessment(session, org.organization)
    attempt = finish_attempt(
        session, make_invitation(session, org.organization, assessment).attempt, taken
    )
    sign_in_as(client, session, make_member(session, org.organization, Role.VIEWER).account)
    return attempt


def test_the_pdf_holds_the_report(client: TestClient, session: Session) -> None:
    attempt = _attempt(session, client, Taken(name="Ada Lovelace", revisions=[SOURCE]))
    response = client.get(f"/attempts/{attempt.id}/report.pdf")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"] == (
        f'attachment; filename="report-{attempt.id}.pdf"'
    )
    assert response.content.startswith(b"%PDF-")
    text = pdf_text(response.content)
    for expected in (
        "Ada Lovelace",
        "Skill profile",
        "50th",  # alone in its cohort: half of one tie
        "Backward pass",
        "y = 2 * x",
        "Integrity timeline",
        "Page 1 of",  # report.css's page footer: the server's own stylesheet was served
    ):
        assert expected in text, f"{expected!r} missing from the PDF"
    assert "Download PDF" not in text  # the page's controls stay on the page


def test_hostile_name_and_code_are_printed_as_text(client: TestClient, session: Session) -> None:
    taken = Taken(name=XSS_NAME, revisions=[f"x = 1  # {XSS_CODE}\n"])
    attempt = _attempt(session, client, taken)
    text = pdf_text(client.get(f"/attempts/{attempt.id}/report.pdf").content)
    assert XSS_NAME in text
    assert XSS_CODE in text


def test_the_pdf_fetches_nothing_a_candidate_points_at(
    client: TestClient, session: Session
) -> None:
    with listener() as (base, hits):
        taken = Taken(
            name=f'<img src="{base}/name.png">',
            email="img@example.com",
            revisions=[
                f'# <img src="{base}/code.png"><link rel="stylesheet" href="{base}/x.css">\n'
            ],
        )
        attempt = _attempt(session, client, taken)
        response = client.get(f"/attempts/{attempt.id}/report.pdf")
        assert response.status_code == 200
        assert f'<img src="{base}/name.png">' in pdf_text(response.content)
    assert hits == []


def test_the_renderer_refuses_every_url_outside_the_server() -> None:
    """Even markup that is not escaped (a bug elsewhere) loads nothing from outside."""
    with listener() as (base, hits):
        html = (
            f'<link rel="stylesheet" href="{base}/x.css"><h1>Report</h1>'
            f'<img src="{base}/leak.png"><img src="file:///etc/hostname">'
            '<img src="/static/../../../../etc/hostname">'
        )
        pdf = render_pdf(html, base_url="http://testserver/", static_dir=STATIC_DIR)
        assert pdf.startswith(b"%PDF-")
        assert hits == []
        # The listener does see a renderer that fetches: this test can fail.
        HTML(string=html, base_url="http://testserver/").write_pdf()
        assert sorted(hits) == ["/leak.png", "/x.css"]
