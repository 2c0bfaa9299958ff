"""Issue 10's first Must-show, end to end in Chromium, controls found by role and name: the owner
signs in; writes a custom coding task whose broken reference the judge rejects; builds an
assessment from a role template plus one pool (and the new task); invites three candidates by CSV
(a fourth, bad row is reported); a candidate takes the test; the recruiter finds the result in the
table, opens the report with its chart and code replay, exports the CSV and the PDF; a viewer
cannot edit.

Every step is a page; the REST API only waits for the grading to finish.
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


@pytest.fixture
def watched(server: Server) -> Iterator[list[str]]:
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


def _build(page: Page, task_id: str) -> str:
    """The Data Scientist template, then one pool and the custom task added in the builder."""
    page.get_by_role("navigation", name="Workspace").get_by_role("link", name="Assessments").click()
    page.get_by_role("link", name="New assessment").click()
    card = page.get_by_role("form", name="Data Scientist")
    card.get_by_label("Name").fill("Data scientist, spring hiring")
    card.get_by_role("button", name="Use the Data Scientist template").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Data scientist, spring hiring")
    page.get_by_role("navigation", name="This assessment").get_by_role("link", name="Edit").click()
    pool = page.get_by_role("group", name="Pool 1")
    pool.get_by_label("How many").fill("1")
    pool.get_by_label("Kind").select_option(label="Concept items")
    pool.get_by_label("Skill").select_option(label="Chain rule")
    pool.get_by_label("Difficulty").select_option("1")
    page.get_by_label("Pass mark (% of the points, empty for none)").fill("50")
    page.get_by_label("Text").fill(TASK)
    page.get_by_role("button", name="Search questions").click()
    page.get_by_role("checkbox", name=f"Add: {TASK}").check()
    page.get_by_role("button", name="Save assessment").first.click()
    expect(page.get_by_role("status")).to_have_text("Assessment saved.")
    expect(page.get_by_role("definition").filter(has_text="data-scientist")).to_be_visible()
    expect(page.get_by_role("region", name=re.compile("^Pools"))).to_contain_text(
        "1 chain_rule concept item of difficulty 1"
    )
    expect(page.get_by_role("region", name=re.compile("^Questions every"))).to_contain_text(TASK)
    return page.url.split("?")[0].rstrip("/").split("/")[-1]


def _invite_by_csv(page: Page) -> str:
    """Three candidates from a file (a fourth row is reported); returns Ada's copied link."""
    page.get_by_role("navigation", name="This assessment").get_by_role(
        "link", name="Invitations"
    ).click()
    page.get_by_label("CSV file").set_input_files(
        files=[{"name": "candidates.csv", "mimeType": "text/csv", "buffer": CSV}]
    )
    page.get_by_role("button", name="Upload and invite").click()
    expect(page.get_by_role("status").filter(has_text="invited,")).to_have_text(
        "3 invited, 1 not invited."
    )
    report = page.get_by_role("region", name="Upload report")
    expect(report.get_by_role("row").filter(has_text="Nobody")).to_contain_text(
        "is not an e-mail address"
    )
    listed = page.get_by_role("region", name="Candidates invited")
    expect(listed.get_by_role("row").filter(has_text="grace@example.com")).to_contain_text("10 min")
    page.get_by_role("button", name="Copy link of Ada Lovelace").click()
    expect(page.get_by_role("status").filter(has_text="copied")).to_be_visible()
    link: str = page.evaluate("navigator.clipboard.readText()")
    return link


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
    browser: Browser, server: Server, watched: list[str], tmp_path: Path
) -> None:
    created = json.loads(
        server.cli("create-org", ORG, "--admin-email", "rae@journey.test", "--json")
    )
    api = httpx.Client(
        base_url=f"{server.base}/api/v1",
        headers={"Authorization": f"Bearer {created['api_key']}"},
        timeout=30,
    )
    page = _new_page(browser, server, watched)

    # 1. Sign in: the owner sets a password from create-org's link, signs out, signs in.
    page.goto(created["set_password_url"])
    page.get_by_label("Your name").fill("Rae Recruiter")
    page.get_by_label("New password").fill(PASSWORD)
    page.get_by_label("Repeat the password").fill(PASSWORD)
    page.get_by_role("button", name="Save the password and sign in").click()
    page.get_by_role("button", name="Sign out").click()
    _sign_in(page, server, "rae@journey.test")

    # 2. A custom coding task: the broken reference is rejected with the judge's report.
    task_id = _author_task(page)

    # 3. An assessment from the Data Scientist template plus one pool, and the new task.
    assessment_id = _build(page, task_id)

    # 4. Three candidates by CSV; the bad row is reported.
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server.base)
    ada_link = _invite_by_csv(page)

    # 5. Ada takes the test in her own browser.
    candidate = _new_page(browser, server, watched)
    try:
        _take(candidate, ada_link, task_id)
    finally:
        candidate.context.close()

    # 6. The result in the table, the report with its chart and replay, CSV and PDF.
    page.get_by_role("navigation", name="Workspace").get_by_role("link", name="Assessments").click()
    page.get_by_role("link", name="Results of Data scientist, spring hiring").click()
    table = page.get_by_role("table", name=re.compile("^Results of"))
    attempt_id = str(table.get_by_role("link", name="Ada Lovelace").get_attribute("href")).rsplit(
        "/", 1
    )[1]
    graded = _wait_graded(api, attempt_id)  # the judge runs in the background
    assert graded["status"] == "submitted"
    page.reload()
    ada_row = table.get_by_role("row").filter(has_text="ada@example.com")
    expect(ada_row).to_contain_text(f"{graded['score']:.1f} / {graded['max_score']:.1f}")
    expect(ada_row).to_contain_text("submitted")
    check_accessibility(page, "journey results")
    screenshot(page, "journey-results")
    with page.expect_download() as exported:
        page.get_by_role("link", name="Export CSV").click()
    rows = list(csv.DictReader(io.StringIO(Path(exported.value.path()).read_text())))
    ada = next(r for r in rows if r["candidate_name"] == "Ada Lovelace")
    assert float(ada["score"]) == graded["score"]
    assert {r["candidate_email"] for r in rows} == {
        "ada@example.com",
        "alan@example.com",
        "grace@example.com",
    }
    table.get_by_role("link", name="Ada Lovelace").click()
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
    with page.expect_download(timeout=90_000) as download:  # WeasyPrint on a loaded machine
        page.get_by_role("link", name="Download PDF").click()
    pdf = Path(download.value.path()).read_bytes()
    assert "Ada Lovelace" in pdf_text(pdf)
    assert pdf_pages_as_png(pdf, SCREENSHOTS / "journey-report-pdf")
    page.context.close()

    # 7. A viewer reads everything and can change nothing.
    _add_viewer(server, "vic@journey.test")
    viewer = _new_page(browser, server, watched, "phone")
    try:
        _sign_in(viewer, server, "vic@journey.test")
        viewer.goto(f"{server.base}/library/{task_id}")
        expect(viewer.get_by_role("link", name="Edit question")).to_have_count(0)
        expect(viewer.get_by_role("button", name="Archive question")).to_have_count(0)
        viewer.goto(f"{server.base}/assessments/{assessment_id}")
        links = viewer.get_by_role("navigation", name="This assessment")
        expect(links.get_by_role("link", name="Invitations")).to_be_visible()
        expect(links.get_by_role("link", name="Edit")).to_have_count(0)
        links.get_by_role("link", name="Invitations").click()
        expect(viewer.get_by_role("button", name="Send invitation")).to_have_count(0)
        expect(viewer.get_by_role("button", name="Upload and invite")).to_have_count(0)
        expect(viewer.get_by_role("button", name=re.compile("^Copy link"))).to_have_count(0)
        viewer.goto(f"{server.base}/attempts/{attempt_id}")
        expect(viewer.get_by_role("heading", level=1)).to_have_text("Ada Lovelace")
        token = viewer.locator("form[action='/sign-out'] input[name=csrf_token]").input_value()
        refused = viewer.request.post(
            f"{server.base}/library/{task_id}/archive",
            form={"csrf_token": token},
            max_redirects=0,
        )
        assert refused.status == 403
        assert "You may not do this" in refused.text()
        invite = viewer.request.post(
            f"{server.base}/assessments/{assessment_id}/invitations",
            form={"csrf_token": token, "name": "Eve", "email": "eve@example.com"},
            max_redirects=0,
        )
        assert invite.status == 403
        assert "You may not do this" in invite.text()
    finally:
        viewer.context.close()
    api.close()
