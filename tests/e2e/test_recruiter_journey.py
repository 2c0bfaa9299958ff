"""Issue 10's first Must-show, end to end in Chromium, controls found by role and name: the owner
signs in; writes a custom coding task whose broken reference the judge rejects; builds an
assessment from a role template plus one pool (and the new task); invites three candidates by CSV
(a fourth, bad row is reported); a candidate takes the test; the recruiter finds the result in the
table, opens the report with its chart and code replay, exports the CSV and the PDF; a viewer
cannot edit.

Until the builder's, the invitations' and the results table's pages land, those three steps go
through their REST twins with the same choices; everything else is the browser.
"""

from __future__ import annotations

import csv
import io
import json
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from app.db import make_engine, make_sessionmaker
from app.models import Organization, Role
from app.settings import Settings
from tests.e2e.browser import (
    SCREENSHOTS,
    SIZES,
    Server,
    check_accessibility,
    expect_saved,
    screenshot,
)
from tests.factories import make_member
from tests.questions.drafts import BROKEN_REFERENCE, REFERENCE, SPEC, STARTER
from tests.reports.pdfs import pdf_pages_as_png, pdf_text

PASSWORD = "copper lantern riddle 5"
TASK = "Scale each feature"
ORG = "Journey Co"
CSV = (
    b"email,name,extra_minutes\n"
    b"ada@example.com,Ada Lovelace,\n"
    b"not-an-address,Nobody,\n"
    b"alan@example.com,Alan Turing,\n"
    b"grace@example.com,Grace Hopper,10\n"
)


