"""Runner implementations: how one job reaches a child process and how its outcome comes back.

``PooledRunner`` (warm zygotes, isolated: the default) and ``IsolatedRunner`` (fresh bwrap per
run) refuse to run without every isolation layer unless ``allow_weaker=True``.
``UnsafeLocalRunner`` is a plain subprocess without any isolation, for the benchmark baseline and
for tests of the grading logic only.
"""

from __future__ import annotations

import contextlib
import os
import queue
import selectors
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Protocol

from sandbox import isolation, pool, runtime
from sandbox.errors import SandboxError
from sandbox.limits import BOOTSTRAP, Limits
from sandbox.protocol import MAX_FRAME_BYTES, Job, ProtocolError, Result, decode_result, encode_job

__all__ = [
    "IsolatedRunner",
    "Limits",
    "PooledRunner",
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


# --------------------------------------------------------------------------- isolated runner

LAUNCHER_ENV = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C.UTF-8"}


def _bwrap_status(code: int | None, signo: int | None) -> tuple[int | None, int | None]:
    # bwrap reports a child killed by signal N as exit status 128 + N.
    if code is not None and code > 128 and code - 128 < 65:
        return None, code - 128
    return code, signo


class IsolatedRunner:
    """A fresh bwrap sandbox and a fresh interpreter per run (all isolation layers)."""

    def __init__(
        self,
        *,
        slots: int = 2,
        runtime_dir: Path = runtime.DEFAULT_DIR,
        allow_weaker: bool = False,
    ) -> None:
        self._caps = isolation.probe()
        isolation.check_strict(self._caps, allow_weaker)
        self._rt = runtime.ensure(runtime_dir)
        self._free: queue.Queue[isolation.SlotResources] = queue.Queue()
        self._all: list[isolation.SlotResources] = []
        for _ in range(slots):
            slot = isolation.acquire_slot(self._caps)
            self._all.append(slot)
            self._free.put(slot)

    @property
    def uids(self) -> list[int]:
        """The host uids of this runner's slots."""
        return [s.uid for s in self._all]

    def run(self, job: Job, limits: Limits) -> RunOutcome:
        """Run the job in a fresh sandbox of a free slot."""
        job_bytes = encode_job(job)
        slot = self._free.get()
        try:
            return self._run(slot, job_bytes, limits)
        finally:
            self._free.put(slot)

    def _run(self, slot: isolation.SlotResources, job_bytes: bytes, limits: Limits) -> RunOutcome:
        slot.configure(limits, extra_pids=4)
        job_r, job_w = os.pipe()
        res_r, res_w = os.pipe()
        out_r, out_w = os.pipe()
        err_r, err_w = os.pipe()
        info_r, info_w = os.pipe()
        sec = isolation.seccomp_fd() if self._caps.present.get("seccomp") else None
        program = isolation.python_program(limits, job_r, res_w)
        argv = isolation.launch_argv(self._rt, slot, sec, program, as_pid_1=False)
        # bwrap writes its child's pid to the info fd once the sandbox is up: a run with no
        # info is a sandbox failure, never a verdict.
        at = argv.index("--unshare-all")
        argv[at:at] = ["--info-fd", str(info_w)]
        child_fds = [job_r, res_w, out_w, err_w, info_w, *([sec] if sec is not None else [])]
        start = time.monotonic()
        try:
            proc = subprocess.Popen(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=out_w,
                stderr=err_w,
                pass_fds=(job_r, res_w, info_w, *([sec] if sec is not None else [])),
                env=LAUNCHER_ENV,
                start_new_session=True,
            )
        except OSError as exc:
            for fd in (*child_fds, job_w, res_r, out_r, err_r, info_r):
                os.close(fd)
            raise SandboxError(f"could not start bwrap: {exc}") from exc
        for fd in child_fds:
            os.close(fd)

        victims: list[int] = []

        def kill() -> None:
            victims.extend(slot.kill_all())
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
                kill()
        finally:
            for fd in (job_w, res_r, out_r, err_r):
                os.close(fd)
            _, status, _ = os.wait4(proc.pid, 0)
            proc.returncode = status
            slot.kill_all()  # daemons the candidate left behind, if any survived bwrap
            isolation.reap([v for v in victims if v != proc.pid])
            isolation.reap_orphans(slot.uid)
            os.set_blocking(info_r, False)
            try:
                info = os.read(info_r, 4096)
            except BlockingIOError:
                info = b""
            os.close(info_r)
        wall = time.monotonic() - start
        exit_code, signo = _bwrap_status(*split_status(status))
        if not info and not got.timed_out:
            tail = bytes(got.stderr_tail).decode("utf-8", "replace")
            raise SandboxError(f"the sandbox did not start (status {status}): {tail[-500:]}")
        return classify(
            got=got,
            limits=limits,
            exit_code=exit_code,
            signo=signo,
            cpu_seconds=slot.cpu_seconds() or 0.0,
            wall_seconds=wall,
            peak_memory_bytes=slot.peak_memory(),
            oom_killed=slot.oom_kills() > slot.oom_base,
        )

    def close(self) -> None:
        """Kill whatever runs and release the slots' uids and cgroups."""
        for slot in self._all:
            slot.release()
        self._all.clear()


# --------------------------------------------------------------------------- pooled runner


class ZygoteDiedError(SandboxError):
    """A zygote died while it ran a job; carries the outcome to report if the job is to blame."""

    def __init__(self, message: str, outcome: RunOutcome) -> None:
        super().__init__(message)
        self.outcome = outcome


class PooledRunner:
    """Warm zygotes, one bwrap sandbox per slot: the default runner (all isolation layers)."""

    def __init__(
        self,
        *,
        slots: int = 2,
        runtime_dir: Path = runtime.DEFAULT_DIR,
        allow_weaker: bool = False,
        recycle_after: int = 64,
    ) -> None:
        self._caps = isolation.probe()
        isolation.check_strict(self._caps, allow_weaker)
        self._rt = runtime.ensure(runtime_dir)
        self._recycle_after = recycle_after
        self._free: queue.Queue[tuple[isolation.SlotResources, pool.Zygote | None]] = queue.Queue()
        self._slots: list[isolation.SlotResources] = []
        self._zygotes: dict[int, pool.Zygote] = {}
        self._lock = threading.Lock()
        self._closed = False
        # bwrap's --die-with-parent fires when the *thread* that started it exits, so every
        # zygote is started from these long-lived threads, never from a caller's thread.
        self._launcher = ThreadPoolExecutor(max_workers=slots, thread_name_prefix="zygote")
        try:
            for _ in range(slots):
                self._slots.append(isolation.acquire_slot(self._caps))
            futures = [self._launcher.submit(self._restart, s) for s in self._slots]
            for future in futures:
                future.result()
            if any(z is None for _, z in list(self._free.queue)):
                raise SandboxError("could not start the zygotes")
        except BaseException:
            self.close()
            raise

    @property
    def uids(self) -> list[int]:
        """The host uids of this runner's slots."""
        return [s.uid for s in self._slots]

    def _start(self, slot: isolation.SlotResources) -> pool.Zygote:
        zygote = pool.Zygote(self._rt, slot, self._caps)
        with self._lock:
            self._zygotes[slot.uid] = zygote
        return zygote

    def _restart(self, slot: isolation.SlotResources, old: pool.Zygote | None = None) -> None:
        zygote: pool.Zygote | None = None
        try:
            if old is not None:
                with self._lock:
                    self._zygotes.pop(slot.uid, None)
                old.destroy()
            if not self._closed:
                zygote = self._start(slot)
        except SandboxError:
            zygote = None  # retried by the next run that takes this slot
        finally:
            self._free.put((slot, zygote))

    def run(self, job: Job, limits: Limits) -> RunOutcome:
        """Run the job in a child forked from a warm zygote.

        A zygote that dies during a job (not an OOM kill) may have been killed by that job: the
        job gets one more try on another zygote, and if that one dies too the job's outcome is
        KILLED, a verdict. A candidate who can kill its zygote must not turn its own verdict into
        an infrastructure failure for a human, nor burn the service's retries. Failing to start
        a zygote stays a SandboxError.
        """
        if self._closed:
            raise SandboxError("runner is closed")
        job_bytes = encode_job(job)
        try:
            return self._run_on_a_slot(job_bytes, limits)
        except ZygoteDiedError:
            pass
        try:
            return self._run_on_a_slot(job_bytes, limits)
        except ZygoteDiedError as exc:
            return exc.outcome

    def _run_on_a_slot(self, job_bytes: bytes, limits: Limits) -> RunOutcome:
        slot, zygote = self._free.get()
        healthy = False
        try:
            if zygote is None or not zygote.alive():
                if zygote is not None:
                    zygote.destroy()
                zygote = None
                zygote = self._launcher.submit(self._start, slot).result()
            outcome, healthy = self._run(zygote, job_bytes, limits)
            return outcome
        finally:
            if zygote is not None and healthy and zygote.jobs < self._recycle_after:
                self._free.put((slot, zygote))
            elif zygote is not None and not self._closed:
                self._launcher.submit(self._restart, slot, zygote)
            else:
                self._free.put((slot, zygote))

    def _run(self, z: pool.Zygote, job_bytes: bytes, limits: Limits) -> tuple[RunOutcome, bool]:
        slot = z.slot
        slot.configure(limits, extra_memory=pool.ZYGOTE_MEMORY, extra_pids=pool.ZYGOTE_PIDS)
        for fd in (z.pipes.result_r, z.pipes.out_r, z.pipes.err_r, z.pipes.job_r_dup):
            pool.drain(fd)
        start = time.monotonic()
        deadline = start + limits.wall_seconds
        z.fork(limits)
        killed = False

        def kill() -> None:
            nonlocal killed
            killed = True
            slot.kill_all()

        got = supervise(
            job_fd=z.pipes.job_w,
            job_bytes=job_bytes,
            output_fds=[z.pipes.out_r, z.pipes.err_r],
            result_fd=z.pipes.result_r,
            deadline=deadline,
            output_limit=limits.output_bytes,
            kill=kill,
            status_fd=z.pipes.status_r,
            done=z.status_ready,
        )
        line = None if killed else z.read_status(deadline)
        wall = time.monotonic() - start
        oom = slot.oom_kills() > slot.oom_base
        exit_code: int | None = None
        signo: int | None = None
        healthy = not killed and line is not None and line.startswith("D ")
        if healthy and line is not None:
            exit_code, signo = split_status(int(line.split()[1]))
        elif not killed:
            kill()
            if not oom:
                tail = bytes(got.stderr_tail).decode("utf-8", "replace")
                pool.drain(z.pipes.job_r_dup)
                died = RunOutcome(
                    termination=Termination.KILLED,
                    result=None,
                    protocol_error=None,
                    exit_code=None,
                    signal=signal.SIGKILL,
                    cpu_seconds=slot.cpu_seconds() or 0.0,
                    wall_seconds=time.monotonic() - start,
                    peak_memory_bytes=slot.peak_memory(),
                    stderr_tail=tail,
                )
                raise ZygoteDiedError(f"zygote died during a job: {tail[-500:]}", died)
        # A child that died early leaves part of its job in the pipe: never feed it to the next.
        pool.drain(z.pipes.job_r_dup)
        outcome = classify(
            got=got,
            limits=limits,
            exit_code=exit_code,
            signo=signo,
            cpu_seconds=slot.cpu_seconds() or 0.0,
            wall_seconds=wall,
            peak_memory_bytes=slot.peak_memory(),
            oom_killed=oom,
        )
        return outcome, healthy

    def close(self) -> None:
        """Stop every zygote and release the slots."""
        self._closed = True
        self._launcher.shutdown(wait=True)
        with self._lock:
            zygotes = list(self._zygotes.values())
            self._zygotes.clear()
        for z in zygotes:
            z.destroy()
        for slot in self._slots:
            slot.release()
        self._slots.clear()
