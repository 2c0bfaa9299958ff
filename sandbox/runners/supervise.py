"""Supervising one child: feed its job, drain its pipes, enforce the deadline, classify the end.

``supervise`` is the event loop every runner uses; ``supervise_process`` wraps it for runners
that start one process per run (fresh and unsafe): the same feed, drain, wait and reap.
"""

from __future__ import annotations

import os
import resource
import selectors
import signal
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass

from sandbox.isolation.limits import Limits
from sandbox.runners.base import STDERR_TAIL_BYTES, RunOutcome, Termination
from sandbox.wire import MAX_FRAME_BYTES, ProtocolError, Result, decode_result


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
    status_fd: int | None = None,
    done: Callable[[], bool] | None = None,
) -> Collected:
    """Feed the job, drain output and result pipes, and kill on deadline or output overflow.

    Returns when every pipe reached EOF, or (pooled runs, whose pipes never reach EOF) once
    ``done()`` is true and nothing more is buffered, or right after a kill. ``status_fd`` wakes
    the loop to ask ``done()``. The caller owns and closes the fds.
    """
    got = Collected(result=bytearray(), stderr_tail=bytearray())
    sel = selectors.DefaultSelector()
    pending = memoryview(job_bytes)
    data_fds = {result_fd, *output_fds}
    try:
        _nonblocking(job_fd, result_fd, *output_fds)
        if pending:
            sel.register(job_fd, selectors.EVENT_WRITE)
        for fd in data_fds:
            sel.register(fd, selectors.EVENT_READ)
        if status_fd is not None:
            sel.register(status_fd, selectors.EVENT_READ)
        readers = len(data_fds)
        while readers:
            finished = done is not None and done()
            timeout = 0.0 if finished else deadline - time.monotonic()
            if timeout <= 0 and not finished:
                got.timed_out = True
                kill()
                break
            events = sel.select(timeout)
            if finished and not any(key.fd in data_fds for key, _ in events):
                break
            for key, _ in events:
                fd = key.fd
                if fd == status_fd:
                    if finished:
                        sel.unregister(fd)  # EOF or a line already taken: stop waking on it
                    continue
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
        except Exception as exc:  # the sandbox boundary: no frame may crash the trusted side
            protocol_error = f"malformed result frame ({type(exc).__name__})"
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


def supervise_process(
    proc: subprocess.Popen[bytes],
    *,
    start: float,
    job_fd: int,
    job_bytes: bytes,
    output_fds: list[int],
    result_fd: int,
    limits: Limits,
    kill: Callable[[], None],
    after_exit: Callable[[], None] | None = None,
) -> tuple[Collected, int, resource.struct_rusage]:
    """Run ``supervise`` for a process started for this one run, then wait for it and reap it.

    Closes the parent's pipe ends. ``after_exit`` runs once the process exited or was killed,
    before it is reaped (the unsafe runner kills the rest of its session there).
    Returns what was collected, the wait status and the process's resource usage.
    """
    deadline = start + limits.wall_seconds
    try:
        got = supervise(
            job_fd=job_fd,
            job_bytes=job_bytes,
            output_fds=output_fds,
            result_fd=result_fd,
            deadline=deadline,
            output_limit=limits.output_bytes,
            kill=kill,
        )
        if not wait_exit(proc.pid, deadline):
            got.timed_out = True
            kill()
    finally:
        for fd in (job_fd, result_fd, *output_fds):
            os.close(fd)
        if after_exit is not None:
            after_exit()
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = status  # Popen must not try to reap it again
    return got, status, usage
