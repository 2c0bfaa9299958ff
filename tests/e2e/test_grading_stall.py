"""A candidate whose code sleeps must not stall anyone else's requests (issue 9).

On SQLite a write transaction held while candidate code ran froze every request of every
organization for as long as the code ran. This runs a real server, keeps both grading workers
busy with sleeping submissions, and times another organization's reads and autosaves meanwhile.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from app.db import make_engine, make_sessionmaker
from app.organizations import service as organizations
from app.settings import REPO_ROOT, Settings
from tests.e2e.servers import free_port, running_server

SLEEP_SECONDS = 6
# Generous against the sleep: a request that waited on the grading would take seconds.
FAST_ENOUGH = 1.0
SLEEPER = (REPO_ROOT / "question_bank" / "coding" / "affine" / "reference.py").read_text() + (
    f"\nimport time\ntime.sleep({SLEEP_SECONDS})\n"
)


@dataclass
class Server:
    base: str
    keys: list[str]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    db = tmp_path_factory.mktemp("stall") / "stall_test.db"
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{db}", "PUBLIC_BASE_URL": base}
    command = [sys.executable, "-m", "app.cli", "serve", "--port", str(port)]
    with running_server(command, env, base):
        engine = make_engine(Settings(database_url=env["DATABASE_URL"]))
        with make_sessionmaker(engine)() as session:
            keys = [
                organizations.create_organization(
                    session, name=name, admin_email=f"hr@{name}.test"
                ).api_key
                for name in ("sleepy", "busy")
            ]
        engine.dispose()
        yield Server(base, keys)


class Timed:
    """An HTTP client that records how long each request took."""

    def __init__(self, client: httpx.Client) -> None:
        self.client = client
        self.seen: list[tuple[str, int, float]] = []

    def __call__(self, what: str, method: str, url: str, **kwargs: Any) -> httpx.Response:
        started = time.perf_counter()
        response = self.client.request(method, url, **kwargs)
        self.seen.append((what, response.status_code, time.perf_counter() - started))
        return response

    def table(self) -> str:
        lines = []
        for what in dict.fromkeys(what for what, _, _ in self.seen):
            took = sorted(s for w, _, s in self.seen if w == what)
            lines.append(
                f"  {what:28} n={len(took):3}  p50 {took[len(took) // 2] * 1000:7.1f} ms"
                f"  max {took[-1] * 1000:7.1f} ms"
            )
        return "\n".join(lines)


def _invite(api: httpx.Client, question_ids: list[str], n: int) -> list[str]:
    created = api.post(
        "/assessments", json={"title": "T", "question_ids": question_ids, "time_limit_minutes": 30}
    )
    assert created.status_code == 201, created.text
    tokens = []
    for i in range(n):
        invitation = api.post(
            f"/assessments/{created.json()['id']}/invitations",
            json={"candidate": {"email": f"c{i}@example.com", "name": f"C{i}"}},
        )
        assert invitation.status_code == 201, invitation.text
        tokens.append(invitation.json()["token"])
    return tokens


def test_sleeping_submissions_do_not_stall_other_organizations(server: Server) -> None:
    timeout = httpx.Timeout(60.0)
    sleepy = httpx.Client(
        base_url=f"{server.base}/api/v1",
        headers={"Authorization": f"Bearer {server.keys[0]}"},
        timeout=timeout,
    )
    busy = httpx.Client(
        base_url=f"{server.base}/api/v1",
        headers={"Authorization": f"Bearer {server.keys[1]}"},
        timeout=timeout,
    )
    with sleepy, busy:
        concept = busy.get("/questions", params={"kind": "single_choice"}).json()["items"][0]
        [other] = _invite(busy, [concept["id"]], 1)
        # Both grading workers get a sleeping submission from two candidates of one org.
        sleepers = _invite(sleepy, ["affine"], 2)
        for token in sleepers:
            assert busy.post(f"/take/{token}/start").status_code == 200
        [question] = busy.post(f"/take/{other}/start").json()["questions"]
        timed = Timed(busy)
        runs = []
        for token in sleepers:
            run = busy.post(f"/take/{token}/answers/affine/run", json={"source": SLEEPER})
            assert run.status_code == 202, run.text
            runs.append(f"/take/{token}/runs/{run.json()['run_id']}")

        deadline = time.monotonic() + 30
        status = [""]
        while set(status) <= {"", "queued"} or set(status) == {"running", "queued"}:
            assert time.monotonic() < deadline, "the sleeping runs never started"
            status = [timed("GET run (poll)", "GET", r).json()["status"] for r in runs]
            time.sleep(0.05)
        started = time.monotonic()
        save = f"/take/{other}/answers/{question['id']}"
        choice = question["choices"][0]["id"]
        while time.monotonic() - started < SLEEP_SECONDS / 2:
            timed("GET assessments (org)", "GET", "/assessments")
            timed("GET take overview", "GET", f"/take/{other}")
            timed("PUT answer (autosave)", "PUT", save, json={"response": {"choice": choice}})
        still = [timed("GET run (poll)", "GET", r).json()["status"] for r in runs]

    slow = [(what, status, round(s, 2)) for what, status, s in timed.seen if s >= FAST_ENOUGH]
    assert not slow, f"requests waited on the grading: {slow}\n{timed.table()}"
    failed = [(what, status) for what, status, _ in timed.seen if status >= 400]
    assert not failed
    assert status == still == ["running", "running"], "the measurements must overlap the grading"
