"""Bad links, refused answers and too many runs: readable pages and messages, nothing lost."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

from playwright.sync_api import BrowserContext, Page, expect

from app.db import utcnow
from app.models import Invitation
from tests.e2e.browser import (
    RUN_LIMIT,
    Invited,
    Org,
    Server,
    check_accessibility,
    expect_saved,
    saved_answers,
    take_state,
)
from tests.e2e.test_candidate_runs import CRASH


def expect_error_page(page: Page, url: str, status: int, heading: str) -> None:
    response = page.goto(url)
    assert response is not None
    assert response.status == status
    assert response.headers["content-type"].startswith("text/html")
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    expect(page.locator("body")).not_to_contain_text("Traceback")


def started_on_affine(org: Org, context: BrowserContext) -> tuple[Invited, Page]:
    """A candidate who has just started a test of the one coding question, on its page."""
    invited = org.invite(org.assessment(["affine"], minutes=30))
    page = context.new_page()
    page.goto(invited.url)
    page.get_by_role("button", name="Start the test").click()
    return invited, page


def test_bad_links_get_readable_pages_with_their_status(
    server: Server, org: Org, context: BrowserContext
) -> None:
    page = context.new_page()
    expect_error_page(page, f"{server.base}/take/no-such-token", 404, "This link is not valid")
    check_accessibility(page, "an error page")
    expect_error_page(page, f"{server.base}/take/no-such-token/more", 404, "Page not found")

    assessment = org.assessment(["affine"], minutes=30)
    expired = org.invite(assessment)
    server.update(
        Invitation, uuid.UUID(expired.invitation_id), expires_at=utcnow() - timedelta(days=1)
    )
    expect_error_page(page, expired.url, 403, "This invitation has expired")

    submitted = org.invite(assessment)
    page.goto(submitted.url)
    page.get_by_role("button", name="Start the test").click()
    # The page's script runs the clock and opens the dialog: wait until it is running.
    expect(page.get_by_role("timer")).to_contain_text(re.compile(r"\d\d:\d\d"))
    page.get_by_role("button", name="Submit test").click()
    page.get_by_role("dialog").get_by_role("button", name="Submit test").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you, your test is submitted")
    # The same link afterwards shows the end page again; starting again is refused, readably.
    page.goto(submitted.url)
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you, your test is submitted")
    again = page.request.post(f"{submitted.url}/start", max_redirects=0)
    assert again.status == 409
    assert again.headers["content-type"].startswith("text/html")
    assert "This test was already submitted" in again.text()

    # A withdrawn invitation, and an assessment closed before the candidate started.
    withdrawn = org.invite(assessment)
    revoked = org.api.post(f"/invitations/{withdrawn.invitation_id}/revoke")
    assert revoked.status_code == 200, revoked.text
    expect_error_page(page, withdrawn.url, 410, "This invitation was withdrawn")
    closing = org.assessment(["affine"], minutes=30)
    unstarted = org.invite(closing)
    archived = org.api.post(f"/assessments/{closing}/archive")
    assert archived.status_code == 200, archived.text
    expect_error_page(page, unstarted.url, 410, "This assessment is closed")
    check_accessibility(page, "the closed assessment's page")


def test_an_answer_over_the_size_limit_is_refused_and_the_last_save_kept(
    server: Server, org: Org, context: BrowserContext
) -> None:
    invited, page = started_on_affine(org, context)
    editor = page.get_by_role("textbox", name="Your code (Python)")
    editor.click()
    page.keyboard.press("Control+End")
    page.keyboard.type("\n# a good version")
    expect_saved(page)

    page.keyboard.insert_text("\n# " + "x" * 70_000)
    expect(editor).to_have_accessible_description(
        re.compile(r"Not saved: Source code is limited to 64 KiB")
    )
    expect(page.get_by_role("status")).to_have_text("Not saved — see the message on this page")
    assert saved_answers(server, invited.token)["affine"]["response"]["source"].endswith(
        "# a good version"
    )

    page.keyboard.press("Control+Z")  # back under the limit: saved again, message gone
    expect_saved(page)
    expect(editor).not_to_have_accessible_description(re.compile("Not saved"))


def test_a_test_that_cannot_load_says_so_instead_of_saved(
    server: Server, org: Org, context: BrowserContext
) -> None:
    invited, page = started_on_affine(org, context)
    expect_saved(page)
    # A refusal that waiting will not cure (here a 404, as for a link no longer valid).
    page.route(
        f"{server.base}/api/v1/take/{invited.token}",
        lambda route: route.fulfill(
            status=404,
            headers={"Content-Type": "application/problem+json"},
            body='{"type": "/problems/not-found", "status": 404, "detail": "No such test."}',
        ),
    )
    page.reload()
    expect(page.get_by_role("alert")).to_contain_text("The test could not be loaded.")
    expect(page.get_by_role("status")).to_have_text("Not loaded")
    expect(page.get_by_role("button", name="Submit test")).to_be_disabled()


def test_too_many_runs_say_when_the_next_one_is_possible(
    server: Server, org: Org, context: BrowserContext
) -> None:
    invited, page = started_on_affine(org, context)
    page.get_by_role("textbox", name="Your code (Python)").click()
    page.keyboard.press("Control+A")
    page.keyboard.press("Delete")
    page.keyboard.insert_text(CRASH)
    run = page.get_by_role("button", name="Run public checks")
    results = page.get_by_role("region", name="Results of the public checks")
    for _ in range(RUN_LIMIT):
        run.click()
        expect(results).to_contain_text("Your code raised an error", timeout=60_000)
        expect(run).not_to_have_attribute("aria-disabled", "true")
    run.click()
    expect(results).to_contain_text("Not run: too many runs in a short time.")
    expect(results).to_contain_text(re.compile(r"the next run is possible in \d+ seconds"))
    assert take_state(server, invited.token)["status"] == "started"


def test_editor_undo_survives_switching_questions_and_reset_asks_first(
    org: Org, context: BrowserContext
) -> None:
    single = org.api.get("/questions", params={"kind": "single_choice"}).json()["items"][0]
    invited = org.invite(org.assessment(["affine", single["id"]], minutes=30))
    page = context.new_page()
    page.goto(invited.url)
    page.get_by_role("button", name="Start the test").click()
    editor = page.get_by_role("textbox", name="Your code (Python)")
    editor.click()
    page.keyboard.press("Control+End")
    page.keyboard.type("\nx = 1")
    page.get_by_role("button", name="Next").click()
    page.get_by_role("button", name="Previous").click()
    editor.click()
    page.keyboard.press("Control+Z")
    expect(editor).not_to_contain_text("x = 1")
    page.keyboard.press("Control+Shift+Z")
    expect(editor).to_contain_text("x = 1")

    page.get_by_role("button", name="Reset to starter").click()
    dialog = page.get_by_role("dialog", name="Reset to the starter code?")
    dialog.get_by_role("button", name="Cancel").click()
    expect(editor).to_contain_text("x = 1")
    page.get_by_role("button", name="Reset to starter").click()
    dialog.get_by_role("button", name="Reset").click()
    expect(editor).not_to_contain_text("x = 1")
    expect(editor).to_contain_text("def affine_forward")
    page.keyboard.press("Control+Z")  # the reset itself can be undone
    expect(editor).to_contain_text("x = 1")
