"""A zygote that dies during a job: one retry on another zygote, then a verdict (KILLED)."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

from sandbox.isolation import slots
from sandbox.runners import Limits, PooledRunner, Termination
from sandbox.wire import Job

LIMITS = Limits(cpu_seconds=4, wall_seconds=6)
# Runs long enough (wall time, mostly sleeping) for the test to find its zygote and kill it.
SLOW = """
import time
import numpy as np

def slow(x):
    end = time.monotonic() + 0.8
    while time.monotonic() < end:
        time.sleep(0.01)
    return x * 2
"""
PLAN: list[dict[str, Any]] = [
    {"id": "s", "call": "slow", "args": [{"array": "x"}], "keep": {"y": []}}
]


@pytest.fixture
def pooled() -> Iterator[PooledRunner]:
    runner = PooledRunner(slots=1, recycle_after=1000)
    yield runner
    runner.close()


def _slot_processes(uid: int) -> dict[int, int]:
    """pid -> parent pid of every host process running as the slot's uid or its job uid."""
    uids = (uid, slots.job_uid_for(uid))
    found = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            if os.stat(f"/proc/{name}").st_uid not in uids:
                continue
            with open(f"/proc/{name}/stat", "rb") as fh:
                found[int(name)] = int(fh.read().rsplit(b")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
    return found


class ZygoteKiller(threading.Thread):
    """Kill the slot's zygote (bwrap's child, the job's parent) while a job runs, `times` times."""

    def __init__(self, uid: int, times: int) -> None:
        super().__init__(daemon=True)
        self.uid = uid
        self.times = times
        self.killed: list[int] = []
        self.stop = threading.Event()

    def run(self) -> None:
        while len(self.killed) < self.times and not self.stop.is_set():
            procs = _slot_processes(self.uid)
            parents = set(procs.values())
            # the zygote: a child of another slot process, with a child of its own (the job)
            zygotes = [
                p
                for p, pp in procs.items()
                if pp in procs and p in parents and p not in self.killed
            ]
            if zygotes:
                os.kill(zygotes[0], signal.SIGKILL)
                self.killed.append(zygotes[0])
            time.sleep(0.005)


def _run(pooled: PooledRunner, times: int) -> tuple[Any, list[int]]:
    killer = ZygoteKiller(pooled.uids[0], times)
    killer.start()
    try:
        outcome = pooled.run(Job(source=SLOW, arrays={"x": np.arange(3.0)}, plan=PLAN), LIMITS)
    finally:
        killer.stop.set()
        killer.join()
    return outcome, killer.killed


def test_a_job_whose_zygote_dies_once_is_retried_on_a_fresh_zygote(pooled: PooledRunner) -> None:
    outcome, killed = _run(pooled, times=1)
    assert len(killed) == 1
    assert outcome.termination is Termination.EXITED, outcome
    assert outcome.result is not None
    np.testing.assert_array_equal(outcome.result.outputs["y"], [0.0, 2.0, 4.0])


def test_a_job_whose_zygote_dies_twice_gets_a_killed_outcome(pooled: PooledRunner) -> None:
    outcome, killed = _run(pooled, times=2)
    assert len(killed) == 2
    assert (outcome.termination, outcome.result, outcome.signal) == (
        Termination.KILLED,
        None,
        signal.SIGKILL,
    )
    # the runner is whole again for the next job
    after = pooled.run(Job(source=SLOW, arrays={"x": np.ones(2)}, plan=PLAN), LIMITS)
    assert after.termination is Termination.EXITED, after