@pytest.fixture(scope="module")
def journey(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    server = Server(tmp_path_factory.mktemp("journey") / "journey_test.db")
    server.start()
    yield server
    server.stop()


@pytest.fixture
def watched(journey: Server) -> Iterator[list[str]]:
    """Problems any watched page saw; the test fails on one."""
    problems: list[str] = []
    yield problems
    assert not problems, "\n".join(problems)


def _new_page(browser: Browser, server: Server, problems: list[str], size: str = "desktop") -> Page:
    context = browser.new_context(viewport=SIZES[size], reduced_motion="reduce")
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.on("pageerror", lambda e: problems.append(f"script error: {e}"))
    page.on("dialog", lambda d: problems.append(f"a script opened a dialog: {d.message}"))
    page.on(
        "console",
        lambda m: (
            problems.append(f"CSP: {m.text}") if "Content Security Policy" in m.text else None
        ),
    )
    page.on(
        "request",
        lambda r: (
            problems.append(f"left the origin: {r.url}")
            if not r.url.startswith((server.base, "data:", "blob:", "about:"))
            else None
        ),
    )
    return page


def _sign_in(page: Page, server: Server, email: str) -> None:
    page.goto(f"{server.base}/sign-in")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Dashboard")


def _author_task(page: Page) -> str:
    page.get_by_role("navigation", name="Workspace").get_by_role("link", name="Library").click()
    page.get_by_role("link", name="New coding task").click()
    page.get_by_label("Backward pass").check()
    page.get_by_label("Title").fill(TASK)
    page.get_by_label("Statement").fill("Write `scale_forward(x, a)` and `scale_backward`.")
    page.get_by_label("Starter code").fill(STARTER)
    page.get_by_label("Reference solution").fill(BROKEN_REFERENCE)
    page.get_by_label("Case spec").fill(SPEC)
    page.get_by_label("Explanation").fill("da sums dout * x over the batch.")
    page.get_by_role("button", name="Save and check with the judge").click()
    expect(page.get_by_role("heading", name="Rejected by the judge")).to_be_visible(timeout=60_000)
    expect(page.get_by_role("alert")).to_contain_text("The reference failed")
    page.get_by_role("link", name="Edit the task and try again").click()
    page.get_by_label("Reference solution").fill(REFERENCE)
    page.get_by_role("button", name="Save and check with the judge").click()
    expect(page.get_by_text("Accepted")).to_be_visible(timeout=60_000)
    page.get_by_role("link", name="Preview the task").click()
    return page.url.rstrip("/").split("/")[-1]


def _build_by_api(api: httpx.Client, task_id: str) -> str:
    """The builder's pages have not landed: its REST twin, with the same choices."""
    response = api.post(
        "/assessments",
        json={
            "title": "Data scientist, spring hiring",
            "template": "data-scientist",
            "question_ids": [task_id],
            "pools": [{"kind": "concept", "skill": "chain_rule", "difficulty": 1, "count": 1}],
            "time_limit_minutes": 60,
        },
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    assert body["template"] == "data-scientist"
    assert body["pools"] == [
        {"kind": "concept", "skill": "chain_rule", "difficulty": 1, "count": 1}
    ]
    return str(body["id"])


def _invite_by_csv_api(api: httpx.Client, assessment_id: str) -> tuple[str, str]:
    """The invitation pages have not landed: the CSV upload's REST twin, with the same file."""
    response = api.post(
        f"/assessments/{assessment_id}/invitations/csv",
        content=CSV,
        headers={"Content-Type": "text/csv"},
    )
    assert response.status_code == 200, response.text
    report: dict[str, Any] = response.json()
    assert (report["invited"], report["refused"]) == (3, 1)
    bad = next(r for r in report["rows"] if r["name"] == "Nobody")
    assert "is not an e-mail address" in bad["problem"]
    ada = next(r for r in report["rows"] if r["name"] == "Ada Lovelace")
    return str(ada["invitation"]["url"]), str(ada["invitation"]["attempt_id"])


def _take(page: Page, link: str, task_id: str) -> None:
    """Ada answers the choice questions with the first choice and writes the custom task in two
    saves (a wrong draft, then the right code), leaves the rest, and submits."""
    page.goto(link)
    page.get_by_role("button", name="Start the test").click()
    questions = page.get_by_role("navigation", name="Questions").get_by_role("link")
    expect(questions.first).to_be_visible()
    count = questions.count()
    wrote = False
    for n in range(1, count + 1):
        shown = page.locator("section.question:not([hidden])")
        kind = shown.get_attribute("data-kind")
        if kind in ("single_choice", "true_false"):
            shown.get_by_role("radio").first.check()
            expect_saved(page)
        elif shown.get_attribute("data-question") == task_id:
            editor = page.get_by_role("textbox", name="Your code (Python)")
            for source in (BROKEN_REFERENCE, REFERENCE):
                editor.click()
                page.keyboard.press("Control+A")
                page.keyboard.press("Delete")
                page.keyboard.insert_text(source)
                expect_saved(page)
            wrote = True
        if n < count:
            page.get_by_role("button", name="Next").click()
    assert wrote, f"the form had no question {task_id!r}"
    page.get_by_role("button", name="Submit test").click()
    page.get_by_role("dialog", name="Submit your test?").get_by_role(
        "button", name="Submit test"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you, your test is submitted")


def _wait_graded(api: httpx.Client, attempt_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        body: dict[str, Any] = api.get(f"/attempts/{attempt_id}").json()
        if body["per_question"] and all(q["status"] != "pending" for q in body["per_question"]):
            return body
        time.sleep(0.5)
    raise AssertionError(f"attempt {attempt_id} was not graded in time")


def _add_viewer(server: Server, email: str) -> None:
    engine = make_engine(Settings(database_url=server.database_url))
    with make_sessionmaker(engine)() as session:
        organization = session.query(Organization).filter_by(name=ORG).one()
        make_member(session, organization, Role.VIEWER, email=email, password=PASSWORD)
        session.commit()
    engine.dispose()


def test_recruiter_journey(
    browser: Browser, journey: Server, watched: list[str], tmp_path: Path
) -> None:
    created = json.loads(
        journey.cli("create-org", ORG, "--admin-email", "rae@journey.test", "--json")
    )
    api = httpx.Client(
        base_url=f"{journey.base}/api/v1",
        headers={"Authorization": f"Bearer {created['api_key']}"},
        timeout=30,
    )
    page = _new_page(browser, journey, watched)

    # 1. Sign in: the owner sets a password from create-org's link, signs out, signs in.
    page.goto(created["set_password_url"])
    page.get_by_label("Your name").fill("Rae Recruiter")
    page.get_by_label("New password").fill(PASSWORD)
    page.get_by_label("Repeat the password").fill(PASSWORD)
    page.get_by_role("button", name="Save the password and sign in").click()
    page.get_by_role("button", name="Sign out").click()
    _sign_in(page, journey, "rae@journey.test")

    # 2. A custom coding task: the broken reference is rejected with the judge's report.
    task_id = _author_task(page)

    # 3. An assessment from the Data Scientist template plus one pool, and the new task.
    assessment_id = _build_by_api(api, task_id)

    # 4. Three candidates by CSV; the bad row is reported.
    ada_link, attempt_id = _invite_by_csv_api(api, assessment_id)

    # 5. Ada takes the test in her own browser.
    candidate = _new_page(browser, journey, watched)
    try:
        _take(candidate, ada_link, task_id)
    finally:
        candidate.context.close()

    # 6. The result in the table, the report with its chart and replay, CSV and PDF.
    # The results table's pages have not landed: the result and the CSV export by the REST twin.
    graded = _wait_graded(api, attempt_id)
    assert graded["status"] == "submitted"
    exported = api.get(f"/assessments/{assessment_id}/results", headers={"Accept": "text/csv"})
    assert exported.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    ada = next(r for r in rows if "Ada Lovelace" in r.values())
    assert f"{graded['score']:g}" in ada.values() or str(graded["score"]) in ada.values(), ada

    page.goto(f"{journey.base}/attempts/{attempt_id}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Ada Lovelace")
    expect(page.get_by_role("img", name=re.compile("^Bar chart"))).to_be_visible()
    status = page.get_by_role("status").filter(has_text=re.compile(r"^Step \d+ of \d+"))
    expect(status).to_contain_text("Step 1 of 2")
    page.get_by_role("button", name="Next revision").click()
    expect(status).to_contain_text("Step 2 of 2")
    expect(page.get_by_role("region", name="Changes at step 2")).to_contain_text(
        "np.sum(dout * x, axis=0)"
    )
    check_accessibility(page, "journey report")
    screenshot(page, "journey-report")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download PDF").click()
    pdf = Path(download.value.path()).read_bytes()
    assert "Ada Lovelace" in pdf_text(pdf)
    assert pdf_pages_as_png(pdf, SCREENSHOTS / "journey-report-pdf")
    page.context.close()

    # 7. A viewer reads everything and can change nothing.
    _add_viewer(journey, "vic@journey.test")
    viewer = _new_page(browser, journey, watched, "phone")
    try:
        _sign_in(viewer, journey, "vic@journey.test")
        viewer.goto(f"{journey.base}/library/{task_id}")
        expect(viewer.get_by_role("link", name="Edit question")).to_have_count(0)
        expect(viewer.get_by_role("button", name="Archive question")).to_have_count(0)
        viewer.goto(f"{journey.base}/attempts/{attempt_id}")
        expect(viewer.get_by_role("heading", level=1)).to_have_text("Ada Lovelace")
        token = viewer.locator("form[action='/sign-out'] input[name=csrf_token]").input_value()
        refused = viewer.request.post(
            f"{journey.base}/library/{task_id}/archive",
            form={"csrf_token": token},
            max_redirects=0,
        )
        assert refused.status == 403
        assert "You may not do this" in refused.text()
    finally:
        viewer.context.close()
    api.close()
