"""The results table: its rows, sorting, filters and pages in SQL, the CSV export, who may read."""

from __future__ import annotations

import csv
import html
import io
import re
from dataclasses import dataclass
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from markupsafe import escape
from sqlalchemy.orm import Session

from app.attempts.events import graded_if_final
from app.models import Assessment, Attempt, Organization, Role
from tests.factories import make_invitation, make_member, make_org, sign_in_as
from tests.reports.world import XSS_NAME, Taken, finish_attempt, report_assessment

DASH = "\u2013"  # what an empty cell shows
# Choice (1 point, chain rule) + code (10 points, backward pass); pass mark 50%.
PEOPLE = [
    # name, e-mail, right choice, code share, events
    ("Ada Lovelace", "ada@example.com", True, 1.0, 0),  # 11/11 = 100%
    ("Alan Turing", "alan@example.com", True, 0.5, 3),  # 6/11 = 54.5%
    ("Grace Hopper", "grace@example.com", False, 0.3, 1),  # 3/11 = 27.3%
]


@dataclass
class Board:
    client: TestClient
    session: Session
    org: Organization
    api_key: str
    assessment: Assessment
    attempts: dict[str, Attempt]

    @property
    def page(self) -> str:
        return f"/assessments/{self.assessment.id}/results"

    def names(self, query: str = "") -> list[str]:
        """The candidates' names in the table's order."""
        response = self.client.get(f"{self.page}{query}")
        assert response.status_code == 200, response.text
        return [
            html.unescape(m)
            for m in re.findall(
                r'<th scope="row"[^>]*><a href="/attempts/[^"]+">([^<]*)</a>', response.text
            )
        ]


def _finish(
    session: Session,
    attempt: Attempt,
    name: str,
    email: str,
    right: bool,
    share: float,
    events: int,
) -> None:
    at = attempt.created_at
    finish_attempt(
        session,
        attempt,
        Taken(
            name=name,
            email=email,
            choice="a" if right else "b",
            fraction=share,
            events=[{"type": "paste", "at": at, "length": 40} for _ in range(events)],
        ),
    )
    graded_if_final(session, attempt)


def _board(client: TestClient, session: Session, role: Role = Role.RECRUITER) -> Board:
    org = make_org(session)
    assessment = report_assessment(session, org.organization)
    assessment.pass_mark_percent = 50
    attempts: dict[str, Attempt] = {}
    for n, (name, email, right, share, events) in enumerate(PEOPLE):
        invited = make_invitation(session, org.organization, assessment)
        invited.attempt.created_at += timedelta(seconds=n)  # invitation order, for ties
        _finish(session, invited.attempt, name, email, right, share, events)
        # Different times used: 12, 17 and 22 minutes.
        invited.attempt.submitted_at = invited.attempt.started_at + timedelta(minutes=12 + 5 * n)  # type: ignore[operator]
        attempts[name] = invited.attempt
    waiting = make_invitation(session, org.organization, assessment)
    waiting.attempt.created_at += timedelta(seconds=10)
    waiting.attempt.candidate_name = "Zoe Waiting"
    attempts["Zoe Waiting"] = waiting.attempt
    session.flush()
    member = make_member(session, org.organization, role)
    sign_in_as(client, session, member.account)
    return Board(client, session, org.organization, org.api_key, assessment, attempts)


@pytest.fixture
def board(client: TestClient, session: Session) -> Board:
    return _board(client, session)


def _row(page: str, name: str) -> str:
    match = re.search(
        rf"<tr>\s*<th scope=\"row\"[^>]*><a[^>]*>{re.escape(name)}</a>(.*?)</tr>", page, re.S
    )
    assert match, f"no row for {name}"
    return " ".join(re.sub(r"<[^>]+>", " ", match.group(1)).split())


