"""Runner implementations: how one job reaches a child process and how its outcome comes back.

``PooledRunner`` (warm zygotes, isolated: the default) and ``IsolatedRunner`` (fresh bwrap per
run) refuse to run without every isolation layer unless ``allow_weaker=True``.
``UnsafeLocalRunner`` is a plain subprocess without any isolation, for the benchmark baseline and
for tests of the grading logic only.
"""

from __future__ import annotations

import contextlib
import os
import selectors
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Protocol

from sandbox import runtime
from sandbox.errors import SandboxError
from sandbox.limits import BOOTSTRAP, Limits
from sandbox.protocol import MAX_FRAME_BYTES, Job, ProtocolError, Result, decode_result, encode_job

__all__ = [
    "Limits",
    "RunOutcome",
    "Runner",
    "Termination",
    "UnsafeLocalRunner",
]

STDERR_TAIL_BYTES = 4096


class Termination(StrEnum):
    """How the child ended."""

    EXITED = "exited"
    TIMEOUT = "timeout"  # wall deadline or CPU limit
    MEMORY_LIMIT = "memory_limit"  # OOM kill, or MemoryError raised in candidate code
    OUTPUT_LIMIT = "output_limit"
    KILLED = "killed"  # by a signal, e.g. SIGSEGV


@dataclass(frozen=True)
class RunOutcome:
    """Everything the trusted side learns from one run."""

    termination: Termination
    result: Result | None  # None when no valid result frame came back
    protocol_error: str | None  # a malformed frame (-> verdict "rejected")
    exit_code: int | None
    signal: int | None
    cpu_seconds: float
    wall_seconds: float
    peak_memory_bytes: int | None
    stderr_tail: str


class Runner(Protocol):
    """Runs one job in a child and reports what happened."""

    def run(self, job: Job, limits: Limits) -> RunOutcome:
        """Run the job under the limits."""
        ...

    def close(self) -> None:
        """Release every process and resource the runner holds."""
        ...


# --------------------------------------------------------------------------- supervision


@dataclass
class Collected:
    """What the parent read from the child's pipes, and why it stopped reading."""

    result: bytearray
    stderr_tail: bytearray
    output_bytes: int = 0
    timed_out: bool = False
    output_exceeded: bool = False
    result_overflow: bool = False


def _nonblocking(*fds: int) -> None:
    for fd in fds:
        os.set_blocking(fd, False)


def supervise(
    *,
    job_fd: int,
    job_bytes: bytes,
    output_fds: list[int],
    result_fd: int,
    deadline: float,
    output_limit: int,
    kill: Callable[[], None],
    done: Callable[[], bool] | None = None,
) -> Collected:
    """Feed the job, drain output and result pipes, and kill on deadline or output overflow.

    Returns when every pipe reached EOF, when ``done()`` says the run is over, or after a kill.
    The caller owns and closes the fds.
    """
    got = Collected(result=bytearray(), stderr_tail=bytearray())
    sel = selectors.DefaultSelector()
    pending = memoryview(job_bytes)
    try:
        _nonblocking(job_fd, result_fd, *output_fds)
        if pending:
            sel.register(job_fd, selectors.EVENT_WRITE)
        for fd in [*output_fds, result_fd]:
            sel.register(fd, selectors.EVENT_READ)
        readers = len(output_fds) + 1
        while readers:
            timeout = deadline - time.monotonic()
            if timeout <= 0:
                got.timed_out = True
                kill()
                break
            if done is not None and done():
                timeout = min(timeout, 0.0)
            events = sel.select(timeout)
            if not events and done is not None and done():
                break
            for key, _ in events:
                fd = key.fd
                if fd == job_fd:
                    try:
                        pending = pending[os.write(fd, pending) :]
                    except BlockingIOError:
                        continue
                    except BrokenPipeError:
                        pending = pending[:0]
                    if not pending:
                        sel.unregister(fd)
                    continue
                try:
                    chunk = os.read(fd, 1 << 16)
                except BlockingIOError:
                    continue
                if not chunk:
                    sel.unregister(fd)
                    readers -= 1
                    continue
                if fd == result_fd:
                    got.result += chunk
                    if len(got.result) > MAX_FRAME_BYTES:
                        got.result_overflow = True
                        kill()
                        return got
                else:
                    got.output_bytes += len(chunk)
                    if fd == output_fds[-1]:
                        got.stderr_tail = (got.stderr_tail + chunk)[-STDERR_TAIL_BYTES:]
                    if got.output_bytes > output_limit:
                        got.output_exceeded = True
                        kill()
                        return got
    finally:
        sel.close()
    return got


