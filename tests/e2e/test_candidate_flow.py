"""A candidate takes a whole test in Chromium, by keyboard and mouse, and the org sees the score."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import BrowserContext, Page, expect

from app.settings import REPO_ROOT
from tests.e2e.browser import (
    Org,
    Server,
    check_accessibility,
    saved_answers,
    screenshot,
    take_state,
)

REFERENCE = (REPO_ROOT / "question_bank" / "coding" / "affine" / "reference.py").read_text()
PRACTICE = (REPO_ROOT / "question_bank" / "practice" / "scale" / "reference.py").read_text()


def pick(org: Org, kind: str, count: int = 1) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = org.api.get("/questions", params={"kind": kind}).json()["items"]
    assert len(items) >= count, f"the bank has fewer than {count} {kind} items"
    return items[:count]


def question_state(page: Page, number: int) -> str:
    link = page.get_by_role("navigation", name="Questions").get_by_role("link").nth(number - 1)
    return link.inner_text()


def test_whole_test_by_keyboard_and_mouse_then_the_score_reaches_the_org(
    server: Server, org: Org, context: BrowserContext
) -> None:
    single, skipped = pick(org, "single_choice", 2)
    (multi,) = pick(org, "multi_choice")
    (true_false,) = pick(org, "true_false")
    (numeric,) = pick(org, "numeric")
    ids = [single["id"], multi["id"], true_false["id"], numeric["id"], "affine", skipped["id"]]
    invited = org.invite(org.assessment(ids, minutes=30, candidates_see_results=True))

    page = context.new_page()
    page.goto(invited.url)
    expect(page.get_by_role("heading", level=1)).to_have_text("Backprop fundamentals")
    expect(page.get_by_text("30 minutes", exact=True)).to_be_visible()
    expect(page.get_by_text("6: 5 concept questions and 1 coding task")).to_be_visible()
    # The optional practice task: the real editor and checks, before the clock runs.
    page.get_by_text("Show the practice task").click()
    practice = page.get_by_role("region", name="Try the editor first")
    expect(practice.get_by_role("math").first).to_be_attached()  # KaTeX typeset the formulas
    practice.get_by_role("textbox", name="Your practice code (Python)").click()
    page.keyboard.press("Control+A")
    page.keyboard.press("Delete")
    page.keyboard.insert_text(PRACTICE)
    practice.get_by_role("button", name="Run public checks").click()
    expect(practice).to_contain_text("All public checks passed", timeout=60_000)
    assert take_state(server, invited.token)["status"] == "invited"  # no clock yet
    check_accessibility(page, "landing")
    screenshot(page, "landing")

    page.get_by_role("button", name="Start the test").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("timer")).to_contain_text(re.compile(r"(29|30):\d\d"))

    # 1. One answer, with the mouse.
    expect(page.get_by_role("heading", name="Question 1 of 6")).to_be_visible()
    page.get_by_role("radio").first.click()
    assert "Answered" in question_state(page, 1)
    page.get_by_role("button", name="Next").click()

    # 2. Several answers, with the keyboard.
    expect(page.get_by_role("heading", name="Question 2 of 6")).to_be_focused()
    page.keyboard.press("Tab")
    checkboxes = page.get_by_role("checkbox")
    assert checkboxes.count() >= 2
    checkboxes.nth(0).focus()
    page.keyboard.press("Space")
    checkboxes.nth(1).focus()
    page.keyboard.press("Space")
    expect(checkboxes.nth(0)).to_be_checked()
    expect(checkboxes.nth(1)).to_be_checked()
    page.get_by_role("button", name="Next").focus()
    page.keyboard.press("Enter")

    # 3. True or false.
    page.get_by_role("radio", name="True").click()
    check_accessibility(page, "a concept question")
    screenshot(page, "concept-question", show=page.get_by_role("heading", name="Question 3 of 6"))
    page.get_by_role("button", name="Next").click()

    # 4. A number: an unreadable one is explained, scientific notation is accepted.
    answer = page.get_by_role("textbox", name=re.compile("^Your answer"))
    answer.fill("two")
    answer.press("Tab")
    expect(page.get_by_text("Could not read “two” as a number")).to_be_visible()
    answer.fill("1e-3")
    # Copying and pasting is allowed; it is only recorded, with its length.
    answer.press("Control+A")
    answer.press("Control+C")
    answer.press("Control+V")
    expect(answer).to_have_value("1e-3")
    answer.press("Tab")
    expect(page.get_by_text("Could not read")).to_have_count(0)
    page.get_by_role("button", name="Next").click()

    # 5. Code, written in the editor, checked, flagged.
    editor = page.get_by_role("textbox", name="Your code (Python)")
    editor.click()
    page.keyboard.press("Control+A")
    page.keyboard.press("Delete")
    page.keyboard.insert_text(REFERENCE)
    page.keyboard.press("Control+End")
    page.keyboard.type("\n# checked by hand")
    expect(editor).to_contain_text("# checked by hand")
    # The Tab escapes: Ctrl+M makes Tab move focus (announced), and so does Esc then Tab.
    page.keyboard.press("Control+m")
    expect(page.locator("[data-announcer]")).to_have_text(re.compile("^Tab now moves focus"))
    page.keyboard.press("Tab")
    run = page.get_by_role("button", name="Run public checks")
    expect(run).to_be_focused()
    editor.click()
    page.keyboard.press("Control+m")
    expect(page.locator("[data-announcer]")).to_have_text(re.compile("^Tab now indents"))
    page.keyboard.press("Escape")
    page.keyboard.press("Tab")
    expect(run).to_be_focused()
    page.keyboard.press("Enter")
    results = page.get_by_role("region", name="Results of the public checks")
    expect(results).to_contain_text("Running the public checks")
    expect(results).to_contain_text("All public checks passed", timeout=60_000)
    # out, dx, dw, db and their shapes
    expect(results.get_by_text("Example case 1: 5 of 5 passed")).to_be_visible()
    page.get_by_role("button", name="Flag for review").click()
    expect(page.get_by_role("button", name="Flag for review")).to_have_attribute(
        "aria-pressed", "true"
    )
    check_accessibility(page, "the editor with results")
    screenshot(page, "editor-results", show=results.get_by_text("All public checks passed"))
    results.get_by_text("Example case 1: 5 of 5 passed").click()
    checks = results.get_by_role("table", name="Checks of example case 1")
    expect(checks.get_by_role("columnheader", name="Max abs. error")).to_be_visible()
    expect(checks.get_by_role("row", name="gradient dx")).to_contain_text("Passed")

    # Submit: the confirmation lists what is unanswered and flagged.
    page.get_by_role("button", name="Submit test").click()
    dialog = page.get_by_role("dialog", name="Submit your test?")
    expect(dialog).to_contain_text("Not answered (1)")
    expect(dialog).to_contain_text("Question 6")
    expect(dialog).to_contain_text("Flagged for review (1)")
    expect(dialog).to_contain_text("Question 5")
    check_accessibility(page, "the confirmation")
    screenshot(page, "confirmation", show=dialog)
    dialog.get_by_role("button", name="Submit test").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you, your test is submitted")
    check_accessibility(page, "the end page")
    screenshot(page, "end")

    answers = saved_answers(server, invited.token)
    assert answers[numeric["id"]]["response"] == {"value": 0.001}
    assert answers[true_false["id"]]["response"] == {"value": True}
    assert len(answers[multi["id"]]["response"]["choices"]) == 2
    assert "# checked by hand" in answers["affine"]["response"]["source"]
    assert skipped["id"] not in answers

    result = org.wait_for(
        invited.attempt_id,
        lambda r: (
            r["per_question"] is not None
            and all(q["status"] != "pending" for q in r["per_question"])
        ),
    )
    assert result["status"] == "submitted"
    affine = next(q for q in result["per_question"] if q["question_id"] == "affine")
    assert affine["verdict"] == "passed"
    assert affine["score"] == affine["points"]
    assert result["score"] >= affine["score"]
    counts = result["integrity"]["counts"]
    assert counts["copy"] >= 1
    assert counts["paste"] >= 1
    paste = next(e for e in result["integrity"]["events"] if e["type"] == "paste")
    assert paste["length"] == len("1e-3")
    assert paste["question_id"] == numeric["id"]

    # The assessment shows candidates their result: once graded, the open end page shows it.
    expect(page.get_by_role("heading", name="Your result")).to_be_visible()
    expect(
        page.get_by_text(f"{round(result['score'], 1)} of {round(result['max_score'], 1)} points")
    ).to_be_visible()
