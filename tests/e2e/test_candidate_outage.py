"""Issue 13 in the browser: PostgreSQL stops while a candidate types. The page keeps every
answer, says plainly that saving is retrying, refuses to submit with unsaved answers, survives a
reload, and saves the latest content once the database is back.

A real outage: a served API (`chainrule serve`, scaled mode) on a PostgreSQL cluster of the
test's own (tests/scaled/postgres.py), stopped and started again under the open page; the API
answers 503 `database-unavailable` with Retry-After meanwhile, as in production.
"""

from __future__ import annotations

import itertools
import json
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Route, expect

from tests.e2e.browser import (
    check_accessibility,
    expect_saved,
    screenshot,
    watched_context,
)
from tests.e2e.stall import api_client, create_orgs, invite
from tests.scaled.cluster import Cluster, logs_dir
from tests.scaled.postgres import PrivatePostgres

RETRYING = (
    "Server unavailable — not saved yet. Your answers are kept here; saving retries by itself"
)
# The API's pool finds its dead connections and reconnects; the page retries within ~12 s.
RECOVERY_MS = 60_000


@dataclass
class Deployment:
    postgres: PrivatePostgres
    cluster: Cluster
    base: str
    api: httpx.Client
    numeric: str


@pytest.fixture(scope="module")
def deployment() -> Iterator[Deployment]:
    postgres = PrivatePostgres()
    try:
        postgres.start()
        cluster = Cluster(logs_dir(), pg_admin=postgres.admin_url)
        try:
            cluster.start(apis=1, workers=0)
            [(_, base)] = cluster.apis
            [key] = create_orgs(cluster.database_url, ["outage"])
            with api_client(base, key) as api:
                numeric = api.get("/questions", params={"kind": "numeric"}).json()["items"][0]
                yield Deployment(postgres, cluster, base, api, numeric["id"])
        finally:
            cluster.stop()
    finally:
        postgres.destroy()


@pytest.fixture
def candidate(browser: Browser, deployment: Deployment) -> Iterator[BrowserContext]:
    """A fresh browser profile; the test fails on a script error, a CSP refusal or a request
    leaving the deployment's origin."""
    with watched_context(browser, deployment.base, home=("blob:",)) as context:
        yield context


@pytest.fixture
def outage(deployment: Deployment) -> Iterator[PrivatePostgres]:
    """The database, to stop mid-test; running again after the test whatever happened."""
    yield deployment.postgres
    if not _answers(deployment.base):
        deployment.postgres.start()


def _answers(base: str) -> bool:
    try:
        return httpx.get(f"{base}/readyz", timeout=30).status_code == 200
    except httpx.TransportError:
        return False


def invited(deployment: Deployment) -> str:
    [token] = invite(deployment.api, [deployment.numeric, "affine"], 1)
    return token


def saved_answers(deployment: Deployment, token: str) -> dict[str, Any]:
    response = httpx.get(f"{deployment.base}/api/v1/take/{token}", timeout=30)
    assert response.status_code == 200, response.text
    answers: dict[str, Any] = response.json()["answers"]
    return answers


def open_test(context: BrowserContext, deployment: Deployment, token: str) -> Page:
    page = context.new_page()
    page.goto(f"{deployment.base}/take/{token}")
    page.get_by_role("button", name="Start the test").click()
    expect(page.get_by_role("timer")).to_contain_text(re.compile(r"\d\d:\d\d"))
    return page


def go_to(page: Page, number: int) -> None:
    page.get_by_role("navigation", name="Questions").get_by_role(
        "link", name=re.compile(f"^{number}")
    ).click()


def type_code(page: Page, text: str) -> None:
    page.get_by_role("textbox", name="Your code (Python)").click()
    page.keyboard.press("Control+End")
    page.keyboard.type(text)


def pending_on_device(page: Page) -> dict[str, Any]:
    """The page's unconfirmed edits, as kept in this browser's localStorage."""
    records: dict[str, Any] = page.evaluate(
        "() => Object.keys(localStorage).filter((k) => k.endsWith(':pending'))"
        ".reduce((all, k) => ({...all, ...JSON.parse(localStorage.getItem(k))}), {})"
    )
    return records


