"""The invitations page: invite one or a CSV list, the list with its statuses, and each action."""

from __future__ import annotations

import html
import re
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.candidates import bulk
from app.models import Assessment, Candidate, Invitation, Organization, OutboxEmail, Role
from tests.factories import (
    make_assessment,
    make_invitation,
    make_member,
    make_org,
    make_question,
    sign_in_as,
    single_choice,
)
from tests.reports.world import XSS_NAME
from tests.web.pages import csrf_of


@dataclass
class Desk:
    """A recruiter signed in to an organization with one assessment."""

    client: TestClient
    session: Session
    org: Organization
    assessment: Assessment
    csrf: str

    @property
    def page(self) -> str:
        return f"/assessments/{self.assessment.id}/invitations"

    def post(self, path: str, data: dict[str, str] | None = None, **kwargs: Any) -> Response:
        return self.client.post(
            path, data={"csrf_token": self.csrf, **(data or {})}, follow_redirects=False, **kwargs
        )

    def upload(self, content: bytes) -> Response:
        return self.post(
            f"{self.page}/csv", files={"file": ("candidates.csv", content, "text/csv")}
        )

    def invitations(self) -> list[Invitation]:
        return list(
            self.session.scalars(
                select(Invitation).where(Invitation.assessment_id == self.assessment.id)
            )
        )

    def mail_to(self, address: str) -> list[OutboxEmail]:
        return list(
            self.session.scalars(select(OutboxEmail).where(OutboxEmail.to_address == address))
        )


def _desk(client: TestClient, session: Session, role: Role = Role.RECRUITER) -> Desk:
    org = make_org(session)
    qid = f"page-inv-{uuid.uuid4().hex[:8]}"  # question ids are global
    question = make_question(session, single_choice(qid, "chain_rule"))
    assessment = make_assessment(session, org.organization, [question], 30)
    member = make_member(session, org.organization, role)
    csrf = sign_in_as(client, session, member.account)
    return Desk(client, session, org.organization, assessment, csrf)


@pytest.fixture
def desk(client: TestClient, session: Session) -> Desk:
    return _desk(client, session)


def _rows(page_html: str) -> list[str]:
    """The invitation list's rows, as text with the markup taken out."""
    body = page_html.split('id="list-title"', 1)[1]
    return [
        " ".join(html.unescape(re.sub(r"<[^>]+>", " ", row)).split())
        for row in re.findall(r"<tr>(.*?)</tr>", body, flags=re.S)[1:]
    ]


def test_a_recruiter_invites_one_candidate_with_extra_time(desk: Desk) -> None:
    page = desk.client.get(desk.page)
    assert page.status_code == 200
    assert "Invite a candidate" in page.text
    sent = desk.post(
        desk.page,
        {
            "name": "Ada Lovelace",
            "email": "Ada@Example.com",
            "valid_days": "3",
            "extra_minutes": "15",
        },
    )
    assert sent.status_code == 303
    assert sent.headers["location"] == f"{desk.page}?done=invited"
    listed = desk.client.get(sent.headers["location"])
    assert "Invitation sent." in listed.text
    [row] = _rows(listed.text)
    assert row.startswith("Ada Lovelace ada@example.com pending")
    assert "15 min" in row
    [invitation] = desk.invitations()
    assert invitation.extra_minutes == 15
    valid = invitation.expires_at - invitation.created_at
    assert timedelta(days=3) - timedelta(seconds=5) < valid <= timedelta(days=3)
    [mail] = desk.mail_to("ada@example.com")
    assert "45 minutes (including 15 minutes of extra time" in mail.body


