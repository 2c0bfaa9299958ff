"""Issue 13, must show 1: PostgreSQL restarted under load. The API answers 503 problems while it
is down, recovers by itself when it is back, and no acknowledged answer is lost.

PostgreSQL here is a cluster of the test's own (tests/scaled/postgres.py), never the machine's.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import httpx
import pytest

from tests.e2e.stall import REFERENCE
from tests.scaled.candidates import Candidates
from tests.scaled.cluster import Cluster, logs_dir, wait_for
from tests.scaled.postgres import PrivatePostgres


@pytest.fixture(scope="module")
def restartable() -> Iterator[tuple[PrivatePostgres, Cluster]]:
    postgres = PrivatePostgres()
    try:
        postgres.start()
        cluster = Cluster(logs_dir(), pg_admin=postgres.admin_url)
        try:
            cluster.start(apis=1, workers=0)
            yield postgres, cluster
        finally:
            cluster.stop()
    finally:
        postgres.destroy()


class Saver:
    """Saves one candidate's code again and again, numbering each version it sends."""

    def __init__(self, people: Candidates, token: str) -> None:
        self.people, self.token = people, token
        self.acknowledged = 0  # the last version the API answered 200 for
        self.answers: list[tuple[float, int, str]] = []  # (time, status, problem type)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        version = 0
        while not self._stop.is_set():
            version += 1
            source = f"# version {version}\n{REFERENCE}"
            try:
                answer = self.people.take(
                    self.token, "PUT", "/answers/affine", json={"response": {"source": source}}
                )
            except httpx.TransportError:
                self.answers.append((time.monotonic(), 0, "no answer"))
                continue
            problem = ""
            if answer.headers.get("content-type") == "application/problem+json":
                problem = f"{answer.json()['type']} retry-after={answer.headers.get('retry-after')}"
            self.answers.append((time.monotonic(), answer.status_code, problem))
            if answer.status_code == 200:
                self.acknowledged = version
            time.sleep(0.05)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=60)

    def since(self, moment: float) -> list[tuple[int, str]]:
        return [(status, problem) for at, status, problem in self.answers if at >= moment]


def test_postgres_restarted_503_meanwhile_recovers_and_loses_no_acknowledged_save(
    restartable: tuple[PrivatePostgres, Cluster],
) -> None:
    postgres, cluster = restartable
    [(_, base)] = cluster.apis
    people = Candidates(cluster, "restarted")
    tokens = people.started_with_code(3)
    savers = [Saver(people, token) for token in tokens]
    wait_for("saves before the outage", lambda: all(s.acknowledged >= 3 for s in savers))

    postgres.stop()
    down = time.monotonic()
    wait_for(
        "503 answers during the outage",
        lambda: all(sum(1 for st, _ in s.since(down) if st == 503) >= 3 for s in savers),
    )
    ready = httpx.get(f"{base}/readyz", timeout=30)
    assert ready.status_code == 503
    assert ready.json()["checks"]["database"].startswith("error")
    during = [answer for s in savers for answer in s.since(down)]

    postgres.start()
    up = time.monotonic()
    # Nobody restarts the API: its pool finds the dead connections and opens new ones.
    wait_for(
        "saves after the restart",
        lambda: all(any(st == 200 for st, _ in s.since(up)) for s in savers),
        timeout=60,
    )
    for saver in savers:
        saver.stop()
    assert httpx.get(f"{base}/readyz", timeout=30).status_code == 200

    # While it was down, a save was answered 503 with a problem, or (cut mid-way) 200 if it
    # had committed: never a 500, never an answer that is neither.
    assert {problem for status, problem in during if status == 503} == {
        "/problems/database-unavailable retry-after=5"
    }
    assert {status for status, _ in during} <= {200, 503}
    for saver in savers:
        stored = str(
            cluster.scalar(
                "SELECT a.response->>'source' FROM answer a JOIN attempt t ON t.id = a.attempt_id"
                " JOIN invitation i ON i.id = t.invitation_id WHERE a.question_id = 'affine'"
                " AND i.token_hash = encode(sha256(convert_to(:token, 'UTF8')), 'hex')",
                token=saver.token,
            )
        )
        version = int(stored.split("\n", 1)[0].removeprefix("# version "))
        # The last save may have committed with its answer lost on the way: never older.
        assert version >= saver.acknowledged
    people.close()
