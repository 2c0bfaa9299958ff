"""The assessment builder in Chromium: sign in, start from a role template, add a pool, change
the settings, pick a question with the keyboard alone, and preview the test as a candidate
(an answer saved, nothing recorded); axe on the list and the builder; the builder's screenshot."""

from __future__ import annotations

import json
import re

import httpx
from playwright.sync_api import Browser, Locator, Page, expect

from tests.e2e.browser import (
    SCREENSHOTS,
    SIZES,
    Server,
    check_accessibility,
    screenshot,
    watch,
)

PASSWORD = "amber kettle sonnet 17"


def _tab_to(page: Page, target: Locator, *, limit: int = 120) -> None:
    """Press Tab until `target` has the focus, as someone without a mouse would."""
    for _ in range(limit):
        if target.evaluate("element => element === document.activeElement"):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached {target}")


def _answer_the_shown_question(page: Page) -> None:
    shown = page.locator("section.question:not([hidden])")
    if shown.get_by_role("radio").count():
        shown.get_by_role("radio").first.check()
    elif shown.get_by_role("checkbox").count():
        shown.get_by_role("checkbox").first.check()
    else:
        shown.get_by_label("Your answer").fill("1")


def test_recruiter_builds_edits_and_previews_an_assessment(
    browser: Browser, server: Server
) -> None:
    created = json.loads(
        server.cli("create-org", "Builder Co", "--admin-email", "b@acme.test", "--json")
    )
    api = httpx.Client(
        base_url=f"{server.base}/api/v1",
        headers={"Authorization": f"Bearer {created['api_key']}"},
        timeout=30,
    )
    context = browser.new_context(viewport=SIZES["desktop"], reduced_motion="reduce")
    context.set_default_timeout(15_000)
    page = context.new_page()
    problems = watch(page, server.base)

    page.goto(created["set_password_url"])
    page.get_by_label("Your name").fill("Bea Builder")
    page.get_by_label("New password").fill(PASSWORD)
    page.get_by_label("Repeat the password").fill(PASSWORD)
    page.get_by_role("button", name="Save the password and sign in").click()
    page.get_by_role("button", name="Sign out").click()
    page.goto(f"{server.base}/sign-in")
    page.get_by_label("E-mail").fill("b@acme.test")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    # From a role template.
    page.get_by_role("navigation", name="Workspace").get_by_role("link", name="Assessments").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Assessments")
    page.get_by_role("link", name="New assessment").click()
    card = page.get_by_role("form", name="Machine Learning Engineer")
    card.get_by_label("Name").fill("ML engineer, spring hiring")
    card.get_by_role("button", name="Use the Machine Learning Engineer template").click()
    expect(page.get_by_role("status")).to_have_text("Assessment created.")
    expect(page.get_by_role("heading", level=1)).to_have_text("ML engineer, spring hiring")

    # One pool and new settings in the builder.
    page.get_by_role("link", name="Edit", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Edit assessment")
    pool = page.get_by_role("group", name="Pool 1")
    pool.get_by_label("How many").fill("2")
    pool.get_by_label("Skill").select_option("chain_rule")
    pool.get_by_label("Difficulty").select_option("3")
    page.get_by_role("button", name="Check the pools").click()
    expect(page.get_by_role("group", name="Pool 1")).to_contain_text(
        re.compile(r"\d+ questions match")
    )
    page.get_by_label("Time limit (minutes)").fill("75")
    page.get_by_label(re.compile("^Pass mark")).fill("60")
    page.get_by_label("See their result once graded").check()
    summary = page.get_by_role("region", name="This form")
    expect(summary).to_contain_text(re.compile(r"27\s+questions per candidate"))
    expect(summary).to_contain_text(re.compile(r"75\s+minutes"))
    check_accessibility(page, "builder")
    screenshot(page, "builder")
    page.screenshot(path=str(SCREENSHOTS / "builder.png"), full_page=True, caret="initial")
    page.get_by_role("button", name="Save assessment").first.click()
    expect(page.get_by_role("status")).to_have_text("Assessment saved.")
    expect(page.get_by_text("2 chain_rule concept items of difficulty 3")).to_be_visible()
    assessment_id = page.url.split("/assessments/")[1].split("?")[0]
    read = api.get(f"/assessments/{assessment_id}").json()
    assert (read["time_limit_minutes"], read["pass_mark_percent"]) == (75, 60)
    assert read["candidates_see_results"] is True
    assert read["question_count"] == 27

    # The keyboard alone: search, tick a match, save.
    page.get_by_role("link", name="Edit", exact=True).click()
    page.locator("body").focus()
    _tab_to(page, page.get_by_label("Text"))
    page.keyboard.type("softmax")
    page.keyboard.press("Enter")
    results = page.get_by_role("heading", name=re.compile(r"^\d+ match"))
    expect(results).to_be_focused()
    page.keyboard.press("Tab")
    picked = page.locator("#search-results").get_by_role("checkbox").first
    expect(picked).to_be_focused()
    page.keyboard.press("Space")
    expect(picked).to_be_checked()
    _tab_to(page, page.locator(".form-actions").get_by_role("button", name="Save assessment"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_have_text("Assessment saved.")
    assert api.get(f"/assessments/{assessment_id}").json()["question_count"] == 28

    page.get_by_role("link", name="Assessments", exact=True).first.click()
    expect(page.get_by_role("row", name=re.compile("ML engineer, spring hiring"))).to_contain_text(
        "75 min"
    )
    check_accessibility(page, "assessments")

    # Preview as candidate: the real test page; an answer saves; nothing is recorded.
    page.get_by_role("link", name="ML engineer, spring hiring", exact=True).click()
    page.get_by_role("button", name="Preview as candidate").click()
    expect(page.get_by_role("note")).to_contain_text("nothing is recorded")
    expect(page.get_by_role("heading", name="Question 1 of 28")).to_be_visible()
    # The page's script runs the clock and saves answers: wait until it is running.
    expect(page.get_by_role("timer")).to_contain_text(re.compile(r"1:1\d:\d\d"))
    _answer_the_shown_question(page)
    first_link = page.get_by_role("navigation", name="Questions").get_by_role("link").first
    expect(first_link).to_contain_text("Answered")
    expect(page.get_by_role("status").first).to_have_text("Saved")
    page.get_by_role("button", name="Next").first.click()
    expect(page.get_by_role("heading", name="Question 2 of 28")).to_be_visible()
    check_accessibility(page, "preview")
    page.get_by_role("button", name="Submit test").first.click()
    page.get_by_role("dialog").get_by_role("button", name="Submit test").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("End of the preview")
    after = api.get(f"/assessments/{assessment_id}").json()
    assert (after["invitation_count"], after["completion_count"]) == (0, 0)
    assert api.get(f"/assessments/{assessment_id}/results").json()["items"] == []

    assert problems == []
    context.close()
    api.close()
