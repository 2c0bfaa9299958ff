"""Warm sandbox slots: one bwrap sandbox per slot running a zygote (see sandbox/child/zygote.py).

The trusted side keeps every pipe end it needs, enforces the wall deadline itself, and on a
timeout, an output flood or any misbehaviour kills the slot's whole cgroup (zygote included),
waits for the cgroup to be empty and starts a fresh zygote. Zygotes are also recycled every
``recycle_after`` jobs, so whatever a candidate managed to leave in one does not live long.
"""

from __future__ import annotations

import contextlib
import os
import selectors
import signal
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass

from sandbox.errors import SandboxError
from sandbox.isolation import bwrap, r_runtime, runtime, seccomp, slots, userns
from sandbox.isolation.capabilities import Capabilities
from sandbox.isolation.limits import Limits
from sandbox.isolation.runtime import Runtime
from sandbox.runners.base import RunOutcome, Termination
from sandbox.runners.supervise import classify, split_status, supervise

ZYGOTE_MEMORY = 96 * 2**20  # the zygote's own share of the slot's memory cgroup
ZYGOTE_PIDS = 4
START_TIMEOUT = 20.0

_ZYGOTE_BOOT = (
    "import sys; sys.path.insert(0, sys.argv[1]); from sandbox.child.zygote import serve; "
    "serve(*(int(a) for a in sys.argv[2:6]), sandboxed=sys.argv[6] == 'sandboxed', "
    "job_uid=int(sys.argv[7]))"
)
# A zygote's command from its pipe fds (control, status, job, result) and its job uid.
Boot = Callable[[list[str], int], list[str]]


def python_boot(python: str, child_dir: str, *, sandboxed: bool) -> Boot:
    """The Python zygote (sandbox/child/zygote.py)."""
    mode = "sandboxed" if sandboxed else "unsandboxed"
    return lambda fds, job_uid: [
        python,
        "-I",
        "-B",
        "-c",
        _ZYGOTE_BOOT,
        child_dir,
        *fds,
        mode,
        str(job_uid),
    ]


def r_boot(r_child_dir: str) -> Boot:
    """The R zygote (sandbox/child/r/zygote.R with zygote.c): sandboxed only."""
    return lambda fds, job_uid: [
        str(r_runtime.R_BINARY),
        "--no-echo",
        "--vanilla",
        f"--file={r_child_dir}/zygote.R",
        "--args",
        r_child_dir,
        *fds,
        str(job_uid),
    ]


@dataclass
class Pipes:
    """The trusted side's ends of one zygote's pipes."""

    ctl_w: int
    status_r: int
    job_w: int
    job_r_dup: int  # a read end we hold, to drain a job the child did not consume
    result_r: int
    out_r: int
    err_r: int

    def close(self) -> None:
        """Close every fd."""
        for fd in (
            self.ctl_w,
            self.status_r,
            self.job_w,
            self.job_r_dup,
            self.result_r,
            self.out_r,
            self.err_r,
        ):
            with contextlib.suppress(OSError):
                os.close(fd)


def drain(fd: int) -> bytes:
    """Read whatever is buffered in a non-blocking pipe."""
    chunks = []
    while True:
        try:
            chunk = os.read(fd, 1 << 16)
        except BlockingIOError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    return b"".join(chunks)


class ZygoteDiedError(SandboxError):
    """A zygote died while it ran a job; carries the outcome to report if the job is to blame."""

    def __init__(self, message: str, outcome: RunOutcome) -> None:
        super().__init__(message)
        self.outcome = outcome


