"""The browser tests' world: a real `chainrule serve`, an organization, Debian's Chromium."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import Browser, BrowserContext, Locator, Page, expect
from sqlalchemy import update

from app.db import make_engine, make_sessionmaker
from app.models import Attempt, Invitation
from app.settings import REPO_ROOT, Settings
from tests.e2e.servers import free_port

CHROMIUM = "/usr/bin/chromium"
# As root in a container, with no route out: no sandbox, and none of Chromium's own
# background traffic (machines/python-svc.md).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = REPO_ROOT / "var" / "screenshots"
SIZES = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}
AXE = REPO_ROOT / "node_modules" / "axe-core" / "axe.min.js"
RUN_LIMIT = 4


class Server:
    """`chainrule serve` on 127.0.0.1 with its own SQLite file; can be stopped and started."""

    def __init__(self, db: Path) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.database_url = f"sqlite:///{db}"
        self.env = {
            **os.environ,
            "DATABASE_URL": self.database_url,
            "PUBLIC_BASE_URL": self.base,
            # Low enough that the rate-limit test reaches it in a few fast runs; no other test
            # runs the checks more than RUN_LIMIT times on one attempt.
            "RUN_LIMIT": str(RUN_LIMIT),
        }
        self.env.pop("TEST_DATABASE_URL", None)
        self.process: subprocess.Popen[str] | None = None
        self.log = db.with_suffix(".log")

    def start(self, *, setup: bool = True) -> None:
        self.launch(setup=setup)
        self.wait_ready()

    def launch(self, *, setup: bool = True) -> None:
        """Start the process and return at once; wait_ready() waits for it to serve."""
        args = [sys.executable, "-m", "app.cli", "serve", "--port", str(self.port)]
        with self.log.open("a") as log:
            self.process = subprocess.Popen(
                [*args, *([] if setup else ["--no-setup"])],
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                text=True,
            )

    def wait_ready(self) -> None:
        assert self.process is not None, "launch() first"
        # Migrations and the bank sync take over a minute when the shared machine is loaded.
        deadline = time.monotonic() + 240
        while True:
            try:
                if httpx.get(f"{self.base}/readyz", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"server did not come up:\n{self.log.read_text()}")
            time.sleep(0.2)

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=30)
            self.process = None

    def cli(self, *args: str) -> str:
        return subprocess.run(
            [sys.executable, "-m", "app.cli", *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        ).stdout

    def update(
        self, model: type[Attempt] | type[Invitation], row_id: uuid.UUID, **values: Any
    ) -> None:
        """Change a row behind the server's back (a deadline, an expiry), as time would."""
        engine = make_engine(Settings(database_url=self.database_url))
        with make_sessionmaker(engine)() as session:
            session.execute(update(model).where(model.id == row_id).values(**values))
            session.commit()
        engine.dispose()


@dataclass
class Invited:
    token: str
    attempt_id: str
    invitation_id: str
    url: str


class Org:
    """The recruiter's side through the REST API, with a key from `chainrule create-org`."""

    def __init__(self, server: Server) -> None:
        created = json.loads(
            server.cli("create-org", "Acme", "--admin-email", "hr@acme.test", "--json")
        )
        self.server = server
        self.api = httpx.Client(
            base_url=f"{server.base}/api/v1",
            headers={"Authorization": f"Bearer {created['api_key']}"},
            timeout=30,
        )

    def assessment(self, question_ids: list[str], minutes: int = 30, **extra: Any) -> str:
        response = self.api.post(
            "/assessments",
            json={
                "title": "Backprop fundamentals",
                "question_ids": question_ids,
                "time_limit_minutes": minutes,
                **extra,
            },
        )
        assert response.status_code == 201, response.text
        return str(response.json()["id"])

    def invite(self, assessment_id: str) -> Invited:
        body = self.api.post(
            f"/assessments/{assessment_id}/invitations",
            json={"candidate": {"email": f"{uuid.uuid4().hex[:8]}@example.com", "name": "Ada"}},
        ).json()
        return Invited(
            body["token"],
            body["attempt_id"],
            body["invitation_id"],
            f"{self.server.base}/take/{body['token']}",
        )

    def attempt(self, attempt_id: str) -> dict[str, Any]:
        response = self.api.get(f"/attempts/{attempt_id}")
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    def wait_for(self, attempt_id: str, ready: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
        deadline = time.monotonic() + 90
        while True:
            body = self.attempt(attempt_id)
            if ready(body) or time.monotonic() > deadline:
                return body
            time.sleep(0.3)


def take_state(server: Server, token: str) -> dict[str, Any]:
    """What GET /api/v1/take/{token} returns now (the candidate's own view)."""
    response = httpx.get(f"{server.base}/api/v1/take/{token}", timeout=30)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def saved_answers(server: Server, token: str) -> dict[str, Any]:
    answers: dict[str, Any] = take_state(server, token)["answers"]
    return answers


def check_accessibility(page: Page, name: str) -> None:
    """Run axe-core in the page; fail on any serious or critical violation."""
    # Evaluated through the DevTools protocol: the page's CSP (rightly) refuses injected scripts.
    page.evaluate(AXE.read_text())
    result = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
        ".map(v => ({id: v.id, impact: v.impact, help: v.help,"
        " nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5)}))"
    )
    bad = [v for v in result if v["impact"] in ("serious", "critical")]
    assert not bad, f"axe on {name}: {json.dumps(bad, indent=1)}"