def test_invalid_details_are_explained_and_the_form_keeps_them(desk: Desk) -> None:
    bad_email = desk.post(desk.page, {"name": "Ada", "email": "not-an-address"})
    assert bad_email.status_code == 422
    assert 'role="alert"' in bad_email.text
    assert "is not an e-mail address" in html.unescape(bad_email.text)
    assert 'value="not-an-address"' in bad_email.text
    bad_days = desk.post(
        desk.page, {"name": "Ada", "email": "ada@example.com", "valid_days": "two"}
    )
    assert bad_days.status_code == 422
    assert "must be a whole number" in html.unescape(bad_days.text)
    too_long = desk.post(
        desk.page, {"name": "Ada", "email": "ada@example.com", "extra_minutes": "601"}
    )
    assert too_long.status_code == 422
    assert "Extra time is 0 to 600 minutes." in too_long.text
    assert desk.invitations() == []


def test_a_csv_invites_good_rows_and_explains_each_bad_one(desk: Desk) -> None:
    report = desk.upload(
        b"email,name,extra_minutes\n"
        b"ada@example.com,Ada Lovelace,\n"
        b"not-an-address,Nobody,\n"
        b"alan@example.com,Alan Turing,ten\n"
        b"grace@example.com,Grace Hopper,10\n"
        b"ADA@example.com,Ada Again,\n"
        b"linus@example.com,Linus,,surplus\n"
    )
    assert report.status_code == 200
    text = html.unescape(report.text)
    assert "2 invited, 4 not invited." in re.sub(r"<[^>]+>", "", text)
    lines = {
        int(m.group(1)): m.group(2)
        for m in re.finditer(r'<td class="num">(\d+)</td>(.*?)</tr>', text, flags=re.S)
    }
    assert "is not an e-mail address" in lines[3]
    assert "extra_minutes must be a whole number" in lines[4]
    assert "Invited" in lines[5]
    assert "The same e-mail is on line 2" in lines[6]
    assert "the header names 3 columns" in lines[7]
    emails = desk.session.scalars(
        select(Candidate.email)
        .join(Invitation, Invitation.candidate_id == Candidate.id)
        .where(Invitation.assessment_id == desk.assessment.id)
        .order_by(Candidate.email)
    ).all()
    assert emails == ["ada@example.com", "grace@example.com"]
    # The same file again invites nobody twice: each open invitation is reported.
    again = desk.upload(b"email,name\nada@example.com,Ada Lovelace\n")
    assert "already has an invitation" in html.unescape(again.text)
    assert len(desk.invitations()) == 2


@pytest.mark.parametrize(
    ("content", "status", "reason"),
    [
        (b"\xff\xfee\xffm", 400, "The file is not UTF-8 text"),
        (b"mail,full name\na@example.com,A\n", 400, "must name the columns email and name"),
        (b"", 400, "The file is empty."),
        # A NUL byte is refused before the page reads the file (app.api.guards): 422, no row.
        (b"email,name\n\x00\x01\x02,\x03\n", 422, "NUL"),
        (b"email,name\n" + b"x" * (bulk.MAX_CSV_BYTES + 10), 413, "The file is over 256 KB"),
        (
            b"email,name\n" + b"".join(b"c%d@example.com,C\n" % i for i in range(1001)),
            413,
            "at most 1,000 per upload",
        ),
    ],
    ids=["not-utf8", "wrong-header", "empty", "binary", "over-256-kb", "1001-rows"],
)
def test_a_file_that_is_no_usable_csv_is_refused_with_its_reason(
    desk: Desk, content: bytes, status: int, reason: str
) -> None:
    refused = desk.upload(content)
    assert refused.status_code == status
    assert reason in html.unescape(refused.text)
    assert desk.invitations() == []
    if status == 422:
        return
    assert 'id="csv-error"' in refused.text
    assert reason in html.unescape(refused.text)
    assert "Nobody was invited." in refused.text
    # The limits are stated on the page, before and after a refusal.
    assert "at most 1,000 rows and 256 KB" in refused.text
    assert desk.invitations() == []


