"""Code that crashes, floods output or loops: its verdict shows and the page stays usable."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from app.settings import REPO_ROOT
from tests.e2e.browser import Org, Server, expect_saved, saved_answers, screenshot

CRASH = """import numpy as np

def affine_forward(x, w, b):
    raise ValueError("boom")

def affine_backward(dout, cache):
    return None
"""
FLOOD = CRASH.replace('raise ValueError("boom")', 'print("x" * 10_000_000)')
# The reference, two seconds slow to import: long enough to see the end page wait for it.
SLOW_REFERENCE = (
    "import time\ntime.sleep(2)\n"
    + (REPO_ROOT / "question_bank" / "coding" / "affine" / "reference.py").read_text()
)
LOOP = CRASH.replace('raise ValueError("boom")', "while True:\n        pass")


@pytest.fixture
def page(org: Org, context: BrowserContext) -> Page:
    invited = org.invite(org.assessment(["affine"], minutes=30))
    page = context.new_page()
    page.goto(invited.url)
    page.get_by_role("button", name="Start the test").click()
    page.token = invited.token  # type: ignore[attr-defined]
    return page


def write(page: Page, source: str) -> None:
    page.get_by_role("textbox", name="Your code (Python)").click()
    page.keyboard.press("Control+A")
    page.keyboard.press("Delete")
    page.keyboard.insert_text(source)


def test_crash_flood_and_loop_show_their_verdicts_and_the_page_stays_usable(
    server: Server, page: Page
) -> None:
    runs_started: list[str] = []
    page.on("request", lambda r: runs_started.append(r.url) if r.url.endswith("/run") else None)
    results = page.get_by_role("region", name="Results of the public checks")
    run = page.get_by_role("button", name="Run public checks")

    write(page, CRASH)
    run.click()
    expect(results).to_contain_text("Your code raised an error", timeout=60_000)
    expect(results).to_contain_text("affine_forward raised ValueError: boom")
    screenshot(page, "editor-error", show=results.get_by_text("Your code raised an error"))

    write(page, FLOOD)
    run.click()
    expect(results).to_contain_text("Your code printed too much output", timeout=60_000)

    write(page, LOOP)
    run.click()
    expect(results).to_contain_text("Running the public checks")
    expect(page.get_by_role("button", name="Running…")).to_have_attribute("aria-disabled", "true")
    page.get_by_role("button", name="Running…").click(force=True)  # a second start is ignored
    # Meanwhile the page stays usable: the candidate keeps editing and it is saved.
    page.get_by_role("textbox", name="Your code (Python)").click()
    page.keyboard.press("Control+End")
    page.keyboard.type("\n# still typing during the run")
    expect_saved(page)
    expect(results).to_contain_text("Your code ran too long", timeout=90_000)
    expect(run).not_to_have_attribute("aria-disabled", "true")
    assert len(runs_started) == 3
    source = saved_answers(server, page.token)["affine"]["response"]["source"]  # type: ignore[attr-defined]
    assert source.endswith("# still typing during the run")


def test_the_end_page_shows_the_result_when_grading_finishes_without_a_reload(
    org: Org, context: BrowserContext
) -> None:
    invited = org.invite(org.assessment(["affine"], minutes=30, candidates_see_results=True))
    page = context.new_page()
    page.goto(invited.url)
    page.get_by_role("button", name="Start the test").click()
    write(page, SLOW_REFERENCE)
    expect_saved(page)
    page.get_by_role("button", name="Submit test").click()
    page.get_by_role("dialog", name="Submit your test?").get_by_role(
        "button", name="Submit test"
    ).click()

    expect(page.get_by_text("Your code is still being graded")).to_be_visible()
    screenshot(page, "end-grading")
    navigations: list[str] = []
    page.on("framenavigated", lambda frame: navigations.append(frame.url))
    expect(page.get_by_text(re.compile(r"of \d+(\.\d)? points"))).to_be_visible(timeout=60_000)
    expect(page.get_by_role("status")).to_have_text("Your result is ready.")
    assert navigations == []
