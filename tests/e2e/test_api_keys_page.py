"""The API keys settings page in Chromium, by keyboard alone: create a key, copy it, use it,
revoke it; axe-clean at both sizes."""

from __future__ import annotations

import json

import httpx
from playwright.sync_api import BrowserContext, expect

from tests.e2e.browser import Server, check_accessibility, screenshot, set_password_and_sign_in

PASSWORD = "amber kettle quorum 7"


def test_an_owner_manages_api_keys_with_the_keyboard(
    context: BrowserContext, server: Server
) -> None:
    created = json.loads(
        server.cli("create-org", "Keys Inc", "--admin-email", "owner@keys.test", "--json")
    )
    page = context.new_page()
    set_password_and_sign_in(page, created["set_password_url"], "Kim Owner", PASSWORD)
    page.get_by_role("navigation", name="Workspace").get_by_role("link", name="API keys").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("API keys")
    # create-org's key is listed, with its scope, but never its secret.
    keys = page.get_by_role("region", name="Keys")
    expect(keys).to_contain_text("default")
    expect(keys).not_to_contain_text(created["api_key"])

    # Keyboard only: focus the name, type, Tab to the scope, pick "write", Enter submits.
    page.get_by_label("Name").focus()
    page.keyboard.type("Greenhouse sync")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Scope")).to_be_focused()
    page.keyboard.press("ArrowDown")  # read -> write
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Create key")).to_be_focused()
    page.keyboard.press("Enter")
    new_key = page.get_by_label("Key for Greenhouse sync (write)")
    expect(new_key).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("shown only once")
    secret = new_key.input_value()
    check_accessibility(page, "api-keys-created")
    screenshot(page, "workspace-api-keys-created")

    api = httpx.Client(base_url=server.base, headers={"Authorization": f"Bearer {secret}"})
    try:
        assert api.get("/api/v1/assessments").status_code == 200
        page.goto(f"{server.base}/settings/api-keys")  # coming back never shows the secret again
        expect(page.get_by_label("Key for Greenhouse sync (write)")).to_have_count(0)
        expect(page.get_by_role("region", name="Keys")).to_contain_text("last used")

        page.get_by_role("button", name="Revoke the key Greenhouse sync").focus()
        page.keyboard.press("Enter")
        expect(page.get_by_role("status")).to_have_text("API key revoked.")
        expect(page.get_by_role("region", name="Keys")).to_contain_text("revoked")
        assert api.get("/api/v1/assessments").status_code == 401
    finally:
        api.close()
    check_accessibility(page, "api-keys")
    screenshot(page, "workspace-api-keys")
