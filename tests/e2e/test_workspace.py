"""The recruiter's workspace in Chromium: the owner's first sign-in from create-org's link, the
dashboard, inviting a member by e-mail (a real SMTP sink), sign-out, a viewer who cannot edit."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from email.message import Message

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, expect

from tests.e2e.browser import SIZES, Server, check_accessibility, screenshot, watched_context
from tests.mail.smtp_sink import Sink

PASSWORD = "violet staple orbit 42"
XSS_NAME = "<script>alert(1)</script>"


@pytest.fixture(scope="module")
def workspace(hooks_and_mail_server: Server) -> Server:
    """Mail goes to the sink (`mail`), and every candidate invitation "expires soon"."""
    return hooks_and_mail_server


@pytest.fixture
def browse(browser: Browser, workspace: Server) -> Iterator[BrowserContext]:
    with watched_context(browser, workspace.base, dialogs=True) as context:
        yield context


def _wait_for_mail(sink: Sink, to: str) -> Message:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        for message in sink.messages:
            if message["To"] == to:
                return message
        time.sleep(0.2)
    raise AssertionError(f"no e-mail reached {to}")


def _seed_candidates(server: Server, api_key: str) -> None:
    with httpx.Client(
        base_url=f"{server.base}/api/v1", headers={"Authorization": f"Bearer {api_key}"}
    ) as api:
        question = api.get("/questions", params={"kind": "single_choice"}).json()["items"][0]
        assessment = api.post(
            "/assessments",
            json={
                "title": "Backprop basics",
                "question_ids": [question["id"]],
                "time_limit_minutes": 20,
            },
        ).json()
        response = api.post(
            f"/assessments/{assessment['id']}/invitations",
            json={"candidate": {"email": "mallory@example.com", "name": XSS_NAME}},
        )
        assert response.status_code == 201, response.text


def test_owner_signs_in_invites_a_viewer_who_cannot_edit(
    browse: BrowserContext, browser: Browser, workspace: Server, mail: tuple[str, Sink]
) -> None:
    created = json.loads(
        workspace.cli("create-org", "Acme Hiring", "--admin-email", "owner@acme.test", "--json")
    )
    _seed_candidates(workspace, created["api_key"])
    page = browse.new_page()

    # The one-time link from create-org: choose a password, land on the dashboard signed in.
    page.goto(created["set_password_url"])
    expect(page.get_by_role("heading", name="Choose your password")).to_be_visible()
    page.get_by_label("Your name").fill("Olga Owner")
    page.get_by_label("New password").fill(PASSWORD)
    page.get_by_label("Repeat the password").fill(PASSWORD)
    page.get_by_role("button", name="Save the password and sign in").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Dashboard")
    expect(page.get_by_role("status")).to_have_text("Your password is set. Welcome!")
    attention = page.get_by_role("region", name="Needs attention")
    expect(attention).to_contain_text(XSS_NAME)  # shown as text, never run (no dialog)
    expect(page.get_by_role("row", name=re.compile("Backprop basics"))).to_be_visible()
    check_accessibility(page, "dashboard")
    screenshot(page, "workspace-dashboard")

    # Invite a viewer; the e-mail goes out over SMTP.
    page.get_by_role("navigation", name="Workspace").get_by_role("link", name="Members").click()
    page.get_by_label("E-mail").fill("vera@acme.test")
    page.get_by_label("Role", exact=True).select_option("viewer")
    page.get_by_role("button", name="Send invitation").click()
    expect(page.get_by_role("status")).to_have_text("Invitation sent.")
    expect(page.get_by_role("region", name="Pending invitations")).to_contain_text("vera@acme.test")
    check_accessibility(page, "members")
    screenshot(page, "workspace-members")
    message = _wait_for_mail(mail[1], "vera@acme.test")
    body = str(message.get_payload())
    join_url = re.search(r"http://\S+/join/\S+", body)
    assert join_url, body

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    page.get_by_label("E-mail").fill("owner@acme.test")
    page.get_by_label("Password").fill("not my password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("The e-mail or password is not right")
    check_accessibility(page, "sign-in")
    screenshot(page, "workspace-sign-in")

    # The viewer, in a browser of their own, joins and finds nothing to edit.
    viewer = browser.new_context(viewport=SIZES["phone"])
    try:
        vpage = viewer.new_page()
        vpage.goto(join_url.group(0))
        expect(vpage.get_by_role("heading", name="Join Acme Hiring")).to_be_visible()
        vpage.get_by_label("Your name").fill("Vera Viewer")
        vpage.get_by_label("New password").fill(PASSWORD)
        vpage.get_by_label("Repeat the password").fill(PASSWORD)
        vpage.get_by_role("button", name="Join Acme Hiring").click()
        expect(vpage.get_by_role("status")).to_have_text("You joined the organization.")
        vpage.get_by_role("link", name="Members").click()
        expect(vpage.get_by_role("heading", level=1)).to_contain_text("Members")
        expect(vpage.get_by_role("button", name="Send invitation")).to_have_count(0)
        expect(vpage.get_by_role("button", name=re.compile("^Change the role"))).to_have_count(0)
        expect(vpage.get_by_role("link", name="Outbox")).to_have_count(0)
        # Even a hand-made request with the viewer's own valid CSRF token is refused.
        token = vpage.locator("form[action='/sign-out'] input[name=csrf_token]").input_value()
        refused = vpage.request.post(
            f"{workspace.base}/members/invitations",
            form={"csrf_token": token, "email": "sneaky@acme.test", "role": "admin"},
            max_redirects=0,
        )
        assert refused.status == 403
        assert "You may not do this" in refused.text()
    finally:
        viewer.close()

    # The owner promotes her in place: htmx swaps her row, the page does not reload.
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name="Members").click()
    page.get_by_label("Role of Vera Viewer", exact=True).select_option("recruiter")
    page.evaluate("window.notReloaded = true")
    page.get_by_role("button", name="Change the role of Vera Viewer").click()
    expect(page.get_by_role("status")).to_have_text("Role of Vera Viewer changed to recruiter.")
    assert page.evaluate("window.notReloaded") is True
    expect(page.get_by_label("Role of Vera Viewer", exact=True)).to_have_value("recruiter")
