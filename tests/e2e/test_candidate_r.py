"""A candidate answers a coding question in R: switches to it, passes the public checks, reloads
and finds the R code and the language kept, goes back to Python and finds that draft too,
submits, and is graded in R; the recruiter's report, on the page and in the PDF, says R."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import BrowserContext, Page, expect

from app.settings import REPO_ROOT
from tests.e2e.browser import (
    Server,
    check_accessibility,
    expect_saved,
    saved_answers,
    screenshot,
)
from tests.reports.pdfs import pdf_text

AFFINE = REPO_ROOT / "question_bank" / "coding" / "affine"
R_REFERENCE = (AFFINE / "r" / "reference.R").read_text()
R_STARTER = (AFFINE / "r" / "starter.R").read_text()
PASSWORD = "amber lantern quartz 4"


def _replace_code(page: Page, editor_name: str, source: str) -> None:
    page.get_by_role("textbox", name=editor_name).click()
    page.keyboard.press("Control+A")
    page.keyboard.press("Delete")
    page.keyboard.insert_text(source)


def _first_line(source: str) -> str:
    return next(line for line in source.splitlines() if line.strip() and not line.startswith("#"))


def _sign_in(page: Page, set_password_url: str) -> None:
    page.goto(set_password_url)
    page.get_by_label("Your name").fill("Rita Recruiter")
    page.get_by_label("New password").fill(PASSWORD)
    page.get_by_label("Repeat the password").fill(PASSWORD)
    page.get_by_role("button", name="Save the password and sign in").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Dashboard")


def test_a_candidate_writes_r_passes_reloads_submits_and_the_report_says_r(
    server: Server, context: BrowserContext, tmp_path: Path
) -> None:
    created = json.loads(
        server.cli("create-org", "R Shop", "--admin-email", "rita@rshop.test", "--json")
    )
    api = httpx.Client(
        base_url=f"{server.base}/api/v1",
        headers={"Authorization": f"Bearer {created['api_key']}"},
        timeout=30,
    )
    assessment = api.post(
        "/assessments",
        json={"title": "Layers in R", "question_ids": ["affine"], "time_limit_minutes": 30},
    ).json()
    invited = api.post(
        f"/assessments/{assessment['id']}/invitations",
        json={"candidate": {"email": "ross@example.com", "name": "Ross Ihaka"}},
    ).json()

    page = context.new_page()
    page.goto(f"{server.base}/take/{invited['token']}")
    page.get_by_role("button", name="Start the test").click()
    picker = page.get_by_role("combobox", name="Language")
    expect(picker).to_have_value("python")
    expect(page.get_by_role("article", name="Task statement in Python")).to_be_visible()

    # A Python draft first: switching away and back must not lose it.
    page.get_by_role("textbox", name="Your code (Python)").click()
    page.keyboard.press("Control+End")
    page.keyboard.type("\n# my Python draft")
    expect_saved(page)

    picker.select_option(label="R")
    r_editor = page.get_by_role("textbox", name="Your code (R)")
    expect(r_editor).to_contain_text(_first_line(R_STARTER))
    expect(page.get_by_role("article", name="Task statement in R")).to_be_visible()
    expect(page.get_by_role("article", name="Task statement in Python")).to_be_hidden()
    _replace_code(page, "Your code (R)", R_REFERENCE)
    expect(r_editor).to_contain_text("affine_backward <- function")
    expect_saved(page)
    # R is highlighted: CodeMirror styled the keyword `function` as a token of its own.
    keyword = r_editor.locator("span", has_text=re.compile(r"^function$")).first
    expect(keyword).to_be_visible()
    assert keyword.evaluate("(span) => getComputedStyle(span).color") != r_editor.evaluate(
        "(editor) => getComputedStyle(editor).color"
    )

    screenshot(page, "editor-r", show=picker)

    results = page.get_by_role("region", name="Results of the public checks")
    page.get_by_role("button", name="Run public checks").click()
    expect(results).to_contain_text("All public checks passed", timeout=90_000)
    expect(results).to_contain_text("Ran as R code.")
    check_accessibility(page, "the editor in R with its results")
    screenshot(page, "editor-r-results", show=results.get_by_text("All public checks passed"))

    # A reload resumes in R, with the R code; the server holds both languages' code.
    page.reload()
    picker = page.get_by_role("combobox", name="Language")
    expect(picker).to_have_value("r")
    expect(page.get_by_role("textbox", name="Your code (R)")).to_contain_text(
        "affine_backward <- function"
    )
    saved = saved_answers(server, invited["token"])["affine"]
    assert saved["response"] == {"source": R_REFERENCE, "language": "r"}
    assert saved["drafts"]["python"].endswith("# my Python draft")

    # By keyboard: back to Python finds the Python draft, then R again finds the R code.
    picker.focus()
    page.keyboard.press("ArrowUp")
    expect(picker).to_have_value("python")
    expect(page.get_by_role("textbox", name="Your code (Python)")).to_contain_text(
        "# my Python draft"
    )
    expect_saved(page)
    page.keyboard.press("ArrowDown")
    expect(picker).to_have_value("r")
    expect(page.get_by_role("textbox", name="Your code (R)")).to_contain_text(
        "affine_backward <- function"
    )
    expect_saved(page)

    page.get_by_role("button", name="Submit test").click()
    page.get_by_role("dialog", name="Submit your test?").get_by_role(
        "button", name="Submit test"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you, your test is submitted")

    result = _graded(api, invited["attempt_id"])
    [coding] = result["per_question"]
    assert (coding["language"], coding["verdict"]) == ("r", "passed"), coding["report"]
    assert coding["score"] == coding["points"]

    # The recruiter's report names the language, per question and at each replay step.
    _sign_in(page, created["set_password_url"])
    page.goto(f"{server.base}/attempts/{invited['attempt_id']}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Ross Ihaka")
    expect(page.get_by_role("heading", name="Code · in R")).to_be_visible()
    status = page.get_by_role("status").filter(has_text=re.compile(r"^Step \d+ of \d+"))
    expect(status).to_contain_text(re.compile(r"Step 1 of \d+\s+·\s+Python"))
    expect(status).not_to_contain_text("switched from")
    page.get_by_role("button", name="Next revision").click()
    # Step 2 is the switch: the R starter, saved as the candidate picked R.
    expect(status).to_contain_text("Step 2 of")
    expect(status).to_contain_text("R switched from Python")
    check_accessibility(page, "the report of an R answer")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download PDF").click()
    pdf_path = tmp_path / "report.pdf"
    download.value.save_as(pdf_path)
    text = pdf_text(pdf_path.read_bytes())
    assert "in R" in text
    assert "affine_backward <- function" in text
    api.close()


def _graded(api: httpx.Client, attempt_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        body: dict[str, Any] = api.get(f"/attempts/{attempt_id}").json()
        questions = body.get("per_question") or []
        if questions and all(q["status"] != "pending" for q in questions):
            return body
        time.sleep(0.3)
    raise AssertionError(f"attempt {attempt_id} was not graded in time")
