"""The walls hold for code the harness's guards never see.

The import allowlist and the audit hook only give candidates friendly messages: a job can start
a fresh interpreter with ``_posixsubprocess.fork_exec``, where no hook runs and ctypes imports.
Everything that interpreter can do is what the namespaces, the slot uid, the seccomp allowlist,
the cgroups and the rlimits allow, so this test makes the raw calls from there.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from sandbox import Limits, PooledRunner
from sandbox.wire import Job
from tests.sandbox.payloads import CTYPES_PRELUDE, PRELUDE

LIMITS = Limits(cpu_seconds=5, wall_seconds=15, memory_bytes=256 * 2**20, open_files=48)
PLAN: list[dict[str, Any]] = [{"id": "p", "call": "probe", "keep": {"y": []}}]

ESCAPES = (
    CTYPES_PRELUDE
    + """
import resource
lines = open("/proc/self/status").read().splitlines()
status = dict(line.split(":\\t", 1) for line in lines if ":\\t" in line)
print("uid", os.getuid(), "caps", status["CapEff"].strip(), "nnp", status["NoNewPrivs"].strip(),
      "seccomp", status["Seccomp"].strip())
print("nofile", resource.getrlimit(resource.RLIMIT_NOFILE)[1])
call("socket", lambda: libc.socket(2, 1, 0))
call("unshare", lambda: libc.unshare(0x10000000))
call("mount", lambda: libc.mount(b"none", b"/tmp", b"tmpfs", 0, None))
call("prlimit_zygote", lambda: libc.syscall(302, 1, 7, None, None))
call("ptrace_zygote", lambda: libc.ptrace(16, 1, None, None))
call("setpriority_zygote", lambda: libc.setpriority(0, 1, 19))
call("kill_zygote", lambda: libc.kill(1, 9))
call("bpf", lambda: libc.syscall(321, 0, None, 0))
call("io_uring", lambda: libc.syscall(425, 1, None))
for path in ("/etc/passwd", "/work", "/var", "/home"):
    print("exists", path, os.path.exists(path))
# the interpreter's prefix is bound at its own path, which may lie under /root: nothing else
print("root", *sorted(os.listdir("/root")) if os.path.exists("/root") else [])
try:
    open("/evil", "w")
    print("wrote /evil")
except OSError as exc:
    print("write /", exc.errno)
"""
)

PROBE = (
    PRELUDE
    + f"""
def probe():
    print(_fork_exec_python({ESCAPES!r}))
    return 1.0
"""
)


@pytest.fixture(scope="module")
def report() -> Iterator[dict[str, list[str]]]:
    runner = PooledRunner(slots=1)
    try:
        outcome = runner.run(Job(source=PROBE, plan=PLAN), LIMITS)
        assert outcome.result is not None, outcome
        assert not outcome.result.errors, outcome.result.errors
        lines = [line.split() for line in outcome.result.stdout.splitlines() if line.strip()]
        yield {" ".join(parts[:2]) if parts[0] == "exists" else parts[0]: parts for parts in lines}
        # the zygote was not reached and still serves jobs
        again = runner.run(Job(source="def probe():\n    return 3.0\n", plan=PLAN), LIMITS)
        assert again.result is not None
        assert float(again.result.outputs["y"]) == 3.0
    finally:
        runner.close()


def test_the_execd_interpreter_has_no_privilege(report: dict[str, list[str]]) -> None:
    uid, caps, nnp, mode = report["uid"][1], report["uid"][3], report["uid"][5], report["uid"][7]
    assert int(uid) != 0
    assert int(caps, 16) == 0
    assert (nnp, mode) == ("1", "2")  # no_new_privs, and a seccomp filter is in force
    assert report["nofile"][1] == str(LIMITS.open_files)  # the job's rlimits carried over exec


@pytest.mark.parametrize(
    "call",
    [
        "socket",
        "unshare",
        "mount",
        "prlimit_zygote",
        "ptrace_zygote",
        "setpriority_zygote",
        "bpf",
        "io_uring",
    ],
)
def test_the_execd_interpreter_meets_seccomp(report: dict[str, list[str]], call: str) -> None:
    assert report[call][1:] == ["-1", "1"]  # EPERM


def test_the_execd_interpreter_sees_no_host_file_and_writes_nothing(
    report: dict[str, list[str]],
) -> None:
    for path in ("/etc/passwd", "/work", "/var", "/home"):
        assert report[f"exists {path}"][2] == "False", path
    assert report["root"][1:] in ([], [".pyenv"])
    assert report["write"][2] == "30"  # EROFS


def test_a_job_cannot_signal_its_zygote(report: dict[str, list[str]]) -> None:
    # The zygote runs as another uid (the fixture's next job then runs on the same slot);
    # test_zygote_uid.py tries every other way to reach it, with and without seccomp.
    assert report["kill_zygote"][1:] == ["-1", "1"]  # EPERM
