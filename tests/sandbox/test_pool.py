"""The warm pool under load: concurrent jobs stay apart, zygotes recycle, dead slots come back."""

from __future__ import annotations

import os
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import pytest

from sandbox import isolation
from sandbox.isolation import slots
from sandbox.runners import Limits, PooledRunner, RunOutcome, Termination
from sandbox.wire import Job

LIMITS = Limits(cpu_seconds=5, wall_seconds=10)
PLAN: list[dict[str, Any]] = [
    {"id": "s", "call": "tag", "args": [{"array": "x"}], "keep": {"y": []}}
]
SLEEPER = """
import time
def tag(x):
    time.sleep(60)
"""


def _source(k: int) -> str:
    # Both the source and the input are the job's own: a result from another job's source or
    # another job's arrays would not match.
    return f"import numpy as np\ndef tag(x):\n    return x * 2 + {k}\n"


def _job(k: int) -> Job:
    return Job(source=_source(k), arrays={"x": np.arange(5.0) + 1000 * k}, plan=PLAN)


def _is_right(outcome: RunOutcome, k: int) -> None:
    assert outcome.termination is Termination.EXITED, outcome
    assert outcome.result is not None
    assert outcome.result.status == "ok", outcome.result
    np.testing.assert_array_equal(outcome.result.outputs["y"], (np.arange(5.0) + 1000 * k) * 2 + k)


def _slot_processes(uids: list[int]) -> set[int]:
    found = set()
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                if os.stat(f"/proc/{name}").st_uid in uids:
                    found.add(int(name))
            except OSError:
                continue
    return found


def _cgroup_dirs(uids: list[int]) -> list[str]:
    return [
        str(path)
        for controller in (*isolation.V1_CONTROLLERS, "unified")
        for uid in uids
        if (path := slots.cgroup_path(controller, f"slot-{uid}")).exists()
    ]


@pytest.fixture
def two_slots() -> Iterator[PooledRunner]:
    runner = PooledRunner(slots=2, recycle_after=1000)
    yield runner
    runner.close()


def test_concurrent_jobs_each_get_their_own_result(two_slots: PooledRunner) -> None:
    jobs = range(24)  # 4 submitters x 6 jobs on 2 slots
    with ThreadPoolExecutor(max_workers=4) as submitters:
        outcomes = list(submitters.map(lambda k: two_slots.run(_job(k), LIMITS), jobs))
    for k, outcome in zip(jobs, outcomes, strict=True):
        _is_right(outcome, k)


def test_zygotes_are_recycled_after_recycle_after_jobs() -> None:
    runner = PooledRunner(slots=1, recycle_after=2)
    try:
        first = _slot_processes(runner.uids)
        _is_right(runner.run(_job(1), LIMITS), 1)
        assert _slot_processes(runner.uids) == first  # one job: the same zygote
        _is_right(runner.run(_job(2), LIMITS), 2)
        # the slot returns to the queue only once its fresh zygote is up
        _is_right(runner.run(_job(3), LIMITS), 3)
        second = _slot_processes(runner.uids)
        assert second
        assert not second & first, (first, second)
    finally:
        runner.close()


def test_a_slot_killed_at_its_deadline_is_replaced_and_serves_the_next_job() -> None:
    runner = PooledRunner(slots=1, recycle_after=1000)
    try:
        before = _slot_processes(runner.uids)
        outcome = runner.run(
            Job(source=SLEEPER, arrays={"x": np.zeros(1)}, plan=PLAN),
            Limits(cpu_seconds=1, wall_seconds=0.5),
        )
        assert outcome.termination is Termination.TIMEOUT, outcome
        assert outcome.wall_seconds < 3
        _is_right(runner.run(_job(7), LIMITS), 7)
        after = _slot_processes(runner.uids)
        assert after
        assert not after & before, (before, after)
    finally:
        runner.close()


def test_close_leaves_no_slot_process_and_no_cgroup(two_slots: PooledRunner) -> None:
    uids = two_slots.uids
    _is_right(two_slots.run(_job(1), LIMITS), 1)
    # a slot torn down mid-job right before close() must be cleaned up as well
    timed_out = two_slots.run(
        Job(source=SLEEPER, arrays={"x": np.zeros(1)}, plan=PLAN),
        Limits(cpu_seconds=1, wall_seconds=0.3),
    )
    assert timed_out.termination is Termination.TIMEOUT
    assert _slot_processes(uids)
    assert _cgroup_dirs(uids)
    two_slots.close()
    assert not _slot_processes(uids)
    assert not _cgroup_dirs(uids)


OOM_PROBE = """
import numpy as np
os = np.lib._utils_impl.os

def tag(x):
    own = float(open('/proc/self/oom_score_adj').read())
    zygote = float(open('/proc/1/oom_score_adj').read())
    # a non-dumpable process's /proc/<pid> files belong to root, not to its own uid
    dumpable = float(os.stat('/proc/self/oom_score_adj').st_uid == os.getuid())
    return np.array([own, zygote, dumpable])
"""


def test_a_pooled_job_is_the_oom_killers_pick_and_stays_non_dumpable(
    two_slots: PooledRunner,
) -> None:
    job = Job(source=OOM_PROBE, arrays={"x": np.zeros(1)}, plan=PLAN)
    for _ in range(2):  # the first fork and a later one of the same zygote
        outcome = two_slots.run(job, LIMITS)
        assert outcome.result is not None, outcome
        assert not outcome.result.errors, outcome.result.errors
        np.testing.assert_array_equal(outcome.result.outputs["y"], [1000.0, 0.0, 0.0])