def test_database_outage_while_typing_loses_nothing_and_saves_when_back(
    deployment: Deployment, candidate: BrowserContext, outage: PrivatePostgres
) -> None:
    token = invited(deployment)
    page = open_test(candidate, deployment, token)
    go_to(page, 2)
    type_code(page, "\n# before the outage")
    expect_saved(page)

    outage.stop()
    type_code(page, "\n# typed during the outage")
    status = page.get_by_role("status")
    expect(status).to_have_text(RETRYING, timeout=15_000)
    screenshot(page, "candidate-outage-retrying", show=status)
    check_accessibility(page, "test page while the database is down")
    page.get_by_role("button", name="Run public checks").click()
    expect(page.get_by_role("region", name="Results of the public checks")).to_contain_text(
        "Not run: the server is unavailable right now. Your code is kept"
    )

    # Another answer while it is down; leaving the question does not lose it either.
    page.get_by_role("button", name="Previous").click()
    page.get_by_role("textbox", name=re.compile("^Your answer")).fill("2.5")
    page.get_by_role("button", name="Next").click()
    expect(status).to_have_text(RETRYING)
    kept = pending_on_device(page)
    assert kept["affine"]["response"]["source"].endswith("# typed during the outage")
    assert kept[deployment.numeric]["response"] == {"value": 2.5}

    # Submitting now would leave answers behind: the page says so and does not submit.
    page.get_by_role("button", name="Submit test").click()
    dialog = page.get_by_role("dialog", name="Submit your test?")
    dialog.get_by_role("button", name="Submit test").click()
    expect(dialog.get_by_role("alert")).to_contain_text(
        "Not submitted: the server is unavailable, so some answers are not saved yet."
    )
    screenshot(page, "candidate-outage-submit-refused", show=dialog)
    dialog.get_by_role("button", name="Keep working").click()

    outage.start()
    # No reload, no click: the page's own retries save the latest content.
    expect(status).to_have_text("Saved", timeout=RECOVERY_MS)
    answers = saved_answers(deployment, token)
    assert answers["affine"]["response"]["source"].endswith(
        "# before the outage\n# typed during the outage"
    )
    assert answers[deployment.numeric]["response"] == {"value": 2.5}
    assert pending_on_device(page) == {}

    page.get_by_role("button", name="Submit test").click()
    dialog.get_by_role("button", name="Submit test").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you, your test is submitted")
    final = httpx.get(f"{deployment.base}/api/v1/take/{token}", timeout=30).json()
    assert final["status"] == "submitted"
    assert final["answers"]["affine"]["response"]["source"].endswith("# typed during the outage")


def test_reload_during_the_outage_keeps_the_answer_for_when_the_database_is_back(
    deployment: Deployment, candidate: BrowserContext, outage: PrivatePostgres
) -> None:
    token = invited(deployment)
    page = open_test(candidate, deployment, token)
    go_to(page, 2)
    outage.stop()
    type_code(page, "\n# typed, then the page reloaded during the outage")
    expect(page.get_by_role("status")).to_have_text(RETRYING, timeout=15_000)

    # The reload meets the outage: a readable 503 page; the edit waits in this browser.
    response = page.reload()
    assert response is not None
    assert response.status == 503
    assert response.headers["retry-after"] == "5"
    expect(page.get_by_role("heading", level=1)).to_have_text("The service is briefly unavailable")
    screenshot(page, "candidate-outage-reload")
    source = pending_on_device(page)["affine"]["response"]["source"]
    assert source.endswith("# typed, then the page reloaded during the outage")

    outage.start()
    page.wait_for_timeout(1000)
    # The candidate reloads as the page advises (until the API has reconnected it is the same
    # readable 503 page): the test opens, shows the edit and saves it.
    for _ in range(30):
        if page.reload().status == 200:  # type: ignore[union-attr]
            break
        page.wait_for_timeout(1000)
    expect_saved(page)
    expect(page.get_by_role("textbox", name="Your code (Python)")).to_contain_text(
        "# typed, then the page reloaded during the outage"
    )
    saved = saved_answers(deployment, token)["affine"]["response"]["source"]
    assert saved.endswith("# typed, then the page reloaded during the outage")
    assert pending_on_device(page) == {}


def test_answers_given_while_the_test_waits_to_load_are_saved_once_it_loads(
    deployment: Deployment, candidate: BrowserContext
) -> None:
    """The narrow window a real outage can't hold open: the page's HTML came, then its first
    API call met the outage. Here that call alone is answered 503 (Retry-After: 2) by the
    browser's request routing, for as long as the test says."""
    token = invited(deployment)
    page = open_test(candidate, deployment, token)
    overview = f"{deployment.base}/api/v1/take/{token}"
    refused: list[float] = []

    def unavailable(route: Route) -> None:
        if route.request.method != "GET":
            route.continue_()
            return
        refused.append(time.monotonic())
        route.fulfill(
            status=503,
            headers={"Retry-After": "2", "Content-Type": "application/problem+json"},
            body=json.dumps({"type": "/problems/database-unavailable", "status": 503}),
        )

    page.route(overview, unavailable)
    page.reload()
    banner = page.get_by_role("alert")
    expect(banner).to_contain_text("this page tries again by itself")
    expect(page.get_by_role("status")).to_have_text("Not loaded yet — retrying")
    # The candidate answers meanwhile: the question is on the page, the script not ready yet.
    page.get_by_role("textbox", name=re.compile("^Your answer")).fill("2.5")
    # Buttons that need the script say so instead of taking a click that would do nothing.
    for name in ("Previous", "Flag for review", "Next", "Submit test"):
        expect(page.get_by_role("button", name=name)).to_be_disabled()
    screenshot(page, "candidate-outage-loading", show=banner)
    while len(refused) < 3:
        page.wait_for_timeout(200)
    page.unroute(overview)

    expect(banner).to_be_hidden(timeout=RECOVERY_MS)
    expect_saved(page)
    assert saved_answers(deployment, token)[deployment.numeric]["response"] == {"value": 2.5}
    for name in ("Flag for review", "Next", "Submit test"):
        expect(page.get_by_role("button", name=name)).to_be_enabled()
    expect(page.get_by_role("button", name="Previous")).to_be_disabled()  # the first question
    # Retry-After 2 s, then the doubling backoff: never sooner.
    gaps = [later - earlier for earlier, later in itertools.pairwise(refused)]
    assert gaps[0] >= 2.0
    assert gaps[1] >= 4.0