def test_each_candidate_has_a_row_with_score_pass_mark_skills_time_and_flags(board: Board) -> None:
    page = board.client.get(board.page)
    assert page.status_code == 200
    assert "4 candidates" in page.text
    ada = _row(page.text, "Ada Lovelace")
    assert ada.startswith(
        "ada@example.com submitted 11.0 / 11.0 100.0% Passed 100% 100% 12 min 00 s"
    )
    assert ada.endswith("none")
    alan = _row(page.text, "Alan Turing")
    assert "6.0 / 11.0 54.5% Passed 100% 50% 17 min 00 s 3 paste" in alan
    grace = _row(page.text, "Grace Hopper")
    assert "3.0 / 11.0 27.3% Not passed 0% 30% 22 min 00 s 1 paste" in grace
    assert _row(page.text, "Zoe Waiting").split()[1:] == ["invited"] + [DASH] * 7
    for name, attempt in board.attempts.items():
        assert f'<a href="/attempts/{attempt.id}">{name}</a>' in page.text
    # The skill columns are the assessment's, in taxonomy order.
    assert page.text.index(">Chain rule<") < page.text.index(">Backward pass<")


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ["Ada Lovelace", "Alan Turing", "Grace Hopper", "Zoe Waiting"]),
        ("?sort=score&order=desc", ["Ada Lovelace", "Alan Turing", "Grace Hopper", "Zoe Waiting"]),
        ("?sort=score&order=asc", ["Grace Hopper", "Alan Turing", "Ada Lovelace", "Zoe Waiting"]),
        ("?sort=percent&order=asc", ["Grace Hopper", "Alan Turing", "Ada Lovelace", "Zoe Waiting"]),
        ("?sort=name&order=desc", ["Zoe Waiting", "Grace Hopper", "Alan Turing", "Ada Lovelace"]),
        ("?sort=email", ["Ada Lovelace", "Alan Turing", "Zoe Waiting", "Grace Hopper"]),  # cand…@
        ("?sort=time&order=desc", ["Grace Hopper", "Alan Turing", "Ada Lovelace", "Zoe Waiting"]),
        ("?sort=flags&order=desc", ["Alan Turing", "Grace Hopper", "Ada Lovelace", "Zoe Waiting"]),
        ("?sort=status", ["Zoe Waiting", "Ada Lovelace", "Alan Turing", "Grace Hopper"]),
        # Alan and Ada both have the choice right: invitation order breaks the tie.
        (
            "?sort=skill:chain_rule&order=desc",
            ["Ada Lovelace", "Alan Turing", "Grace Hopper", "Zoe Waiting"],
        ),
        (
            "?sort=skill:backward_pass&order=asc",
            ["Grace Hopper", "Alan Turing", "Ada Lovelace", "Zoe Waiting"],
        ),
        # An unknown column falls back to the invitation order.
        (
            "?sort=password&order=desc",
            ["Zoe Waiting", "Grace Hopper", "Alan Turing", "Ada Lovelace"],
        ),
    ],
)
def test_sorting_by_a_column_orders_the_rows(board: Board, query: str, expected: list[str]) -> None:
    assert board.names(query) == expected


def test_the_sorted_column_says_so_and_its_link_reverses_it(board: Board) -> None:
    page = board.client.get(f"{board.page}?sort=score&order=desc").text
    sorted_by = (
        r'<th scope="col" class="num" aria-sort="descending">\s*<a class="sort" href="([^"]+)"'
    )
    header = re.search(sorted_by + ">Score", page)
    assert header is not None
    assert html.unescape(header.group(1)) == f"{board.page}?sort=score&order=asc"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("?status=invited", ["Zoe Waiting"]),
        ("?status=submitted", ["Ada Lovelace", "Alan Turing", "Grace Hopper"]),
        ("?passed=yes", ["Ada Lovelace", "Alan Turing"]),
        ("?passed=no", ["Grace Hopper"]),
        ("?q=ALAN", ["Alan Turing"]),
        ("?q=grace%40example", ["Grace Hopper"]),
        ("?q=%25", []),  # a literal %, not a wildcard
        ("?q=a_a", []),  # a literal _, not a wildcard
        ("?passed=yes&sort=score&order=asc", ["Alan Turing", "Ada Lovelace"]),
        ("?status=nonsense", ["Ada Lovelace", "Alan Turing", "Grace Hopper", "Zoe Waiting"]),
    ],
)
def test_filters_narrow_the_rows(board: Board, query: str, expected: list[str]) -> None:
    assert board.names(query) == expected


def test_pages_hold_25_rows_and_together_every_row_once(
    client: TestClient, session: Session
) -> None:
    board = _board(client, session)
    for n in range(30):
        extra = make_invitation(session, board.org, board.assessment)
        extra.attempt.candidate_name = f"Extra {n:02d}"
        extra.attempt.created_at += timedelta(seconds=20 + n)
    session.flush()
    first = board.names("?sort=name")
    second = board.names("?sort=name&page=2")
    assert len(first) == 25
    assert len(second) == 9
    assert first + second == sorted(first + second, key=str.lower)
    assert len(set(first + second)) == 34
    page = client.get(f"{board.page}?sort=name&page=2").text
    assert "Page 2 of 2" in page
    previous = f'href="/assessments/{board.assessment.id}/results?sort=name&amp;page=1"'
    assert f"{previous}>Previous page" in page
    assert board.names("?sort=name&page=99") == second  # past the end: the last page
    assert len(board.names("?q=extra&page=2")) == 5