def classify(
    *,
    got: Collected,
    limits: Limits,
    exit_code: int | None,
    signo: int | None,
    cpu_seconds: float,
    wall_seconds: float,
    peak_memory_bytes: int | None,
    oom_killed: bool = False,
) -> RunOutcome:
    """Turn raw facts about a finished child into a RunOutcome."""
    result: Result | None = None
    protocol_error: str | None = None
    if got.result_overflow:
        protocol_error = f"result frame exceeds {MAX_FRAME_BYTES} bytes"
    elif got.result and not (got.timed_out or got.output_exceeded):
        try:
            result = decode_result(bytes(got.result))
        except ProtocolError as exc:
            protocol_error = f"malformed result frame: {exc}"
    if got.timed_out:
        termination = Termination.TIMEOUT
    elif got.output_exceeded:
        termination = Termination.OUTPUT_LIMIT
    elif oom_killed:
        termination = Termination.MEMORY_LIMIT
    elif signo == signal.SIGXCPU or (
        signo == signal.SIGKILL and cpu_seconds >= limits.cpu_soft * 0.95
    ):
        termination = Termination.TIMEOUT
    elif signo is not None:
        termination = Termination.KILLED
    elif result is not None and _raised_memory_error(result):
        termination = Termination.MEMORY_LIMIT
    else:
        termination = Termination.EXITED
    return RunOutcome(
        termination=termination,
        result=result,
        protocol_error=protocol_error,
        exit_code=exit_code,
        signal=signo,
        cpu_seconds=cpu_seconds,
        wall_seconds=wall_seconds,
        peak_memory_bytes=peak_memory_bytes,
        stderr_tail=bytes(got.stderr_tail).decode("utf-8", "replace"),
    )


def _raised_memory_error(result: Result) -> bool:
    # RLIMIT_AS turns a huge allocation into a MemoryError inside the candidate's code; it is
    # the same limit as an OOM kill, so it is reported the same way.
    errors = [*result.errors.values()]
    if result.module_error is not None:
        errors.append(result.module_error)
    return any(e.type == "MemoryError" for e in errors)


def wait_exit(pid: int, deadline: float) -> bool:
    """Wait, without reaping, until the process exits or the deadline passes; True if it exited."""
    try:
        pidfd = os.pidfd_open(pid)
    except ProcessLookupError:
        return True
    try:
        sel = selectors.DefaultSelector()
        sel.register(pidfd, selectors.EVENT_READ)
        try:
            return bool(sel.select(max(0.0, deadline - time.monotonic())))
        finally:
            sel.close()
    finally:
        os.close(pidfd)


def split_status(status: int) -> tuple[int | None, int | None]:
    """Return (exit code, signal) from a wait status."""
    if os.WIFSIGNALED(status):
        return None, os.WTERMSIG(status)
    return os.waitstatus_to_exitcode(status), None


# --------------------------------------------------------------------------- unsafe runner


class UnsafeLocalRunner:
    """A plain subprocess with rlimits and a wall deadline. NOT ISOLATED.

    The candidate can read every file the service can read and reach the network. Use it only for
    the benchmark baseline and for tests of grading logic with trusted sources.
    """

    def __init__(self, *, allow_unsafe: bool = False, python: str | None = None) -> None:
        if not allow_unsafe:
            raise SandboxError(
                "UnsafeLocalRunner runs code without isolation: pass allow_unsafe=True to mean it"
            )
        self._python = python or sys.executable
        self._tmp = tempfile.TemporaryDirectory(prefix="chainrule-unsafe-")
        self._child_dir = runtime.install_child_files(Path(self._tmp.name) / "child")

    def run(self, job: Job, limits: Limits) -> RunOutcome:
        """Run the job in a fresh interpreter."""
        job_bytes = encode_job(job)
        job_r, job_w = os.pipe()
        res_r, res_w = os.pipe()
        out_r, out_w = os.pipe()
        err_r, err_w = os.pipe()
        argv = [
            self._python,
            "-I",
            "-B",
            "-c",
            BOOTSTRAP,
            str(self._child_dir),
            *limits.rlimit_args(),
            str(job_r),
            str(res_w),
        ]
        env = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "LANG": "C.UTF-8"}
        start = time.monotonic()
        try:
            proc = subprocess.Popen(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=out_w,
                stderr=err_w,
                pass_fds=(job_r, res_w),
                env=env,
                cwd=self._tmp.name,
                start_new_session=True,
            )
        except OSError as exc:
            for fd in (job_r, job_w, res_r, res_w, out_r, out_w, err_r, err_w):
                os.close(fd)
            raise SandboxError(f"could not start the child: {exc}") from exc
        for fd in (job_r, res_w, out_w, err_w):
            os.close(fd)

        def kill() -> None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)

        try:
            got = supervise(
                job_fd=job_w,
                job_bytes=job_bytes,
                output_fds=[out_r, err_r],
                result_fd=res_r,
                deadline=start + limits.wall_seconds,
                output_limit=limits.output_bytes,
                kill=kill,
            )
            if not wait_exit(proc.pid, start + limits.wall_seconds):
                got.timed_out = True
        finally:
            for fd in (job_w, res_r, out_r, err_r):
                os.close(fd)
            kill()  # the child has exited or is past its deadline; take its session with it
            _, status, usage = os.wait4(proc.pid, 0)
            proc.returncode = status  # Popen must not try to reap it again
        wall = time.monotonic() - start
        exit_code, signo = split_status(status)
        return classify(
            got=got,
            limits=limits,
            exit_code=exit_code,
            signo=signo,
            cpu_seconds=usage.ru_utime + usage.ru_stime,
            wall_seconds=wall,
            peak_memory_bytes=usage.ru_maxrss * 1024,
        )

    def close(self) -> None:
        """Remove the temporary child directory."""
        self._tmp.cleanup()
