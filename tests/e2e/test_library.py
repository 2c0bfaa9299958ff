"""The question library in Chromium: sign in, filter, preview as the candidate sees it, write a
parameterized question (refused on a seed, then saved), a coding task whose broken reference the
judge refuses with its report and whose fix it accepts, and a viewer with nothing to edit."""

from __future__ import annotations

import json
import re

from playwright.sync_api import Browser, BrowserContext, Page, expect

from app.db import make_engine, make_sessionmaker
from app.models import Organization, Role
from app.settings import Settings
from tests.e2e.browser import SIZES, Server, check_accessibility, screenshot, watch
from tests.factories import make_member
from tests.questions.drafts import BROKEN_REFERENCE, REFERENCE, SPEC, STARTER

PASSWORD = "violet staple orbit 42"
XSS = "<script>alert(1)</script>"


def _context(browser: Browser, server: Server, size: str = "desktop") -> BrowserContext:
    context = browser.new_context(viewport=SIZES[size], reduced_motion="reduce")
    context.set_default_timeout(15_000)
    return context


def _watch(page: Page, server: Server) -> list[str]:
    problems = watch(page, server.base)
    page.on("dialog", lambda d: problems.append(f"a script opened a dialog: {d.message}"))
    return problems


def _sign_in(page: Page, server: Server, email: str) -> None:
    page.goto(f"{server.base}/sign-in")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Dashboard")


def _add_viewer(server: Server, email: str) -> None:
    engine = make_engine(Settings(database_url=server.database_url))
    with make_sessionmaker(engine)() as session:
        organization = session.query(Organization).filter_by(name="Library Co").one()
        make_member(session, organization, Role.VIEWER, email=email, password=PASSWORD)
        session.commit()
    engine.dispose()


