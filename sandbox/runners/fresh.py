"""The fresh runner: a new bwrap sandbox and a new interpreter per run (every isolation layer)."""

from __future__ import annotations

import contextlib
import os
import queue
import signal
import subprocess
import time
from pathlib import Path

from sandbox.errors import SandboxError
from sandbox.isolation import bwrap, runtime, seccomp
from sandbox.isolation.capabilities import check_strict, probe
from sandbox.isolation.limits import Limits
from sandbox.isolation.slots import (
    PROCESS_CPU_SHARES,
    SlotResources,
    acquire_slot,
    reap,
    reap_orphans,
)
from sandbox.runners.base import RunOutcome
from sandbox.runners.supervise import classify, split_status, supervise_process
from sandbox.wire import Job, encode_job


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
        cpu_shares: int = PROCESS_CPU_SHARES,
    ) -> None:
        self._caps = probe()
        self._cpu_shares = cpu_shares  # each slot's CPU weight (sandbox.isolation.slots)
        check_strict(self._caps, allow_weaker)
        self._rt = runtime.ensure(runtime_dir)
        self._free: queue.Queue[SlotResources] = queue.Queue()
        self._all: list[SlotResources] = []
        for _ in range(slots):
            slot = acquire_slot(self._caps, self._cpu_shares)
            self._all.append(slot)
            self._free.put(slot)

    @property
    def uids(self) -> list[int]:
        """The host uids of this runner's slots."""
        return [s.uid for s in self._all]

    def run(self, job: Job, limits: Limits) -> RunOutcome:
        """Run the job in a fresh sandbox of a free slot."""
        job_bytes = encode_job(job)
        if job.language == "r":
            runtime.ensure_r_harness(self._rt.child)
        slot = self._free.get()
        try:
            return self._run(slot, job_bytes, limits, job.language)
        finally:
            self._free.put(slot)

    def _run(
        self, slot: SlotResources, job_bytes: bytes, limits: Limits, language: str
    ) -> RunOutcome:
        slot.configure(limits, extra_pids=4)
        job_r, job_w = os.pipe()
        res_r, res_w = os.pipe()
        out_r, out_w = os.pipe()
        err_r, err_w = os.pipe()
        info_r, info_w = os.pipe()
        sec = seccomp.seccomp_fd() if self._caps.present.get("seccomp") else None
        if language == "r":
            # R opens its pipes anew through /proc/self/fd (base R has no fd connections),
            # which checks the pipe's owner: make it the slot's uid.
            if os.geteuid() == 0:
                for fd in (job_r, res_w):
                    os.fchown(fd, slot.uid, slot.uid)
            program = bwrap.r_program(limits, job_r, res_w)
        else:
            program = bwrap.python_program(limits, job_r, res_w)
        argv = bwrap.launch_argv(self._rt, slot, sec, program, as_pid_1=False, language=language)
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
                env=bwrap.LAUNCHER_ENV,
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
            got, status, _ = supervise_process(
                proc,
                start=start,
                job_fd=job_w,
                job_bytes=job_bytes,
                output_fds=[out_r, err_r],
                result_fd=res_r,
                limits=limits,
                kill=kill,
            )
        finally:
            slot.kill_all()  # daemons the candidate left behind, if any survived bwrap
            reap([v for v in victims if v != proc.pid])
            reap_orphans(slot.uid)
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
