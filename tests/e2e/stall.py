"""The sleeping-submission scenario, shared by its test and bench/grading_stall.py.

One organization's candidates submit code that sleeps, so every grading thread is busy running
candidate code; another organization's recruiter and candidate keep using the service meanwhile.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import httpx

from app.db import make_engine, make_sessionmaker
from app.organizations import service as organizations
from app.settings import REPO_ROOT, Settings

REFERENCE = (REPO_ROOT / "question_bank" / "coding" / "affine" / "reference.py").read_text()


def sleeper(seconds: float) -> str:
    """The affine reference, with a sleep when the module loads in the sandbox."""
    return f"{REFERENCE}\nimport time\ntime.sleep({seconds})\n"


def create_orgs(database_url: str, names: list[str]) -> list[str]:
    """Create organizations straight in the server's database; their API keys."""
    engine = make_engine(Settings(database_url=database_url))
    with make_sessionmaker(engine)() as session:
        keys = [
            organizations.create_organization(
                session, name=name, admin_email=f"hr@{name}.test"
            ).api_key
            for name in names
        ]
    engine.dispose()
    return keys


class Timed:
    """Sends requests through one client and records how long each took."""

    def __init__(self, client: httpx.Client) -> None:
        self.client = client
        self.seen: list[tuple[str, int, float]] = []

    def __call__(self, what: str, method: str, url: str, **kwargs: Any) -> httpx.Response:
        started = time.perf_counter()
        response = self.client.request(method, url, **kwargs)
        self.seen.append((what, response.status_code, time.perf_counter() - started))
        return response

    def seconds(self, what: str) -> list[float]:
        return sorted(s for w, _, s in self.seen if w == what)

    def table(self) -> str:
        lines = []
        for what in dict.fromkeys(what for what, _, _ in self.seen):
            took = self.seconds(what)
            lines.append(
                f"  {what:24} n={len(took):4}  p50 {took[len(took) // 2] * 1000:7.1f} ms"
                f"  max {took[-1] * 1000:7.1f} ms"
            )
        return "\n".join(lines)


def api_client(base: str, key: str) -> httpx.Client:
    return httpx.Client(
        base_url=f"{base}/api/v1",
        headers={"Authorization": f"Bearer {key}"},
        timeout=httpx.Timeout(60.0),
    )


def invite(api: httpx.Client, question_ids: list[str], n: int) -> list[str]:
    """An assessment of these questions and n invitations to it; their tokens."""
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


@dataclass
class Bystander:
    """Another organization: its recruiter lists assessments, its candidate reads and saves."""

    timed: Timed
    token: str
    question: dict[str, Any]

    @classmethod
    def started(cls, busy: httpx.Client) -> Bystander:
        concept = busy.get("/questions", params={"kind": "single_choice"}).json()["items"][0]
        [token] = invite(busy, [concept["id"]], 1)
        [question] = busy.post(f"/take/{token}/start").json()["questions"]
        return cls(Timed(busy), token, question)

    def round(self) -> None:
        """One of each request; `timed` keeps their latencies and statuses."""
        self.timed("GET assessments (org)", "GET", "/assessments")
        self.timed("GET take overview", "GET", f"/take/{self.token}")
        choice = {"choice": self.question["choices"][0]["id"]}
        self.timed(
            "PUT answer (autosave)",
            "PUT",
            f"/take/{self.token}/answers/{self.question['id']}",
            json={"response": choice},
        )


def start_sleeping_runs(sleepy: httpx.Client, source: str, n: int) -> list[str]:
    """n candidates of the sleepy organization run `source`; the runs' URLs to poll."""
    runs = []
    for token in invite(sleepy, ["affine"], n):
        assert sleepy.post(f"/take/{token}/start").status_code == 200
        run = sleepy.post(f"/take/{token}/answers/affine/run", json={"source": source})
        assert run.status_code == 202, run.text
        runs.append(f"/take/{token}/runs/{run.json()['run_id']}")
    return runs


def wait_until_running(timed: Timed, runs: list[str], timeout: float = 30.0) -> list[str]:
    """Poll until every run is running (or one already finished); their last statuses."""
    deadline = time.monotonic() + timeout
    while True:
        status = [timed("GET run (poll)", "GET", r).json()["status"] for r in runs]
        if "queued" not in status or time.monotonic() > deadline:
            return status
        time.sleep(0.05)