class Zygote:
    """One live zygote in one slot."""

    def __init__(
        self,
        *,
        boot: Boot,
        slot: slots.SlotResources | None,
        wrap: Callable[[list[str]], list[str]] | None = None,
        extra_fds: tuple[int, ...] = (),
        env: dict[str, str] | None = None,
        cwd: str | None = None,
        job_uid: int = -1,
        job_owns_its_pipes: bool = False,
    ):
        """Start a zygote: ``wrap`` turns its command into the launch command (bwrap's).

        ``job_uid`` (>= 0): the uid every forked child switches to before it reads its job.
        ``job_owns_its_pipes``: the job and result pipes belong to ``job_uid``, so that a child
        can open its own ends again through /proc/self/fd (how R, which has no connection on a
        bare fd, reads its job). Only the child's fds reach them; a job that writes into its
        job pipe is drained before the next job, as any unread job bytes are.
        """
        self.slot = slot
        self.jobs = 0
        # Every pid a kill of the slot's cgroup hit: destroy() reaps them once they are ours.
        self.killed: list[int] = []
        ctl_r, ctl_w = os.pipe()
        status_r, status_w = os.pipe()
        job_r, job_w = os.pipe()
        result_r, result_w = os.pipe()
        out_r, out_w = os.pipe()
        err_r, err_w = os.pipe()
        if job_owns_its_pipes and job_uid >= 0:
            for fd in (job_r, result_w):  # a pipe's two ends share one inode
                os.fchown(fd, job_uid, job_uid)
        program = boot([str(fd) for fd in (ctl_r, status_w, job_r, result_w)], job_uid)
        argv = program if wrap is None else wrap(program)
        child_fds = [ctl_r, status_w, job_r, result_w, *extra_fds]
        try:
            self.proc = subprocess.Popen(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=out_w,
                stderr=err_w,
                pass_fds=child_fds,
                env=bwrap.LAUNCHER_ENV if env is None else env,
                cwd=cwd,
                start_new_session=True,
            )
        except OSError as exc:
            for fd in (*child_fds, ctl_w, status_r, job_w, result_r, out_r, out_w, err_r, err_w):
                os.close(fd)
            raise SandboxError(f"could not start a zygote: {exc}") from exc
        # A separate open file description (not os.dup): making ours non-blocking must not
        # make the child's read end non-blocking too.
        job_r_dup = os.open(f"/proc/self/fd/{job_r}", os.O_RDONLY | os.O_CLOEXEC)
        for fd in (*child_fds, out_w, err_w):
            os.close(fd)
        self.pipes = Pipes(ctl_w, status_r, job_w, job_r_dup, result_r, out_r, err_r)
        for fd in (status_r, job_w, job_r_dup, result_r, out_r, err_r):
            os.set_blocking(fd, False)
        self._status_buf = b""
        line = self.read_status(time.monotonic() + START_TIMEOUT)
        if line != "R":
            tail = drain(err_r)[-800:].decode("utf-8", "replace")
            self.destroy()
            raise SandboxError(f"zygote did not start ({line!r}): {tail}")

    def read_status(self, deadline: float) -> str | None:
        """Block until the zygote sends a line, it dies (None) or the deadline passes (None)."""
        sel = selectors.DefaultSelector()
        sel.register(self.pipes.status_r, selectors.EVENT_READ)
        try:
            while b"\n" not in self._status_buf:
                remaining = deadline - time.monotonic()
                if remaining <= 0 or not sel.select(remaining):
                    return None
                try:
                    chunk = os.read(self.pipes.status_r, 256)
                except BlockingIOError:
                    continue
                if not chunk:
                    return None
                self._status_buf += chunk
        finally:
            sel.close()
        line, self._status_buf = self._status_buf.split(b"\n", 1)
        return line.decode("ascii", "replace")

    def status_ready(self) -> bool:
        """True once a complete status line has arrived (non-blocking)."""
        if b"\n" in self._status_buf:
            return True
        with contextlib.suppress(BlockingIOError):
            chunk = os.read(self.pipes.status_r, 256)
            if not chunk:
                return True  # the zygote died: let the caller find out
            self._status_buf += chunk
        return b"\n" in self._status_buf

    def fork(self, limits: Limits) -> None:
        """Ask the zygote to fork a child for the next job."""
        fields = ["F", *limits.rlimit_args()]
        try:
            os.write(self.pipes.ctl_w, (" ".join(fields) + "\n").encode())
        except BrokenPipeError as exc:
            raise SandboxError("zygote is gone") from exc
        self.jobs += 1

    def kill_slot(self) -> None:
        """Kill every process of the slot (this zygote included) and remember their pids."""
        assert self.slot is not None
        self.killed += self.slot.kill_all()

    def alive(self) -> bool:
        """True while the sandbox process runs."""
        return self.proc.poll() is None

    def destroy(self) -> None:
        """Kill the slot's processes, reap the launcher and close the pipes."""
        try:
            if self.slot is not None:
                self.kill_slot()
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
            if self.slot is not None:
                # The zygote is adopted by us (subreaper) only once bwrap is gone.
                # A kill during the job (a timeout) hit the zygote already: its pid comes from
                # that kill, or the zygote, still exiting (a pid 1 waits for its namespace to
                # empty), became a zombie nobody reaped.
                slots.reap(self.killed)
                slots.reap_orphans(self.slot.uid, self.slot.job_uid)
            self.pipes.close()


