"""Nothing a candidate typed is lost: reloads, network cuts, a restart, two tabs, the clock."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from app.db import utcnow
from app.models import Attempt
from tests.e2e.browser import (
    SIZES,
    Invited,
    Org,
    Server,
    expect_saved,
    saved_answers,
    take_state,
)

OFFLINE = "Offline — your answers are kept here and will be sent when the connection returns"


@dataclass(frozen=True)
class Assessment:
    id: str
    numeric: str


@pytest.fixture(scope="module")
def assessment(org: Org) -> Assessment:
    """Three questions: one answer, a number, the affine coding task."""
    single = org.api.get("/questions", params={"kind": "single_choice"}).json()["items"][0]
    numeric = org.api.get("/questions", params={"kind": "numeric"}).json()["items"][0]
    ids = [single["id"], numeric["id"], "affine"]
    return Assessment(org.assessment(ids, minutes=30), numeric["id"])


def started(org: Org, server: Server, assessment: Assessment) -> Invited:
    invited = org.invite(assessment.id)
    assert take_state(server, invited.token)["status"] == "invited"
    return invited


def open_test(context: BrowserContext, invited: Invited, question: str = "") -> Page:
    page = context.new_page()
    page.goto(invited.url)
    if page.get_by_role("button", name="Start the test").count():
        page.get_by_role("button", name="Start the test").click()
    expect(page.get_by_role("timer")).to_contain_text(re.compile(r"\d\d:\d\d"))
    if question:
        page.get_by_role("navigation", name="Questions").get_by_role(
            "link", name=re.compile(f"^{question}")
        ).click()
    return page


def type_code(page: Page, text: str) -> None:
    page.get_by_role("textbox", name="Your code (Python)").click()
    page.keyboard.press("Control+End")
    page.keyboard.type(text)


def editor_text(page: Page) -> str:
    return page.get_by_role("textbox", name="Your code (Python)").inner_text()


def test_reload_mid_test_loses_nothing(
    server: Server, org: Org, assessment: Assessment, context: BrowserContext
) -> None:
    invited = started(org, server, assessment)
    page = open_test(context, invited)
    page.get_by_role("radio").nth(1).click()
    page.get_by_role("button", name="Next").click()
    page.get_by_role("textbox", name=re.compile("^Your answer")).fill("-0.25")
    page.get_by_role("button", name="Next").click()
    type_code(page, "\n# draft before the reload")
    page.reload()  # at once: the last edit is still inside the autosave delay

    expect(page.get_by_role("heading", name="Question 3 of 3")).to_be_visible()
    assert "# draft before the reload" in editor_text(page)
    page.get_by_role("button", name="Previous").click()
    expect(page.get_by_role("textbox", name=re.compile("^Your answer"))).to_have_value("-0.25")
    page.get_by_role("button", name="Previous").click()
    expect(page.get_by_role("radio").nth(1)).to_be_checked()
    expect_saved(page)
    answers = saved_answers(server, invited.token)
    assert answers["affine"]["response"]["source"].endswith("# draft before the reload")
    assert len(answers) == 3


def test_network_cut_while_typing_loses_no_edit(
    server: Server, org: Org, assessment: Assessment, context: BrowserContext
) -> None:
    invited = started(org, server, assessment)
    page = open_test(context, invited, "3")
    context.set_offline(True)
    type_code(page, "\n# typed offline")
    expect(page.get_by_role("status")).to_have_text(OFFLINE)
    page.get_by_role("button", name="Previous").click()
    page.get_by_role("textbox", name=re.compile("^Your answer")).fill("2.5")
    page.wait_for_timeout(1500)  # past the autosave delay: still nothing can be sent
    assert saved_answers(server, invited.token) == {}
    context.set_offline(False)
    expect_saved(page)
    answers = saved_answers(server, invited.token)
    assert answers["affine"]["response"]["source"].endswith("# typed offline")
    assert answers[assessment.numeric]["response"] == {"value": 2.5}


def test_server_restart_while_typing_loses_no_edit(
    server: Server, org: Org, assessment: Assessment, context: BrowserContext
) -> None:
    invited = started(org, server, assessment)
    page = open_test(context, invited, "3")
    server.stop()
    try:
        type_code(page, "\n# typed while the server was down")
        expect(page.get_by_role("status")).to_have_text(OFFLINE, timeout=10_000)
    finally:
        server.start(setup=False)
    expect_saved(page)
    source = saved_answers(server, invited.token)["affine"]["response"]["source"]
    assert source.endswith("# typed while the server was down")


def test_a_second_tab_takes_over_and_the_first_is_told(
    server: Server, org: Org, assessment: Assessment, context: BrowserContext
) -> None:
    invited = started(org, server, assessment)
    first = open_test(context, invited)
    first.get_by_role("radio").nth(0).click()
    expect_saved(first)

    second = context.new_page()
    second.goto(f"{invited.url}#affine")
    alert = first.get_by_role("alert")
    expect(alert).to_contain_text("This test is now open in another tab or window")
    expect(alert).to_contain_text("stopped saving")
    type_code(second, "\n# from the second tab")
    expect_saved(second)

    # Back in the first tab, the candidate chooses to continue there: it reloads, takes over,
    # shows the second tab's code, and the second tab is told in turn.
    alert.get_by_role("button", name="Use this tab instead").click()
    expect(second.get_by_role("alert")).to_contain_text("now open in another tab or window")
    first.get_by_role("navigation", name="Questions").get_by_role(
        "link", name=re.compile("^3")
    ).click()
    assert "# from the second tab" in editor_text(first)


def test_an_edit_made_on_another_device_is_never_overwritten_silently(
    server: Server, org: Org, assessment: Assessment, browser: Browser, context: BrowserContext
) -> None:
    invited = started(org, server, assessment)
    laptop = open_test(context, invited, "2")
    other_device = browser.new_context(viewport=SIZES["phone"])
    try:
        phone = open_test(other_device, invited, "2")
        phone.get_by_role("textbox", name=re.compile("^Your answer")).fill("7")
        expect_saved(phone)
    finally:
        other_device.close()

    laptop.get_by_role("textbox", name=re.compile("^Your answer")).fill("3")
    alert = laptop.get_by_role("alert")
    expect(alert).to_contain_text(
        "Your answer to question 2 was changed in another tab or window after this page loaded."
    )
    expect(alert).to_contain_text("Nothing was overwritten")
    numeric_id = assessment.numeric
    assert saved_answers(server, invited.token)[numeric_id]["response"] == {"value": 7.0}

    alert.get_by_role("button", name="Keep this tab's version").click()
    expect_saved(laptop)
    assert saved_answers(server, invited.token)[numeric_id]["response"] == {"value": 3.0}


def test_extra_time_granted_during_the_test_reaches_the_open_page(
    server: Server, org: Org, context: BrowserContext
) -> None:
    numeric = org.api.get("/questions", params={"kind": "numeric"}).json()["items"][0]
    invited = org.invite(org.assessment([numeric["id"]], minutes=2))
    page = open_test(context, invited)
    expect(page.get_by_role("timer")).to_contain_text(re.compile(r"0[12]:\d\d"))
    deadline = datetime.fromisoformat(take_state(server, invited.token)["deadline"])
    server.update(Attempt, uuid.UUID(invited.attempt_id), deadline=deadline + timedelta(minutes=10))
    # The page checks the deadline every minute and whenever the connection comes back.
    context.set_offline(True)
    context.set_offline(False)
    expect(page.locator("[data-announcer]")).to_have_text("Your time was extended by 10 minutes.")
    expect(page.get_by_role("timer")).to_contain_text(re.compile(r"1[12]:\d\d"))


def test_the_deadline_passing_with_the_page_open_ends_the_test(
    server: Server, org: Org, context: BrowserContext
) -> None:
    numeric = org.api.get("/questions", params={"kind": "numeric"}).json()["items"][0]
    invited = org.invite(org.assessment([numeric["id"], "affine"], minutes=1))
    attempt_id = uuid.UUID(invited.attempt_id)
    page = open_test(context, invited)
    # The server's deadline is moved as time would move it: 5 minutes left, then 1, then 0.
    announcer = page.locator("[data-announcer]")
    server.update(Attempt, attempt_id, deadline=utcnow() + timedelta(seconds=302))
    page.reload()
    expect(announcer).to_have_text(re.compile("^5 minutes left"), timeout=10_000)
    server.update(Attempt, attempt_id, deadline=utcnow() + timedelta(seconds=62))
    page.reload()
    expect(announcer).to_have_text("1 minute left.", timeout=10_000)
    expect(page.get_by_role("timer")).to_contain_text(re.compile(r"0[01]:\d\d"))

    server.update(Attempt, attempt_id, deadline=utcnow() + timedelta(seconds=9))
    page.reload()
    answer = page.get_by_role("textbox", name=re.compile("^Your answer"))
    answer.fill("0.5")
    expect_saved(page)
    context.set_offline(True)
    answer.fill("0.75")  # too late: this edit can only reach the server after the deadline
    expect(page.get_by_role("alert")).to_contain_text("Time is up. You are offline", timeout=15_000)
    context.set_offline(False)

    expect(page.get_by_role("heading", level=1)).to_have_text("Time is up")
    expect(page.get_by_role("alert")).to_contain_text(
        "reached the server after the time limit and could not be saved"
    )
    state = take_state(server, invited.token)
    assert state["status"] == "expired"
    assert state["answers"][numeric["id"]]["response"] == {"value": 0.5}
    late = page.request.put(
        f"{server.base}/api/v1/take/{invited.token}/answers/{numeric['id']}",
        data={"response": {"value": 0.75}},
    )
    assert late.status == 409
    assert late.json()["type"] == "/problems/attempt-expired"
