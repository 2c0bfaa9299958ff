"""Threads a candidate starts must hit pids.max, never the address-space limit first.

Each thread used to reserve an 8 MiB stack (glibc's default from RLIMIT_STACK) plus, on its first
malloc, a 64 MiB malloc arena. Under RLIMIT_AS that exhausted the address space before pids.max
stopped the threads, so a thread bomb ended as ``memory_limit`` or ``timeout`` depending on timing.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

from sandbox.runners import IsolatedRunner, Limits, Runner, Termination
from sandbox.wire import Job

LIMITS = Limits(cpu_seconds=1, wall_seconds=2.5, memory_bytes=256 * 2**20)
THREADS = 24  # below pids.max (32 + the zygote's share), so every start must succeed

# Starts THREADS threads that block on a lock (they malloc like any Python thread), and returns
# how many started and the growth of the process's address space.
COUNT_THREADS = f"""
import numpy as np

_sys = np.lib._utils_impl.sys


def _vm_kib():
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmSize:"):
                return int(line.split()[1])
    return -1


def start_threads():
    th = _sys.modules["_thread"]
    lock = th.allocate_lock()
    lock.acquire()

    def wait():
        x = [0.5] * 1000  # a malloc in the new thread: glibc gives it an arena
        lock.acquire()
        return x

    before = _vm_kib()
    started = 0
    for _ in range({THREADS}):
        try:
            th.start_new_thread(wait, ())
        except BaseException:
            break
        started += 1
    import time
    time.sleep(0.2)  # let every thread run up to its lock
    return float(started), float(_vm_kib() - before)
"""

THREAD_BOMB = """
import numpy as np

_sys = np.lib._utils_impl.sys


def _spin():
    while True:
        pass


def bomb():
    th = _sys.modules["_thread"]
    while True:
        try:
            th.start_new_thread(_spin, ())
        except RuntimeError:
            pass
"""


@pytest.fixture(scope="module")
def fresh() -> Iterator[IsolatedRunner]:
    isolated = IsolatedRunner(slots=1)
    yield isolated
    isolated.close()


def _count(runner: Runner) -> tuple[float, float]:
    plan: list[dict[str, Any]] = [
        {"id": "s", "call": "start_threads", "keep": {"started": [0], "grew": [1]}}
    ]
    outcome = runner.run(Job(source=COUNT_THREADS, plan=plan), LIMITS)
    assert outcome.result is not None, outcome
    assert outcome.result.errors == {}, outcome
    out = outcome.result.outputs
    return float(out["started"]), float(out["grew"])


def test_threads_start_with_small_stacks_in_the_pool(runner: Runner) -> None:
    started, grew_kib = _count(runner)
    assert started == THREADS
    # 8 MiB stacks would be >= 192 MiB here, arenas 64 MiB each; small stacks stay far below.
    assert grew_kib / THREADS < 1024, f"{grew_kib / THREADS:.0f} KiB of address space per thread"


def test_threads_start_with_small_stacks_in_a_fresh_sandbox(fresh: IsolatedRunner) -> None:
    started, grew_kib = _count(fresh)
    assert started == THREADS
    assert grew_kib / THREADS < 1024, f"{grew_kib / THREADS:.0f} KiB of address space per thread"


@pytest.mark.parametrize("attempt", range(3))
def test_thread_bomb_always_ends_as_a_timeout(runner: Runner, attempt: int) -> None:
    outcome = runner.run(Job(source=THREAD_BOMB, plan=[{"id": "b", "call": "bomb"}]), LIMITS)
    assert outcome.termination is Termination.TIMEOUT, (attempt, outcome)
    assert np.isfinite(outcome.wall_seconds)