def sandboxed_zygote(
    rt: Runtime, slot: slots.SlotResources, caps: Capabilities, language: str = "python"
) -> Zygote:
    """A zygote as pid 1 of a fresh bwrap sandbox of the slot (every isolation layer).

    With root (the uid_drop layer) the zygote runs as the slot uid in a user namespace that
    also maps the slot's job uid, and its children run as the job uid; without, both share
    bwrap's one uid (a weaker sandbox, reported by the capability probe). ``language`` "r":
    the R zygote, in the same view plus R's configuration (call runtime.ensure_r first).
    """
    two_uids = bool(caps.present.get("uid_drop"))
    sec = seccomp.seccomp_fd() if caps.present.get("seccomp") else None
    try:
        ns = userns.two_uid_userns(slot.uid, slot.job_uid) if two_uids else None
    except BaseException:
        if sec is not None:
            os.close(sec)
        raise
    # Zygote() owns these fds from here: it closes our copies once the launcher has them.
    if language == "r":
        boot = r_boot(f"{bwrap.SANDBOX_CHILD}/sandbox/{runtime.R_CHILD}")
    else:
        boot = python_boot(f"{bwrap.SANDBOX_VENV}/bin/python", bwrap.SANDBOX_CHILD, sandboxed=True)
    return Zygote(
        boot=boot,
        slot=slot,
        wrap=lambda program: bwrap.launch_argv(
            rt, slot, sec, program, as_pid_1=True, userns=ns, language=language
        ),
        extra_fds=tuple(fd for fd in (sec, ns) if fd is not None),
        job_uid=slot.job_uid if two_uids else -1,
        job_owns_its_pipes=language == "r",
    )


def run_on(z: Zygote, job_bytes: bytes, limits: Limits) -> tuple[RunOutcome, bool]:
    """Run one job in a child forked from ``z``; return its outcome and whether ``z`` may go on.

    Raises ZygoteDiedError when the zygote itself died during the job (not an OOM kill).
    """
    slot = z.slot
    if slot is not None:
        slot.configure(limits, extra_memory=ZYGOTE_MEMORY, extra_pids=ZYGOTE_PIDS)
    for fd in (z.pipes.result_r, z.pipes.out_r, z.pipes.err_r, z.pipes.job_r_dup):
        drain(fd)
    start = time.monotonic()
    deadline = start + limits.wall_seconds
    z.fork(limits)
    killed = False

    def kill() -> None:
        nonlocal killed
        killed = True
        if slot is not None:
            z.kill_slot()
        else:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(z.proc.pid, signal.SIGKILL)

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
    oom = slot is not None and slot.oom_kills() > slot.oom_base
    exit_code: int | None = None
    signo: int | None = None
    fields = [] if killed or line is None else line.split()
    finished = len(fields) == 4 and fields[0] == "D"
    # A spoiled zygote (a /tmp it could not empty, limits a job changed) serves no more jobs.
    healthy = finished and fields[2] == "ok"
    # The slot's cpuacct counts every process of the job; unsandboxed, the child's own rusage.
    child_cpu = float(fields[3]) if finished else 0.0

    def cpu() -> float:
        return child_cpu if slot is None else slot.cpu_seconds() or 0.0

    peak = None if slot is None else slot.peak_memory()
    if finished:
        exit_code, signo = split_status(int(fields[1]))
    elif not killed:
        kill()
        if not oom:
            tail = bytes(got.stderr_tail).decode("utf-8", "replace")
            drain(z.pipes.job_r_dup)
            died = RunOutcome(
                termination=Termination.KILLED,
                result=None,
                protocol_error=None,
                exit_code=None,
                signal=signal.SIGKILL,
                cpu_seconds=cpu(),
                wall_seconds=time.monotonic() - start,
                peak_memory_bytes=peak,
                stderr_tail=tail,
            )
            raise ZygoteDiedError(f"zygote died during a job: {tail[-500:]}", died)
    # A child that died early leaves part of its job in the pipe: never feed it to the next.
    drain(z.pipes.job_r_dup)
    outcome = classify(
        got=got,
        limits=limits,
        exit_code=exit_code,
        signo=signo,
        cpu_seconds=cpu(),
        wall_seconds=wall,
        peak_memory_bytes=peak,
        oom_killed=oom,
    )
    return outcome, healthy
