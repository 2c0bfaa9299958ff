"""A candidate whose code sleeps must not stall anyone else's requests (issue 9).

On SQLite a write transaction held while candidate code ran froze every request of every
organization for as long as the code ran. This runs a real server, keeps both grading threads
busy with sleeping submissions, and times another organization's reads and autosaves meanwhile.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from tests.e2e.browser import Server
from tests.e2e.stall import (
    Bystander,
    api_client,
    create_orgs,
    sleeper,
    start_sleeping_runs,
    wait_until_running,
)

SLEEP_SECONDS = 6
# Generous against the sleep: a request that waited on the grading would take seconds.
FAST_ENOUGH = 1.0


@pytest.fixture(scope="module")
def server(stall_launched: Server) -> Iterator[tuple[str, list[str]]]:
    stall_launched.wait_ready()
    yield stall_launched.base, create_orgs(stall_launched.database_url, ["sleepy", "busy"])
    stall_launched.stop()  # at the module's end, as before: its sleeping runs end with it


def test_sleeping_submissions_do_not_stall_other_organizations(
    server: tuple[str, list[str]],
) -> None:
    base, (sleepy_key, busy_key) = server
    with api_client(base, sleepy_key) as sleepy, api_client(base, busy_key) as busy:
        bystander = Bystander.started(busy)
        runs = start_sleeping_runs(sleepy, sleeper(SLEEP_SECONDS), 2)
        timed = bystander.timed
        status = wait_until_running(timed, runs)
        started = time.monotonic()
        while time.monotonic() - started < SLEEP_SECONDS / 2:
            bystander.round()
        still = [timed("GET run (poll)", "GET", r).json()["status"] for r in runs]

    slow = [(what, code, round(s, 2)) for what, code, s in timed.seen if s >= FAST_ENOUGH]
    assert not slow, f"requests waited on the grading: {slow}\n{timed.table()}"
    failed = [(what, code) for what, code, _ in timed.seen if code >= 400]
    assert not failed
    assert status == still == ["running", "running"], "the measurements must overlap the grading"
