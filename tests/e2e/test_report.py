"""The candidate report in Chromium: a candidate writes code in two saves and submits, then the
recruiter opens the report, sees the skill chart, steps the code replay by keyboard, and
downloads the PDF, whose pages are turned into PNG files to look at."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import httpx
from playwright.sync_api import Browser, BrowserContext, Page, expect

from app.settings import REPO_ROOT
from tests.e2e.browser import (
    SCREENSHOTS,
    SIZES,
    Server,
    check_accessibility,
    expect_saved,
    screenshot,
)
from tests.reports.pdfs import pdf_pages_as_png, pdf_text
from tests.reports.world import XSS_CODE, XSS_NAME

AFFINE = REPO_ROOT / "question_bank" / "coding" / "affine"
REFERENCE = (AFFINE / "reference.py").read_text()
STARTER = (AFFINE / "starter.py").read_text()
PASSWORD = "teal harbour mosaic 7"


def _take_in_the_browser(page: Page, url: str) -> None:
    page.goto(url)
    page.get_by_role("button", name="Start the test").click()
    expect(page.get_by_role("heading", name="Question 1 of 2")).to_be_visible()
    page.get_by_role("radio").first.click()
    expect_saved(page)
    page.get_by_role("button", name="Next").click()
    editor = page.get_by_role("textbox", name="Your code (Python)")
    editor.click()
    page.keyboard.press("Control+End")
    page.keyboard.type("\n# a first try")
    expect_saved(page)
    page.keyboard.press("Control+A")
    page.keyboard.press("Delete")
    page.keyboard.insert_text(REFERENCE)
    expect(editor).to_contain_text("def affine_backward")
    expect_saved(page)
    page.get_by_role("button", name="Submit test").click()
    page.get_by_role("dialog", name="Submit your test?").get_by_role(
        "button", name="Submit test"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you, your test is submitted")


def _take_by_api(api: httpx.Client, server: Server, assessment_id: str) -> str:
    """A second candidate, so the chart has a cohort: the starter code and no concept answer,
    a name and a comment that would run as markup if the report were not escaping them."""
    invited = api.post(
        f"/assessments/{assessment_id}/invitations",
        json={"candidate": {"email": "bo@example.com", "name": XSS_NAME}},
    ).json()
    take = f"{server.base}/api/v1/take/{invited['token']}"
    assert httpx.post(f"{take}/start").status_code == 200
    saved = httpx.put(
        f"{take}/answers/affine", json={"response": {"source": f"# {XSS_CODE}\n{STARTER}"}}
    )
    assert saved.status_code == 200, saved.text
    assert httpx.post(f"{take}/submit").status_code == 200
    return str(invited["attempt_id"])


def _graded(api: httpx.Client, attempt_id: str) -> dict[str, object]:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        body: dict[str, object] = api.get(f"/attempts/{attempt_id}").json()
        questions = body.get("per_question") or []
        if questions and all(q["status"] != "pending" for q in questions):  # type: ignore[index]
            return body
        time.sleep(0.3)
    raise AssertionError(f"attempt {attempt_id} was not graded in time")


def test_recruiter_reads_a_report_steps_the_replay_and_downloads_the_pdf(
    server: Server, browser: Browser, context: BrowserContext, tmp_path: Path
) -> None:
    created = json.loads(
        server.cli("create-org", "Report Co", "--admin-email", "lead@report.test", "--json")
    )
    with httpx.Client(
        base_url=f"{server.base}/api/v1",
        headers={"Authorization": f"Bearer {created['api_key']}"},
        timeout=30,
    ) as api:
        choice = api.get("/questions", params={"kind": "single_choice"}).json()["items"][0]["id"]
        assessment = api.post(
            "/assessments",
            json={
                "title": "Layers and gradients",
                "question_ids": [choice, "affine"],
                "time_limit_minutes": 30,
            },
        ).json()
        invited = api.post(
            f"/assessments/{assessment['id']}/invitations",
            json={"candidate": {"email": "grace@example.com", "name": "Grace Hopper"}},
        ).json()
        candidate = browser.new_context(viewport=SIZES["desktop"])
        try:
            _take_in_the_browser(candidate.new_page(), f"{server.base}/take/{invited['token']}")
        finally:
            candidate.close()
        hostile = _take_by_api(api, server, assessment["id"])
        result = _graded(api, invited["attempt_id"])
    assert result["standing"]["cohort_size"] >= 1  # type: ignore[index]

    # The recruiter's browser: a script error, a CSP report or an off-site request fails the test.
    page = context.new_page()
    page.goto(created["set_password_url"])
    page.get_by_label("Your name").fill("Lee Lead")
    page.get_by_label("New password").fill(PASSWORD)
    page.get_by_label("Repeat the password").fill(PASSWORD)
    page.get_by_role("button", name="Save the password and sign in").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Dashboard")

    page.goto(f"{server.base}/attempts/{invited['attempt_id']}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Grace Hopper")
    chart = page.get_by_role("img", name=re.compile("^Bar chart of the candidate's share"))
    expect(chart).to_be_visible()
    assert page.evaluate("(img) => img.naturalWidth > 0", chart.element_handle())  # it drew
    expect(
        page.get_by_role("table", name="Points per skill, candidate and cohort")
    ).to_contain_text("Backward pass")
    # Grace has every point, Bo (the starter code, no concept answer) none: (1 + 0.5) / 2.
    expect(page.get_by_role("definition").filter(has_text="finished attempts")).to_have_text(
        "75th of 2 finished attempts"
    )

    # The replay, by keyboard: htmx swaps the step in place and the focus stays on the button.
    status = page.get_by_role("status").filter(has_text=re.compile(r"^Step \d+ of \d+"))
    expect(status).to_contain_text(re.compile(r"Step 1 of [2-9]"))
    steps = int(re.search(r"of (\d+)", status.inner_text()).group(1))  # type: ignore[union-attr]
    page.evaluate("window.notReloaded = true")
    next_button = page.get_by_role("button", name="Next revision")
    next_button.focus()
    page.keyboard.press("Enter")
    expect(status).to_contain_text(f"Step 2 of {steps}")
    expect(page.get_by_role("button", name="Next revision")).to_be_focused()
    assert page.evaluate("window.notReloaded") is True
    diff = page.get_by_role("region", name="Changes at step 2")
    expect(diff).to_contain_text("def affine_backward")
    check_accessibility(page, "report")
    screenshot(page, "report")
    page.screenshot(path=str(SCREENSHOTS / "report.png"), full_page=True)

    # The PDF, downloaded as a person would.
    with page.expect_download() as download:
        page.get_by_role("link", name="Download PDF").click()
    pdf_path = tmp_path / "report.pdf"
    download.value.save_as(pdf_path)
    pdf = pdf_path.read_bytes()
    assert pdf.startswith(b"%PDF-")
    text = pdf_text(pdf)
    assert "Grace Hopper" in text
    assert "def affine_backward" in text
    pages = pdf_pages_as_png(pdf, SCREENSHOTS / "report-pdf")
    assert pages, "pdftoppm wrote no page"

    # The other candidate's name and code are text: no dialog, no image request for `src=x`.
    page.on("dialog", lambda d: dialogs.append(d.message))
    page.on("request", lambda r: loaded.append(r.url) if r.url.endswith("/x") else None)
    dialogs: list[str] = []
    loaded: list[str] = []
    page.goto(f"{server.base}/attempts/{hostile}")
    expect(page.get_by_role("heading", level=1)).to_have_text(XSS_NAME)
    expect(page.get_by_role("region", name="Code of question 2")).to_contain_text(XSS_CODE)
    expect(page.get_by_role("button", name="Next revision")).to_be_visible()
    assert dialogs == []
    assert loaded == []
