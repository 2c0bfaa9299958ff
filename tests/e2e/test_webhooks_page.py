"""The webhooks settings pages in Chromium, by keyboard alone: add an endpoint (its secret shown
once), a real receiver on 127.0.0.1 verifies what the served app sends with standardwebhooks,
the delivery log shows it, a redelivery arrives with the same webhook-id, the endpoint is
disabled; the integrations page; axe-clean."""

from __future__ import annotations

import json
import time

import httpx
import pytest
from playwright.sync_api import BrowserContext, expect

from tests.e2e.browser import Server, check_accessibility, screenshot, set_password_and_sign_in
from tests.webhooks.receiver import Receiver, webhook_receiver

PASSWORD = "amber kettle quorum 7"


@pytest.fixture(scope="module")
def server(hooks_and_mail_server: Server) -> Server:
    """The receiver is on 127.0.0.1: the server that may deliver there."""
    return hooks_and_mail_server


def _wait_for(receiver: Receiver, requests: int, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while len(receiver.requests) < requests and time.monotonic() < deadline:
        time.sleep(0.1)


def test_an_admin_adds_an_endpoint_and_reads_its_deliveries_by_keyboard(
    context: BrowserContext, server: Server
) -> None:
    created = json.loads(
        server.cli("create-org", "Hooks Inc", "--admin-email", "owner@hooks.test", "--json")
    )
    page = context.new_page()
    set_password_and_sign_in(page, created["set_password_url"], "Hana Owner", PASSWORD)
    nav = page.get_by_role("navigation", name="Workspace")
    nav.get_by_role("link", name="Webhooks").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Webhooks")

    api = httpx.Client(
        base_url=f"{server.base}/api/v1",
        headers={"Authorization": f"Bearer {created['api_key']}"},
        timeout=30,
    )
    with webhook_receiver() as receiver, api:
        # Keyboard only: type the URL, Tab into the events, leave only invitation.created.
        page.get_by_label("URL").focus()
        page.keyboard.type(receiver.url)
        page.keyboard.press("Tab")
        expect(page.get_by_role("checkbox", name="invitation.created")).to_be_focused()
        for _ in range(4):  # the other four events: uncheck each
            page.keyboard.press("Tab")
            page.keyboard.press("Space")
        page.keyboard.press("Tab")
        page.keyboard.type("ATS <b>sync</b>")
        page.keyboard.press("Tab")
        expect(page.get_by_role("button", name="Add endpoint")).to_be_focused()
        page.keyboard.press("Enter")
        secret_field = page.get_by_label("Signing secret")
        expect(secret_field).to_be_visible()
        expect(page.get_by_role("status")).to_contain_text("shown only once")
        receiver.secret = secret_field.input_value()
        endpoints = page.get_by_role("region", name="Endpoints")
        expect(endpoints).to_contain_text("invitation.created")
        expect(endpoints).not_to_contain_text("attempt.started")
        expect(endpoints).to_contain_text("ATS <b>sync</b>")  # shown as text
        check_accessibility(page, "webhooks-created")

        # An invitation: the served app's own loop delivers it, signed.
        question = api.get("/questions", params={"kind": "single_choice"}).json()["items"][0]
        assessment = api.post(
            "/assessments",
            json={"title": "Hooks", "question_ids": [question["id"]], "time_limit_minutes": 5},
        ).json()
        invited = api.post(
            f"/assessments/{assessment['id']}/invitations",
            json={"candidate": {"email": "ada@example.com", "name": "Ada"}},
        )
        assert invited.status_code == 201, invited.text
        _wait_for(receiver, 1)
        assert [e["type"] for e in receiver.processed.values()] == ["invitation.created"]

        page.goto(f"{server.base}/settings/webhooks")
        expect(page.get_by_label("Signing secret")).to_have_count(0)  # never shown again
        page.get_by_role("link", name=f"Deliveries to {receiver.url}").focus()
        page.keyboard.press("Enter")
        log = page.get_by_role("region", name="Delivery log")
        expect(log).to_contain_text("invitation.created")
        expect(log).to_contain_text("HTTP 200")
        check_accessibility(page, "webhook-deliveries")
        screenshot(page, "workspace-webhook-deliveries")

        page.get_by_role("button", name="Redeliver invitation.created").focus()
        page.keyboard.press("Enter")
        expect(page.get_by_role("status")).to_contain_text("sent again")
        _wait_for(receiver, 2)
        first, again = receiver.requests[:2]
        assert again.headers["webhook-id"] == first.headers["webhook-id"]
        assert len(receiver.processed) == 1  # deduplicated on webhook-id, as the spec says

        page.get_by_role("link", name="← Webhooks").click()
        page.get_by_role("button", name=f"Disable {receiver.url}").focus()
        page.keyboard.press("Enter")
        expect(page.get_by_role("status")).to_contain_text("nothing is sent to it")
        expect(page.get_by_role("region", name="Endpoints")).to_contain_text("disabled")
        check_accessibility(page, "webhooks")
        screenshot(page, "workspace-webhooks")

    nav = page.get_by_role("navigation", name="Workspace")
    nav.get_by_role("link", name="Integrations").click()
    greenhouse = page.get_by_role("region", name="Greenhouse", exact=True)
    for call in ("list_tests", "send_test", "test_status", "response_error"):
        expect(greenhouse).to_contain_text(f"{server.base}/integrations/greenhouse/{call}")
    check_accessibility(page, "integrations")
    screenshot(page, "workspace-integrations")
