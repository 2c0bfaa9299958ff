"""Nothing a pooled job does survives it, and no job can change its slot's zygote.

A job writes everywhere it can (every writable directory, /dev/shm full of pages, SysV and POSIX
IPC through an exec'd interpreter with ctypes), and the next job of the same slot must find
nothing and still have its whole memory limit. A job that lowers its zygote's limits (the red
team's prlimit attack) must neither succeed nor poison later jobs.
"""

from __future__ import annotations

import os
import resource
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from sandbox import Limits, PooledRunner, Termination, Verdict, grade, load_task
from sandbox.wire import Job
from tests.sandbox.payloads import CTYPES_PRELUDE, PRELUDE

AFFINE = Path(__file__).resolve().parents[2] / "question_bank" / "coding" / "affine"
MEMORY = 256 * 2**20
LIMITS = Limits(cpu_seconds=10, wall_seconds=30, memory_bytes=MEMORY)
MARK = "JOB1MARK7Q"
PLAN: list[dict[str, Any]] = [{"id": "p", "call": "probe", "keep": {"y": []}}]

IPC_WRITER = (
    CTYPES_PRELUDE
    + f"""
key = 0x4A4F4231
call("shmget", lambda: libc.shmget(key, 4096, 0o1666))
call("msgget", lambda: libc.msgget(key, 0o1666))
call("semget", lambda: libc.semget(key, 1, 0o1666))
call("mq_open", lambda: libc.mq_open(b"/{MARK}", os.O_CREAT | os.O_RDWR, 0o666, None))
for d in ("/dev/shm", "/dev", "/"):
    try:
        with open(os.path.join(d, "{MARK}.ctypes"), "w") as fh:
            fh.write("{MARK}")
        print("wrote", d)
    except OSError as exc:
        print("refused", d, exc.errno)
"""
)

WRITER = (
    PRELUDE
    + f'''
MARK = "{MARK}"


def probe():
    wrote = []
    for root, dirs, _ in os.walk("/"):
        dirs[:] = [d for d in dirs if os.path.join(root, d) not in ("/proc", "/sys")]
        try:
            with open(os.path.join(root, MARK), "w") as fh:
                fh.write(MARK)
            wrote.append(root)
        except OSError:
            pass
    print(_fork_exec_python({IPC_WRITER!r}))  # before /tmp is full
    # Pages in /dev/shm and /tmp: 8 MiB files (RLIMIT_FSIZE), as much as each place takes.
    for place in ("/dev/shm", "/tmp"):
        for i in range(24):
            try:
                with open(os.path.join(place, f"{{MARK}}.{{i}}"), "wb") as fh:
                    fh.write(b"x" * (8 * 2**20 - 4096))
            except OSError:
                break
    print("WROTE", wrote)
    return np.array(float(len(wrote)))
'''
)

IPC_READER = (
    CTYPES_PRELUDE
    + f"""
key = 0x4A4F4231
call("shmget", lambda: libc.shmget(key, 0, 0))
call("msgget", lambda: libc.msgget(key, 0))
call("semget", lambda: libc.semget(key, 0, 0))
call("mq_open", lambda: libc.mq_open(b"/{MARK}", os.O_RDONLY, 0, None))
"""
)

READER = (
    PRELUDE
    + f'''
MARK = "{MARK}"


def probe():
    found = []
    for root, dirs, files in os.walk("/"):
        dirs[:] = [d for d in dirs if os.path.join(root, d) not in ("/proc", "/sys")]
        found += [os.path.join(root, f) for f in files if MARK in f]
    ipc = 0
    for table in ("shm", "msg", "sem"):
        with open(f"/proc/sysvipc/{{table}}") as fh:
            ipc += len(fh.read().splitlines()) - 1
    reports = _fork_exec_python({IPC_READER!r}).split("\\n")
    # a found IPC object would make its call return a non-negative id
    opened = len([r for r in reports if r.split()[1:2] and r.split()[1].isdigit()])
    hoard = np.ones(int({MEMORY} * 0.75) // 8)  # touches every page
    print("FOUND", found, reports)
    return np.array([float(len(found)), float(ipc), float(opened), float(hoard[-1])])
'''
)


@pytest.fixture
def one_slot() -> Iterator[PooledRunner]:
    runner = PooledRunner(slots=1, recycle_after=1000)
    yield runner
    runner.close()