def test_writes_without_the_csrf_token_are_refused(desk: Desk) -> None:
    invited = make_invitation(desk.session, desk.org, desk.assessment)
    one = f"{desk.page}/{invited.invitation.id}"
    for path, data in [
        (desk.page, {"name": "Ada", "email": "ada@example.com"}),
        (f"{desk.page}/remind", {}),
        (f"{one}/withdraw", {}),
        (f"{one}/resend", {}),
        (f"{one}/remind", {}),
    ]:
        refused = desk.client.post(path, data=data, follow_redirects=False)
        assert refused.status_code == 403, path
        assert refused.headers["content-type"].startswith("text/html")
        forged = desk.client.post(
            path, data={**data, "csrf_token": "forged"}, follow_redirects=False
        )
        assert forged.status_code == 403, path
    upload = desk.client.post(
        f"{desk.page}/csv",
        files={"file": ("c.csv", b"email,name\nbo@example.com,Bo\n", "text/csv")},
    )
    assert upload.status_code == 403
    assert [i.id for i in desk.invitations()] == [invited.invitation.id]
    assert desk.invitations()[0].revoked_at is None


def test_a_viewer_reads_the_list_without_links_and_is_refused_every_write(
    client: TestClient, session: Session
) -> None:
    desk = _desk(client, session, Role.VIEWER)
    invited = make_invitation(session, desk.org, desk.assessment)
    page = client.get(desk.page)
    assert page.status_code == 200
    assert "Ada Candidate" in page.text
    assert "Send invitation" not in page.text
    assert "Upload and invite" not in page.text
    assert invited.token not in page.text  # the link lets anyone take the test
    for path in (desk.page, f"{desk.page}/{invited.invitation.id}/withdraw"):
        refused = desk.post(path, {"name": "Ada", "email": "ada@example.com"})
        assert refused.status_code == 403
        assert "You may not do this" in refused.text
    confirm = client.get(f"{desk.page}/{invited.invitation.id}/withdraw")
    assert confirm.status_code == 403
    assert desk.upload(b"email,name\nbo@example.com,Bo\n").status_code == 403
    assert len(desk.invitations()) == 1


def test_another_organizations_assessment_and_invitations_are_not_found(
    client: TestClient, session: Session
) -> None:
    theirs = _desk(client, session)
    invited = make_invitation(session, theirs.org, theirs.assessment)
    mine = _desk(client, session)  # signs this client in as the other org's recruiter
    mine_invited = make_invitation(session, mine.org, mine.assessment)
    assert client.get(theirs.page).status_code == 404
    assert mine.post(theirs.page, {"name": "Ada", "email": "a@example.com"}).status_code == 404
    assert (
        mine.post(f"{theirs.page}/csv", files={"file": ("c.csv", b"email,name\n")}).status_code
        == 404
    )
    assert mine.post(f"{theirs.page}/remind").status_code == 404
    their_one = f"{theirs.page}/{invited.invitation.id}"
    assert client.get(f"{their_one}/withdraw").status_code == 404
    for action in ("withdraw", "resend", "remind"):
        assert mine.post(f"{their_one}/{action}").status_code == 404
        # Their invitation under my assessment's path is not mine either.
        crossed = f"{mine.page}/{invited.invitation.id}/{action}"
        assert mine.post(crossed).status_code == 404
    # My invitation under another assessment of mine is not found there.
    other_mine = make_assessment(session, mine.org, [])
    wrong = f"/assessments/{other_mine.id}/invitations/{mine_invited.invitation.id}/withdraw"
    assert client.get(wrong).status_code == 404
    session.refresh(invited.invitation)
    assert invited.invitation.revoked_at is None


