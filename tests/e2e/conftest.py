"""Fixtures of the browser tests: one server and one Chromium for the session, a fresh context
per test that fails the test on a script error, a CSP violation or a request leaving the origin.

The browser and served-process tests run once per CI run: every one serves from its own SQLite
file whatever the suite's database is, so the PostgreSQL pass (TEST_DATABASE_URL set) collects
none of them again.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Playwright, sync_playwright

from tests.e2e.browser import CHROMIUM, CHROMIUM_ARGS, Org, Server, watched_context
from tests.mail.smtp_sink import Sink, smtp_sink

if os.environ.get("TEST_DATABASE_URL"):
    collect_ignore_glob = ["test_*.py"]

# The servers besides the session one, launched as soon as it is ready (when a collected test
# needs them); each is waited for at its first use.
BOOT_AHEAD = ("hooks_and_mail_launched", "stall_launched")


@pytest.fixture(scope="session")
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    server = Server(tmp_path_factory.mktemp("browser") / "browser_test.db")
    server.start()
    # Booting takes 5-30 s of a loaded machine: the other servers boot while the first tests
    # run (they mostly wait on the browser), not when their first test asks for them.
    for launched in BOOT_AHEAD:
        if any(launched in item.fixturenames for item in request.session.items):
            request.getfixturevalue(launched)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def mail() -> Iterator[tuple[str, Sink]]:
    """An SMTP sink on 127.0.0.1: its SMTP_URL and what it received."""
    with smtp_sink() as sink:
        yield sink


@pytest.fixture(scope="session")
def hooks_and_mail_launched(
    tmp_path_factory: pytest.TempPathFactory, mail: tuple[str, Sink]
) -> Iterator[Server]:
    """A second server, for the settings the session one must not have: webhooks may go to
    receivers on 127.0.0.1, mail goes to the sink, and every candidate invitation "expires soon".
    One for the webhook and workspace modules: each works in an organization of its own."""
    server = Server(tmp_path_factory.mktemp("hooks") / "hooks_test.db")
    server.env["WEBHOOK_ALLOW_PRIVATE_TARGETS"] = "true"
    server.env["SMTP_URL"] = mail[0]
    server.env["INVITATION_VALID_DAYS"] = "2"
    server.launch()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def stall_launched(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The grading-stall test's own server: both grading threads free for its measurement."""
    server = Server(tmp_path_factory.mktemp("stall") / "stall_test.db")
    server.launch()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def hooks_and_mail_server(hooks_and_mail_launched: Server) -> Server:
    hooks_and_mail_launched.wait_ready()
    return hooks_and_mail_launched


@pytest.fixture(scope="session")
def org(server: Server) -> Iterator[Org]:
    org = Org(server)
    yield org
    org.api.close()


# Per package, not per session: Playwright's sync API keeps an asyncio loop running in the main
# thread until it stops, and the tests a worker runs after these (scripts/test's pytest-xdist
# workers) may start loops of their own there (anyio.run).
@pytest.fixture(scope="package")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="package")
def browser(playwright: Playwright) -> Iterator[Browser]:
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture
def context(browser: Browser, server: Server) -> Iterator[BrowserContext]:
    with watched_context(browser, server.base, home=("blob:",)) as context:
        yield context
