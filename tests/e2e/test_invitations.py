"""The invitations page and the results table in Chromium, by keyboard alone: invite one candidate
with extra time, upload a CSV (a bad row and a hostile name reported as text), copy a link to the
clipboard, remind, withdraw after a confirmation; then filter, sort and export the results, open a
report from its row; axe on the dashboard, the invitations page and the results table."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import httpx
from playwright.sync_api import BrowserContext, Page, expect

from tests.e2e.browser import SCREENSHOTS, Server, check_accessibility, screenshot

PASSWORD = "amber quill meadow 9"
XSS_NAME = "<script>alert(1)</script>"
QUESTION, RIGHT, WRONG = "backward-pass-order", "d", "a"  # a bank question and its answer
CSV = (
    "email,name,extra_minutes\n"
    "alan@example.com,Alan Turing,\n"
    "not-an-address,Nobody,\n"
    f"x@example.com,{XSS_NAME},\n"
    "grace@example.com,Grace Hopper,10\n"
).encode()


def _press(page: Page, role: str, name: str | re.Pattern[str]) -> None:
    """Reach a control and activate it from the keyboard, as a person without a mouse would."""
    control = page.get_by_role(role, name=name, exact=True)  # type: ignore[arg-type]
    control.focus()
    page.keyboard.press("Enter")


def _sign_in_as_owner(page: Page, server: Server) -> tuple[str, httpx.Client]:
    created = json.loads(
        server.cli("create-org", "Invite Co", "--admin-email", "owner@invite.test", "--json")
    )
    page.goto(created["set_password_url"])
    page.get_by_label("Your name").fill("Olu Owner")
    page.get_by_label("New password").fill(PASSWORD)
    page.get_by_label("Repeat the password").fill(PASSWORD)
    page.get_by_label("Repeat the password").press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Dashboard")
    api = httpx.Client(
        base_url=f"{server.base}/api/v1",
        headers={"Authorization": f"Bearer {created['api_key']}"},
        timeout=30,
    )
    return created["org_id"], api


def _take(server: Server, link: str, choice: str) -> None:
    take = f"{server.base}/api/v1/take/{link.rsplit('/', 1)[1]}"
    assert httpx.post(f"{take}/start").status_code == 200
    saved = httpx.put(f"{take}/answers/{QUESTION}", json={"response": {"choice": choice}})
    assert saved.status_code == 200, saved.text
    assert httpx.post(f"{take}/submit").status_code == 200


def test_invitations_and_results_by_keyboard(
    server: Server, context: BrowserContext, tmp_path: Path
) -> None:
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server.base)
    page = context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    _, api = _sign_in_as_owner(page, server)
    check_accessibility(page, "dashboard")
    made = api.post(
        "/assessments",
        json={
            "title": "Autodiff basics",
            "question_ids": [QUESTION],
            "time_limit_minutes": 20,
            "pass_mark_percent": 50,
        },
    )
    assert made.status_code == 201, made.text
    assessment_id = made.json()["id"]
    invitations = f"{server.base}/assessments/{assessment_id}/invitations"

    # One candidate, typed field after field with Tab, sent with Enter.
    page.goto(invitations)
    expect(page.get_by_role("heading", level=1)).to_have_text("Invitations")
    page.get_by_label("Name").focus()
    page.keyboard.type("Ada Lovelace")
    page.keyboard.press("Tab")
    expect(page.get_by_label("E-mail")).to_be_focused()
    page.keyboard.type("ada@example.com")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Link valid for (days)")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.get_by_label("Extra time (minutes)")).to_be_focused()
    page.keyboard.press("Control+A")
    page.keyboard.type("15")
    page.keyboard.press("Enter")
    expect(page.get_by_role("status").filter(has_text="Invitation sent.")).to_be_visible()
    listed = page.get_by_role("region", name="Candidates invited")
    ada_row = listed.get_by_role("row").filter(has_text="ada@example.com")
    expect(ada_row).to_contain_text("pending")
    expect(ada_row).to_contain_text("15 min")

    # A list: the bad row is explained, the hostile name is text.
    page.get_by_label("CSV file").set_input_files(
        files=[{"name": "candidates.csv", "mimeType": "text/csv", "buffer": CSV}]
    )
    _press(page, "button", "Upload and invite")
    report = page.get_by_role("region", name="Upload report")
    expect(page.get_by_role("status").filter(has_text="invited,")).to_have_text(
        "3 invited, 1 not invited."
    )
    expect(report.get_by_role("row").filter(has_text="Nobody")).to_contain_text(
        "'not-an-address' is not an e-mail address."
    )
    expect(report.get_by_role("row").filter(has_text="x@example.com")).to_contain_text(XSS_NAME)

    # Copy Ada's link: the clipboard holds it and the live region says so.
    _press(page, "button", "Copy link of Ada Lovelace")
    expect(page.get_by_role("status").filter(has_text="copied")).to_have_text(
        "Link of Ada Lovelace copied to the clipboard."
    )
    ada_link = page.evaluate("navigator.clipboard.readText()")
    assert re.fullmatch(rf"{re.escape(server.base)}/take/[\w-]{{32}}", ada_link), ada_link

    _press(page, "button", "Remind Ada Lovelace")
    expect(page.get_by_role("status").filter(has_text="Reminder sent.")).to_be_visible()

    # Withdraw, after the confirmation page.
    _press(page, "link", "Withdraw the invitation of Alan Turing")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Withdraw the invitation of Alan Turing?"
    )
    _press(page, "button", "Withdraw the invitation")
    expect(page.get_by_role("status").filter(has_text="withdrawn")).to_be_visible()
    alan_row = page.get_by_role("row").filter(has_text="alan@example.com")
    expect(alan_row).to_contain_text("withdrawn")
    expect(alan_row.get_by_role("button")).to_have_count(0)

    # Grace takes the test with the link she was sent (copied too), then remind the rest.
    _press(page, "button", "Copy link of Grace Hopper")
    expect(page.get_by_role("status").filter(has_text="Grace Hopper")).to_be_visible()
    grace_link = page.evaluate("navigator.clipboard.readText()")
    _take(server, ada_link, RIGHT)
    _take(server, grace_link, WRONG)
    _press(page, "button", "Remind all who have not started")
    expect(page.get_by_role("status").filter(has_text="Reminder sent to")).to_have_text(
        "Reminder sent to 1 candidate who had not started."
    )
    check_accessibility(page, "invitations")
    screenshot(page, "invitations")
    assert dialogs == []

    # The results: filter by text, sort by score, open a report from its row.
    page.goto(f"{server.base}/assessments/{assessment_id}/results")
    table = page.get_by_role("table", name=re.compile("^Results of Autodiff basics"))
    expect(table.get_by_role("row")).to_have_count(5)  # the header and four candidates
    page.get_by_label("Name or e-mail").focus()
    page.keyboard.type("HOPPER")
    page.keyboard.press("Enter")
    expect(table.get_by_role("row")).to_have_count(2)
    expect(table).to_contain_text("Not passed")
    _press(page, "link", "Clear")
    _press(page, "link", re.compile(r"^Score\W+sort ascending$"))
    expect(page.get_by_role("columnheader", name=re.compile("^Score"))).to_have_attribute(
        "aria-sort", "ascending"
    )
    _press(page, "link", re.compile(r"^Score\W+sort descending"))
    first = table.get_by_role("row").nth(1)
    expect(first).to_contain_text("Ada Lovelace")
    expect(first).to_contain_text("100.0%")
    expect(first).to_contain_text("Passed")
    check_accessibility(page, "results table")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "results-table.png"), full_page=True)
    screenshot(page, "results-table")

    with page.expect_download() as download:
        _press(page, "link", "Export CSV")
    saved = tmp_path / "results.csv"
    download.value.save_as(saved)
    rows = list(csv.DictReader(io.StringIO(saved.read_text())))
    assert [r["candidate_name"] for r in rows[:2]] == ["Ada Lovelace", "Grace Hopper"]
    assert (rows[0]["passed"], rows[1]["passed"]) == ("yes", "no")

    _press(page, "link", "Ada Lovelace")
    expect(page.get_by_role("heading", level=1)).to_have_text("Ada Lovelace")
    expect(page.get_by_role("definition").filter(has_text="Passed")).to_be_visible()
    assert dialogs == []
    api.close()