def test_nothing_a_job_writes_reaches_the_next_job_of_its_slot(one_slot: PooledRunner) -> None:
    wrote = one_slot.run(Job(source=WRITER, plan=PLAN), LIMITS)
    assert wrote.result is not None, wrote
    assert not wrote.result.errors, wrote.result.errors
    # /tmp is the one writable directory (emptied after the job)
    assert wrote.result.outputs["y"] == 1.0, wrote.result.stdout
    read = one_slot.run(Job(source=READER, plan=PLAN), LIMITS)
    assert read.termination is Termination.EXITED, read
    assert read.result is not None
    assert not read.result.errors, read.result.errors
    found, ipc, opened, allocated = read.result.outputs["y"]
    assert (found, ipc, opened) == (0, 0, 0), read.result.stdout
    assert allocated == 1.0  # three quarters of the memory limit, after a job that filled shm


PRLIMIT_ZYGOTE = (
    PRELUDE
    + """
def _affine(x, w, b):
    return x.reshape(x.shape[0], -1) @ w + b, (x, w, b)


def affine_backward(dout, cache):
    x, w, b = cache
    return (dout @ w.T).reshape(x.shape), x.reshape(x.shape[0], -1).T @ dout, dout.sum(axis=0)


def affine_forward(x, w, b):
    res = sys.modules["resource"]
    for target in (1, os.getppid()):
        try:
            res.prlimit(target, res.RLIMIT_NOFILE, (16, 16))
            print("LOWERED", target)
        except OSError as exc:
            print("BLOCKED", target, exc.errno)
    return _affine(x, w, b)
"""
)


def test_a_job_cannot_lower_its_zygotes_limits(one_slot: PooledRunner) -> None:
    task = load_task(AFFINE)
    attack = grade(task, PRLIMIT_ZYGOTE, runner=one_slot, seed=5, hidden=True)
    assert "LOWERED" not in attack.to_dict("recruiter")["stdout"]
    for seed in (5, 6):  # the reference, on the same slot, twice
        after = grade(task, task.reference, runner=one_slot, seed=seed, hidden=True)
        assert after.verdict is Verdict.PASSED, after.message
        assert after.score == after.max_score


def _zygote_pid(uids: list[int]) -> int:
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            if os.stat(f"/proc/{name}").st_uid not in uids:
                continue
            status = Path(f"/proc/{name}/status").read_text()
        except OSError:
            continue
        nspid = next(line.split()[1:] for line in status.splitlines() if line.startswith("NSpid"))
        if len(nspid) > 1 and nspid[-1] == "1":
            return int(name)
    raise AssertionError("no zygote found")


SLEEPER = "import time\ndef probe():\n    time.sleep(1.0)\n    return 1.0\n"
HONEST = "def probe():\n    return 2.0\n"


def test_a_zygote_whose_limits_changed_during_a_job_is_replaced(one_slot: PooledRunner) -> None:
    # As if a job had found a way around seccomp: root lowers the zygote's limit mid-job.
    zygote = _zygote_pid(one_slot.uids)

    spoiled: list[int] = []

    def spoil() -> None:
        time.sleep(0.3)
        # The host's root lacks CAP_SYS_RESOURCE here: act as the slot uid, as a job would.
        pid = os.fork()
        if pid == 0:
            try:
                os.setresgid(one_slot.uids[0], one_slot.uids[0], one_slot.uids[0])
                os.setresuid(one_slot.uids[0], one_slot.uids[0], one_slot.uids[0])
                resource.prlimit(zygote, resource.RLIMIT_NOFILE, (32, 32))
            finally:
                os._exit(0 if resource.prlimit(zygote, resource.RLIMIT_NOFILE)[1] == 32 else 1)
        spoiled.append(os.waitpid(pid, 0)[1])

    spoiler = threading.Thread(target=spoil)
    spoiler.start()
    slept = one_slot.run(Job(source=SLEEPER, plan=PLAN), LIMITS)
    spoiler.join()
    assert spoiled == [0]
    assert slept.result is not None, slept
    for _ in range(3):  # the spoiled zygote serves none of these
        honest = one_slot.run(Job(source=HONEST, plan=PLAN), LIMITS)
        assert honest.result is not None, honest
        np.testing.assert_array_equal(honest.result.outputs["y"], 2.0)
    assert _zygote_pid(one_slot.uids) != zygote
