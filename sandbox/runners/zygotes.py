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
from dataclasses import dataclass

from sandbox.errors import SandboxError
from sandbox.isolation import bwrap, seccomp, slots
from sandbox.isolation.capabilities import Capabilities
from sandbox.isolation.limits import Limits
from sandbox.isolation.runtime import Runtime

ZYGOTE_MEMORY = 96 * 2**20  # the zygote's own share of the slot's memory cgroup
ZYGOTE_PIDS = 4
START_TIMEOUT = 20.0

_ZYGOTE_BOOT = (
    "import sys; sys.path.insert(0, sys.argv[1]); from sandbox.child.zygote import serve; "
    "serve(*(int(a) for a in sys.argv[2:6]))"
)


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


class Zygote:
    """One live zygote in one slot."""

    def __init__(self, rt: Runtime, slot: slots.SlotResources, caps: Capabilities):
        self.slot = slot
        self.jobs = 0
        ctl_r, ctl_w = os.pipe()
        status_r, status_w = os.pipe()
        job_r, job_w = os.pipe()
        result_r, result_w = os.pipe()
        out_r, out_w = os.pipe()
        err_r, err_w = os.pipe()
        sec = seccomp.seccomp_fd() if caps.present.get("seccomp") else None
        program = [
            f"{bwrap.SANDBOX_VENV}/bin/python",
            "-I",
            "-B",
            "-c",
            _ZYGOTE_BOOT,
            bwrap.SANDBOX_CHILD,
            str(ctl_r),
            str(status_w),
            str(job_r),
            str(result_w),
        ]
        argv = bwrap.launch_argv(rt, slot, sec, program, as_pid_1=True)
        child_fds = [ctl_r, status_w, job_r, result_w, *([sec] if sec is not None else [])]
        try:
            self.proc = subprocess.Popen(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=out_w,
                stderr=err_w,
                pass_fds=child_fds,
                env=bwrap.LAUNCHER_ENV,
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

    def alive(self) -> bool:
        """True while the sandbox process runs."""
        return self.proc.poll() is None

    def destroy(self) -> None:
        """Kill the slot's processes, reap the launcher and close the pipes."""
        victims: list[int] = []
        try:
            victims = self.slot.kill_all()
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
            # The zygote is adopted by us (subreaper) only once bwrap is gone.
            slots.reap(victims)
            slots.reap_orphans(self.slot.uid)
            self.pipes.close()
