"""A pooled job runs as another uid than its zygote and cannot touch it, even past seccomp.

The red team's job lowered its zygote's open-files limit (same uid, prlimit64 allowed) and every
later job of the slot failed. seccomp now refuses prlimit64 on other processes and the zygote
checks itself after each job, but the wall that holds whatever a future filter lets through is
the uid: the zygote runs as the slot uid, each job as the slot's job uid, with no capability and
no way back. A job reads both uids, then an exec'd interpreter (no audit hook, ctypes) tries
every way to reach the zygote (signals, ptrace, prlimit, process_vm_writev, setpriority,
affinity, writes under /proc/1, taking the zygote's uid back) and each must fail with EPERM,
ESRCH or EACCES; the same slot's zygote then grades the reference with full marks. The attack
runs twice: through the real pool (every layer), and in a slot whose sandbox has no seccomp
filter at all, where only the uid stands in the way.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from sandbox import PooledRunner, Verdict, grade, load_task
from sandbox.isolation import probe, runtime, slots
from sandbox.isolation.capabilities import Capabilities
from sandbox.runners import Limits, Termination
from sandbox.runners import zygotes as pool
from sandbox.wire import Job, encode_job
from tests.sandbox.payloads import CTYPES_PRELUDE, PRELUDE

AFFINE = Path(__file__).resolve().parents[2] / "question_bank" / "coding" / "affine"
LIMITS = Limits(cpu_seconds=10, wall_seconds=30, memory_bytes=256 * 2**20)
PLAN: list[dict[str, Any]] = [{"id": "p", "call": "probe", "keep": {"y": []}}]
REFUSED = {errno.EPERM, errno.ESRCH, errno.EACCES}

# Runs in the exec'd interpreter as the job uid: one "ATTEMPT <what> <pid> <ret> <errno>" line
# per try on every process of the sandbox that is not the job's own (the zygote, pid 1).
PAYLOAD = (
    CTYPES_PRELUDE
    + r"""
import signal
libc.ptrace.restype = ctypes.c_long
SYS = {"prlimit64": 302, "process_vm_readv": 310, "process_vm_writev": 311}

def uid_of(pid):
    with open("/proc/%d/status" % pid) as fh:
        return int(next(l for l in fh if l.startswith("Uid:")).split()[1])

# every process of the sandbox but this one and the job it runs for: the zygote (pid 1)
ours = {os.getpid(), os.getppid()}
others = sorted(p for p in (int(n) for n in os.listdir("/proc") if n.isdigit()) if p not in ours)
print("OTHERS", " ".join(map(str, others)))

def attempt(what, pid, fn):
    ctypes.set_errno(0)
    try:
        ret = fn()
        err = ctypes.get_errno() if ret == -1 else 0
    except OSError as exc:
        ret, err = -1, exc.errno
    print("ATTEMPT", what, pid, ret, err)

class Rlimit(ctypes.Structure):
    _fields_ = [("cur", ctypes.c_uint64), ("max", ctypes.c_uint64)]

class Iovec(ctypes.Structure):
    _fields_ = [("base", ctypes.c_void_p), ("len", ctypes.c_size_t)]

buf = ctypes.create_string_buffer(64)
local = Iovec(ctypes.cast(buf, ctypes.c_void_p), 64)
remote = Iovec(0x400000, 64)
low = Rlimit(16, 16)
mask = (ctypes.c_ulong * 16)(1)
L = ctypes.c_long  # syscall() is variadic: every argument a full register wide

for pid in others:
    for sig in (0, signal.SIGSTOP, signal.SIGTERM, signal.SIGKILL):
        attempt("kill%d" % sig, pid, lambda: libc.kill(pid, sig))
    attempt("ptrace_attach", pid, lambda: libc.ptrace(16, pid, None, None))
    attempt("ptrace_seize", pid, lambda: libc.ptrace(0x4206, pid, None, None))
    attempt("prlimit_nofile", pid, lambda: libc.syscall(
        SYS["prlimit64"], L(pid), L(7), ctypes.byref(low), None))
    attempt("prlimit_cpu", pid, lambda: libc.syscall(
        SYS["prlimit64"], L(pid), L(0), ctypes.byref(low), None))
    for name in ("process_vm_writev", "process_vm_readv"):
        attempt(name, pid, lambda: libc.syscall(
            SYS[name], L(pid), ctypes.byref(local), L(1), ctypes.byref(remote), L(1), L(0)))
    attempt("setpriority", pid, lambda: libc.setpriority(0, pid, 19))
    attempt("sched_setaffinity", pid, lambda: libc.sched_setaffinity(
        pid, ctypes.sizeof(mask), mask))
    for leaf in ("oom_score_adj", "oom_adj", "comm", "timerslack_ns", "clear_refs", "mem",
                 "attr/current", "coredump_filter", "sched", "setgroups", "uid_map"):
        attempt("write_" + leaf, pid, lambda: os.write(
            os.open("/proc/%d/%s" % (pid, leaf), os.O_WRONLY), b"1"))
    zuid = uid_of(pid)
    attempt("setresuid", pid, lambda: libc.setresuid(zuid, zuid, zuid))
    attempt("setuid", pid, lambda: libc.setuid(zuid))
    attempt("setresgid", pid, lambda: libc.setresgid(zuid, zuid, zuid))