def screenshot(page: Page, name: str, *, show: Locator | None = None) -> None:
    """Save var/screenshots/<name>-<size>.png at both sizes, then restore the size.

    Pages with the sticky test header are shot as the candidate sees them (the viewport, with
    `show` scrolled into view); the others whole.
    """
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    original = page.viewport_size
    for size_name, size in SIZES.items():
        page.set_viewport_size(size)
        page.wait_for_timeout(150)  # let the editor re-measure
        # A page wider than the screen scrolls sideways as a whole: on a phone it looks broken.
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= size["width"], f"{name}-{size_name} is {width}px wide"
        if show is not None:
            page.evaluate("window.scrollTo(0, 0)")
            show.scroll_into_view_if_needed()
        # caret="initial": hiding the caret means injecting a <style>, which our CSP refuses.
        page.screenshot(
            path=str(SCREENSHOTS / f"{name}-{size_name}.png"),
            full_page=show is None,
            caret="initial",
        )
    if original:
        page.set_viewport_size(original)


def expect_saved(page: Page) -> None:
    expect(page.get_by_role("status")).to_have_text("Saved", timeout=15_000)


def watch(page: Page, base: str) -> list[str]:
    """What goes wrong on `page`, collected as it happens: script errors, CSP refusals, and
    requests leaving `base` (data: and about: URLs stay home)."""
    problems: list[str] = []
    page.on("pageerror", lambda e: problems.append(f"script error: {e}"))
    page.on(
        "console",
        lambda m: (
            problems.append(f"CSP: {m.text}") if "Content Security Policy" in m.text else None
        ),
    )
    page.on(
        "request",
        lambda r: (
            problems.append(f"left the origin: {r.url}")
            if not r.url.startswith((base, "data:", "about:"))
            else None
        ),
    )
    return problems


@contextmanager
def watched_context(
    browser: Browser, base: str, *, home: tuple[str, ...] = (), dialogs: bool = False
) -> Iterator[BrowserContext]:
    """A fresh desktop profile whose every page is watched: on leaving, fail on a script error,
    a CSP refusal, a request leaving `base` (data: and about: and `home` stay home) or, with
    `dialogs`, a dialog a script opened."""
    context = browser.new_context(viewport=SIZES["desktop"], reduced_motion="reduce")
    context.set_default_timeout(15_000)
    problems: list[str] = []
    stays = (base, "data:", "about:", *home)
    context.on(
        "request",
        lambda r: (
            None
            if r.url.startswith(stays)
            else problems.append(f"request left the origin: {r.url}")
        ),
    )

    def watch(page: Page) -> None:
        page.on("pageerror", lambda e: problems.append(f"script error: {e}"))
        page.on(
            "console",
            lambda m: (
                problems.append(f"CSP: {m.text} at {m.location} on {m.page and m.page.url}")
                if "Content Security Policy" in m.text
                else None
            ),
        )
        if dialogs:
            page.on("dialog", lambda d: problems.append(f"a script opened a dialog: {d.message}"))

    context.on("page", watch)
    yield context
    context.close()
    assert not problems, "\n".join(problems)


def set_password_and_sign_in(page: Page, link: str, name: str, password: str) -> None:
    """Follow create-org's one-time link as the new owner would."""
    page.goto(link)
    page.get_by_label("Your name").fill(name)
    page.get_by_label("New password").fill(password)
    page.get_by_label("Repeat the password").fill(password)
    page.get_by_role("button", name="Save the password and sign in").click()