def test_the_csv_export_follows_the_filters_and_order(board: Board) -> None:
    response = board.client.get(f"{board.page}.csv?passed=yes&sort=score&order=asc")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert response.headers["content-disposition"].startswith("attachment;")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [r["candidate_name"] for r in rows] == ["Alan Turing", "Ada Lovelace"]
    alan = rows[0]
    assert (alan["score"], alan["percent"], alan["passed"]) == ("6.0", "54.5", "yes")
    assert (alan["time_used_seconds"], alan["integrity_flags"]) == ("1020", "3")
    assert (alan["backward_pass_percent"], alan["chain_rule_percent"]) == ("50.0", "100.0")
    everyone = list(csv.DictReader(io.StringIO(board.client.get(f"{board.page}.csv").text)))
    assert {r["candidate_name"]: r["passed"] for r in everyone} == {
        "Ada Lovelace": "yes",
        "Alan Turing": "yes",
        "Grace Hopper": "no",
        "Zoe Waiting": "",
    }


@pytest.mark.parametrize(
    "name", ['=HYPERLINK("http://evil")', "+1+2", "-2-3", "@SUM(A1)", XSS_NAME]
)
def test_hostile_names_are_inert_in_the_table_and_the_csv(board: Board, name: str) -> None:
    attempt = board.attempts["Zoe Waiting"]
    attempt.candidate_name = name
    board.session.flush()
    page = board.client.get(board.page).text
    assert "<script>alert(1)" not in page
    assert f">{escape(name)}</a>" in page
    rows = list(csv.DictReader(io.StringIO(board.client.get(f"{board.page}.csv").text)))
    [cell] = [r["candidate_name"] for r in rows if r["attempt_id"] == str(attempt.id)]
    assert cell == (name if name == XSS_NAME else "'" + name)


def test_a_viewer_reads_and_exports_the_results(client: TestClient, session: Session) -> None:
    board = _board(client, session, Role.VIEWER)
    page = client.get(board.page)
    assert page.status_code == 200
    assert "Ada Lovelace" in page.text
    assert client.get(f"{board.page}.csv").status_code == 200


def test_another_organizations_results_are_not_found(client: TestClient, session: Session) -> None:
    theirs = _board(client, session)
    _board(client, session)  # this client now belongs to another organization
    assert client.get(theirs.page).status_code == 404
    assert client.get(f"{theirs.page}.csv").status_code == 404
    assert client.get(f"/attempts/{theirs.attempts['Ada Lovelace'].id}").status_code == 404


def test_the_api_filters_like_the_page_and_says_who_passed(board: Board) -> None:
    api = f"/api/v1/assessments/{board.assessment.id}/results"
    auth = {"Authorization": f"Bearer {board.api_key}"}
    passed = board.client.get(f"{api}?passed=true", headers=auth).json()["items"]
    assert [(r["candidate"]["name"], r["passed"]) for r in passed] == [
        ("Ada Lovelace", True),
        ("Alan Turing", True),
    ]
    assert passed[1]["percent"] == pytest.approx(600 / 11)
    assert passed[1]["time_used_seconds"] == 17 * 60
    assert passed[1]["integrity_flags"] == {"paste": 3}
    [zoe] = board.client.get(f"{api}?status=invited", headers=auth).json()["items"]
    assert (zoe["passed"], zoe["percent"], zoe["time_used_seconds"]) == (None, None, None)
    [grace] = board.client.get(f"{api}?q=HOPPER", headers=auth).json()["items"]
    assert grace["passed"] is False
    one = board.client.get(f"/api/v1/attempts/{grace['attempt_id']}", headers=auth).json()
    assert (one["passed"], round(one["percent"], 1)) == (False, 27.3)
    paged = board.client.get(f"{api}?status=submitted&limit=2", headers=auth).json()
    rest = board.client.get(
        f"{api}?status=submitted&limit=2&cursor={paged['next_cursor']}", headers=auth
    ).json()
    names = [r["candidate"]["name"] for r in paged["items"] + rest["items"]]
    assert names == ["Ada Lovelace", "Alan Turing", "Grace Hopper"]
    assert rest["next_cursor"] is None


def test_the_report_says_who_passed(board: Board) -> None:
    ada, grace = board.attempts["Ada Lovelace"], board.attempts["Grace Hopper"]
    report = board.client.get(f"/attempts/{grace.id}").text
    assert "Pass mark 50%" in report
    assert "Not passed" in report
    assert "<strong>Passed</strong>" in board.client.get(f"/attempts/{ada.id}").text