with open("/proc/self/status") as fh:  # real, effective, saved, filesystem ids
    print("STILL", *[w for l in fh if l.startswith(("Uid:", "Gid:")) for w in l.split()[1:]])
"""
)

ATTACK = (
    PRELUDE
    + f"""
def _status(pid):
    with open("/proc/%d/status" % pid) as fh:
        return dict(line.rstrip("\\n").split(":\\t", 1) for line in fh if ":\\t" in line)


def probe():
    mine, zygote = _status(os.getpid()), _status(1)
    for key in ("Uid", "Gid", "CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb", "NoNewPrivs"):
        print("SELF", key, mine[key].split()[0])
    print("ZYGOTE", "Uid", zygote["Uid"].split()[0])
    print(_fork_exec_python({PAYLOAD!r}))
    return np.array(1.0)
"""
)


def _report(stdout: str) -> tuple[dict[str, str], str, list[tuple[str, int, int, int]], str]:
    me: dict[str, str] = {}
    zygote_uid = ""
    attempts = []
    still = ""
    for line in stdout.splitlines():
        words = line.split()
        if words[:1] == ["SELF"]:
            me[words[1]] = words[2]
        elif words[:1] == ["ZYGOTE"]:
            zygote_uid = words[2]
        elif words[:1] == ["ATTEMPT"]:
            attempts.append((words[1], int(words[2]), int(words[3]), int(words[4])))
        elif words[:1] == ["STILL"]:
            still = line
    return me, zygote_uid, attempts, still


def _assert_walled_off(stdout: str, zygote_uid: int) -> None:
    me, seen_zygote_uid, attempts, still = _report(stdout)
    assert {pid for _, pid, _, _ in attempts} == {1}, stdout  # the zygote is pid 1
    reached = [a for a in attempts if a[2] != -1 or a[3] not in REFUSED]
    assert not reached, f"reached the zygote: {reached}\n{stdout}"
    assert seen_zygote_uid == str(zygote_uid), stdout
    job_uid = int(me["Uid"])
    assert job_uid != zygote_uid, stdout
    assert min(job_uid, zygote_uid) >= 1000, stdout  # neither is privileged
    assert me["Gid"] == str(job_uid), stdout
    caps = {k: int(v, 16) for k, v in me.items() if k.startswith("Cap")}
    assert caps == dict.fromkeys(("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"), 0), stdout
    assert me["NoNewPrivs"] == "1", stdout
    assert still.split()[1:] == [str(job_uid)] * 8, stdout  # and no way back to the zygote's


@pytest.fixture
def one_slot() -> Iterator[PooledRunner]:
    runner = PooledRunner(slots=1, recycle_after=1000)
    yield runner
    runner.close()


def _zygote_pid(uid: int) -> int:
    for name in os.listdir("/proc"):
        try:
            status = Path(f"/proc/{name}/status").read_text() if name.isdigit() else ""
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        if fields and fields["Uid"].split()[0] == str(uid) and fields["NSpid"].split()[-1] == "1":
            return int(name)
    raise AssertionError("no zygote found")


def test_a_job_cannot_reach_its_zygote_and_the_slot_then_grades_the_reference(
    one_slot: PooledRunner,
) -> None:
    zygote = _zygote_pid(one_slot.uids[0])
    attack = one_slot.run(Job(source=ATTACK, plan=PLAN), LIMITS)
    assert attack.termination is Termination.EXITED, attack
    assert attack.result is not None, attack
    assert not attack.result.errors, attack
    _assert_walled_off(attack.result.stdout, one_slot.uids[0])
    task = load_task(AFFINE)
    for seed in (3, 4):
        after = grade(task, task.reference, runner=one_slot, seed=seed, hidden=True)
        assert after.verdict is Verdict.PASSED, after.message
        assert after.score == after.max_score
    assert _zygote_pid(one_slot.uids[0]) == zygote  # intact: never recycled


@pytest.fixture
def unfiltered_zygote() -> Iterator[pool.Zygote]:
    """A zygote whose sandbox has every layer but seccomp: a stand-in for a filter with a gap."""
    found = probe()
    caps = Capabilities(present={**found.present, "seccomp": False}, reasons=found.reasons)
    slot = slots.acquire_slot(caps)
    zygote = None
    try:
        zygote = pool.sandboxed_zygote(runtime.ensure(runtime.DEFAULT_DIR), slot, caps)
        yield zygote
    finally:
        if zygote is not None:
            zygote.destroy()
        slot.release()


def test_without_seccomp_the_uid_alone_keeps_a_job_from_its_zygote(
    unfiltered_zygote: pool.Zygote,
) -> None:
    assert unfiltered_zygote.slot is not None
    uid = unfiltered_zygote.slot.uid
    outcome, healthy = pool.run_on(
        unfiltered_zygote, encode_job(Job(source=ATTACK, plan=PLAN)), LIMITS
    )
    assert outcome.result is not None, outcome
    assert not outcome.result.errors, outcome
    _assert_walled_off(outcome.result.stdout, uid)
    assert healthy  # the zygote's own check after the job: nothing about it changed
    honest = Job(source="def probe():\n    return 2.0\n", plan=PLAN)
    after, healthy = pool.run_on(unfiltered_zygote, encode_job(honest), LIMITS)
    assert healthy, after
    assert after.result is not None, after
    np.testing.assert_array_equal(after.result.outputs["y"], 2.0)