def test_withdrawing_asks_first_then_the_link_stops_working(desk: Desk) -> None:
    invited = make_invitation(desk.session, desk.org, desk.assessment)
    page = desk.client.get(desk.page)
    confirm_path = f"{desk.page}/{invited.invitation.id}/withdraw"
    assert f'href="{confirm_path}"' in page.text
    confirm = desk.client.get(confirm_path)
    assert confirm.status_code == 200
    assert "Withdraw the invitation of Ada Candidate?" in confirm.text
    assert "The link stops working at once" in confirm.text
    assert desk.client.get(f"/api/v1/take/{invited.token}").status_code == 200
    done = desk.post(confirm_path, {"csrf_token": csrf_of(confirm)})
    assert done.headers["location"] == f"{desk.page}?done=withdrawn"
    [row] = _rows(desk.client.get(done.headers["location"]).text)
    assert " withdrawn " in f" {row} "
    assert desk.client.get(f"/api/v1/take/{invited.token}").status_code == 410


def test_withdrawing_a_started_test_ends_and_grades_it(desk: Desk) -> None:
    invited = make_invitation(desk.session, desk.org, desk.assessment)
    assert desk.client.post(f"/api/v1/take/{invited.token}/start").status_code == 200
    confirm_path = f"{desk.page}/{invited.invitation.id}/withdraw"
    assert "taking the test now" in desk.client.get(confirm_path).text
    desk.post(confirm_path)
    desk.session.refresh(invited.attempt)
    assert invited.attempt.status == "submitted"
    assert invited.attempt.score is not None


def test_resend_remind_and_remind_all_send_emails_to_whom_they_should(desk: Desk) -> None:
    org = desk.org
    waiting, started = (make_invitation(desk.session, org, desk.assessment) for _ in range(2))
    desk.client.post(f"/api/v1/take/{started.token}/start")
    email = waiting.attempt.candidate.email
    one = f"{desk.page}/{waiting.invitation.id}"
    assert desk.post(f"{one}/resend").headers["location"].endswith("?done=resent")
    assert desk.post(f"{one}/remind").headers["location"].endswith("?done=reminded")
    kinds = sorted(m.kind for m in desk.mail_to(email))
    assert kinds == ["candidate_invitation", "candidate_reminder"]
    everyone = desk.post(f"{desk.page}/remind")
    assert everyone.headers["location"].endswith("?reminded=1")
    assert (
        "Reminder sent to 1 candidate who had not started."
        in desk.client.get(everyone.headers["location"]).text
    )
    assert len(desk.mail_to(email)) == 3
    assert desk.mail_to(started.attempt.candidate.email) == []
    # The started candidate cannot be reminded: a readable refusal, nothing sent.
    refused = desk.post(f"{desk.page}/{started.invitation.id}/remind")
    assert refused.status_code == 409
    assert "already started" in refused.text


def test_a_hostile_name_is_inert_on_the_list_the_confirmation_and_the_csv_report(
    desk: Desk,
) -> None:
    desk.post(desk.page, {"name": XSS_NAME, "email": "x@example.com"})
    report = desk.upload(f"email,name\ny@example.com,{XSS_NAME}\nbad,{XSS_NAME}\n".encode())
    [invitation, *_] = desk.invitations()
    confirm = desk.client.get(f"{desk.page}/{invitation.id}/withdraw")
    for page in (desk.client.get(desk.page), report, confirm):
        assert "<script>alert(1)" not in page.text
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text


def test_the_list_pages_newest_first(desk: Desk) -> None:
    org = desk.org
    made = [make_invitation(desk.session, org, desk.assessment) for _ in range(52)]
    start = made[0].attempt.created_at
    for n, invited in enumerate(made):
        invited.attempt.candidate_name = f"Candidate {n:02d}"
        invited.attempt.created_at = start + timedelta(seconds=n)
    desk.session.flush()
    first = desk.client.get(desk.page)
    names = [row.split(" ")[1] for row in _rows(first.text)]
    assert names == [f"{n:02d}" for n in range(51, 1, -1)]
    older = re.search(r'href="([^"]+cursor=[^"]+)">Older invitations', first.text)
    assert older is not None
    second = desk.client.get(html.unescape(older.group(1)))
    assert [row.split(" ")[1] for row in _rows(second.text)] == ["01", "00"]
    assert "Older invitations" not in second.text