def test_recruiter_curates_the_library_and_a_viewer_cannot_edit(
    browser: Browser, server: Server
) -> None:
    created = json.loads(
        server.cli("create-org", "Library Co", "--admin-email", "lib@acme.test", "--json")
    )
    context = _context(browser, server)
    page = context.new_page()
    problems = _watch(page, server)

    # The owner chooses a password, signs out, and signs in with it.
    page.goto(created["set_password_url"])
    page.get_by_label("Your name").fill("Lia Library")
    page.get_by_label("New password").fill(PASSWORD)
    page.get_by_label("Repeat the password").fill(PASSWORD)
    page.get_by_role("button", name="Save the password and sign in").click()
    page.get_by_role("button", name="Sign out").click()
    _sign_in(page, server, "lib@acme.test")

    # Filter the bank: htmx swaps the results in place, the address follows the filters.
    page.get_by_role("navigation", name="Workspace").get_by_role("link", name="Library").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Question library")
    page.get_by_label("Skill").select_option("chain_rule")
    page.get_by_label("Kind").select_option("numeric")
    page.get_by_label("Search text").fill("sigmoid")
    page.get_by_role("button", name="Apply filters").click()
    expect(page).to_have_url(re.compile(r"text=sigmoid"))
    results = page.get_by_role("region", name=re.compile(r"^\d+ questions?$"))
    expect(results.get_by_role("row")).not_to_have_count(1)
    expect(results).not_to_contain_text("Loss")
    check_accessibility(page, "library")
    screenshot(page, "library")

    # Preview a parameterized bank item: the candidate's own numeric field, and the key.
    results.get_by_role("link").first.click()
    expect(page.get_by_role("heading", name="Question 1 of 1")).to_be_visible()
    expect(page.get_by_label("Your answer")).to_be_visible()
    expect(page.get_by_role("heading", name=re.compile("Answer key"))).to_be_visible()
    check_accessibility(page, "library preview")
    screenshot(page, "library-preview")

    # A parameterized question: the expression fails on a seed, the seed is named, the fix saves.
    page.get_by_role("link", name="Question library").click()
    page.get_by_role("link", name="New numeric question").click()
    page.get_by_label("Chain rule").check()
    page.get_by_label("Difficulty").select_option("2")
    page.get_by_label("Prompt").fill("Let y = {a} x². What is dy/dx at x = {x}?")
    page.get_by_label(re.compile("^Parameters")).fill(
        "a: {integers: [2, 9]}\nx: {uniform: [0.5, 3], decimals: 1}"
    )
    page.get_by_label(re.compile("^Answer")).fill("2 * a * x / (a - 5)")
    page.get_by_label("Relative tolerance").fill("0.001")
    page.get_by_label("Explanation").fill(f"The power rule. {XSS}")
    page.get_by_role("button", name="Save question").click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text(re.compile(r"at seed \d+: .*division by zero"))
    expect(page.get_by_label(re.compile("^Answer"))).to_have_value("2 * a * x / (a - 5)")
    check_accessibility(page, "question editor")
    screenshot(page, "library-editor-refused")
    page.get_by_label(re.compile("^Answer")).fill("2 * a * x")
    page.get_by_role("button", name="Save question").click()
    expect(page.get_by_role("status")).to_have_text("Question created.")
    expect(
        page.get_by_text(re.compile(r"Let y = \d x². What is dy/dx at x = [\d.]+\?"))
    ).to_be_visible()
    expect(page.get_by_role("region", name=re.compile("Answer key"))).to_contain_text(XSS)

    # A coding task with a broken reference: the judge refuses it with its report.
    page.get_by_role("link", name="Question library").click()
    page.get_by_role("link", name="New coding task").click()
    page.get_by_label("Backward pass").check()
    page.get_by_label("Title").fill("Scale each feature")
    page.get_by_label("Statement").fill("Write `scale_forward(x, a)` and `scale_backward`.")
    page.get_by_label("Starter code").fill(STARTER)
    page.get_by_label("Reference solution").fill(BROKEN_REFERENCE)
    page.get_by_label("Case spec").fill(SPEC)
    page.get_by_label("Explanation").fill("da sums dout * x over the batch.")
    check_accessibility(page, "coding task editor")
    page.get_by_role("button", name="Save and check with the judge").click()
    expect(page.get_by_role("heading", name="Rejected by the judge")).to_be_visible(timeout=60_000)
    expect(page.get_by_role("alert")).to_contain_text("The reference failed")
    report = page.get_by_role("region", name=re.compile("The reference at seed 0"))
    expect(report.get_by_role("row", name=re.compile("gradient da")).first).to_contain_text(
        "failed"
    )
    check_accessibility(page, "task rejected")
    screenshot(page, "library-task-rejected")

    # Fixed, it is accepted and previews with the candidate's editor area and the starter.
    page.get_by_role("link", name="Edit the task and try again").click()
    expect(page.get_by_label("Reference solution")).to_have_value(BROKEN_REFERENCE)
    page.get_by_label("Reference solution").fill(REFERENCE)
    page.get_by_role("button", name="Save and check with the judge").click()
    expect(page.get_by_text("Accepted")).to_be_visible(timeout=60_000)
    screenshot(page, "library-task-accepted")
    page.get_by_role("link", name="Preview the task").click()
    expect(page.get_by_role("button", name="Run public checks")).to_be_disabled()
    expect(page.get_by_text("dx, da = None, None  # TODO")).to_be_visible()
    task_url = page.url
    context.close()
    assert not problems, "\n".join(problems)

    # A viewer finds nothing to edit, and a hand-made POST is refused.
    _add_viewer(server, "vic@acme.test")
    viewer = _context(browser, server, "phone")
    try:
        vpage = viewer.new_page()
        vproblems = _watch(vpage, server)
        _sign_in(vpage, server, "vic@acme.test")
        vpage.goto(f"{server.base}/library?source=custom")
        expect(vpage.get_by_role("link", name="New coding task")).to_have_count(0)
        vpage.goto(task_url)
        expect(vpage.get_by_role("heading", name="Question 1 of 1")).to_be_visible()
        expect(vpage.get_by_role("link", name="Edit question")).to_have_count(0)
        expect(vpage.get_by_role("button", name="Archive question")).to_have_count(0)
        token = vpage.locator("form[action='/sign-out'] input[name=csrf_token]").input_value()
        refused = vpage.request.post(
            f"{task_url}/archive", form={"csrf_token": token}, max_redirects=0
        )
        assert refused.status == 403
        assert "You may not do this" in refused.text()
        assert not vproblems, "\n".join(vproblems)
    finally:
        viewer.close()
