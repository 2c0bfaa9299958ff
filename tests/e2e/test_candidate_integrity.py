"""Leaving the tab, the window or full screen is recorded with its duration, for the recruiter.

Chromium reports a real blur and focus once focus emulation is off, and real fullscreen changes.
Headless Chromium never hides a page (every page reports "visible", playwright#2286), so leaving
the tab is emulated as the browser would signal it: the document's visibilityState changes and
`visibilitychange` fires.
"""

from __future__ import annotations

import re

from playwright.sync_api import BrowserContext, expect

from tests.e2e.browser import Org

HIDE = """hidden => {
  Object.defineProperty(document, "visibilityState",
    {configurable: true, get: () => hidden ? "hidden" : "visible"});
  document.dispatchEvent(new Event("visibilitychange"));
}"""


def test_leaving_the_tab_the_window_and_full_screen_reach_the_recruiter(
    org: Org, context: BrowserContext
) -> None:
    numeric = org.api.get("/questions", params={"kind": "numeric"}).json()["items"][0]
    invited = org.invite(org.assessment([numeric["id"], "affine"], minutes=30))
    page = context.new_page()
    page.goto(invited.url)
    page.get_by_role("button", name="Start the test").click()
    expect(page.get_by_role("timer")).to_contain_text(re.compile(r"\d\d:\d\d"))

    # Another page takes the focus for a while: a real blur, then a real focus.
    devtools = context.new_cdp_session(page)
    devtools.send("Emulation.setFocusEmulationEnabled", {"enabled": False})
    elsewhere = context.new_page()
    elsewhere.bring_to_front()
    page.wait_for_timeout(700)
    page.bring_to_front()
    elsewhere.close()

    # Full screen entered (a user gesture, as a click gives) and left.
    page.evaluate("() => document.documentElement.requestFullscreen()")
    page.wait_for_function("() => document.fullscreenElement !== null")
    page.evaluate("() => document.exitFullscreen()")
    page.wait_for_function("() => document.fullscreenElement === null")

    # The tab hidden for over a second, then back.
    page.evaluate(HIDE, True)
    page.wait_for_timeout(1200)
    page.evaluate(HIDE, False)
    page.goto("about:blank")  # leaving the page sends what is still queued

    result = org.wait_for(
        invited.attempt_id,
        lambda r: all(
            r["integrity"]["counts"][t] for t in ("tab_hidden", "window_blur", "fullscreen_exit")
        ),
    )
    events = {e["type"]: e for e in result["integrity"]["events"]}
    assert events["window_blur"]["duration_ms"] >= 500
    assert events["tab_hidden"]["duration_ms"] >= 1000
    assert "fullscreen_exit" in events
    assert {e["question_id"] for e in events.values()} <= {numeric["id"], "affine"}
