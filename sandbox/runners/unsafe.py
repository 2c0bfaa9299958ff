"""The unsafe runners (NOT ISOLATED): a subprocess per run, or warm unsandboxed fork servers."""

from __future__ import annotations

import contextlib
import os
import queue
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sandbox.errors import SandboxError
from sandbox.isolation import r_runtime, runtime
from sandbox.isolation.limits import BOOTSTRAP, R_BOOTSTRAP, Limits
from sandbox.runners import zygotes
from sandbox.runners.base import RunOutcome
from sandbox.runners.supervise import classify, split_status, supervise_process
from sandbox.wire import Job, encode_job


class UnsafeLocalRunner:
    """A plain subprocess with rlimits and a wall deadline (Python or R). NOT ISOLATED.

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
        env = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "LANG": "C.UTF-8"}
        if job.language == "r":
            runtime.ensure_r_harness(self._child_dir)
            argv = [
                self._python,
                "-I",
                "-S",
                "-B",
                "-c",
                R_BOOTSTRAP,
                *r_runtime.limits(limits).rlimit_args(),
                *r_runtime.argv(str(self._child_dir), job_r, res_w),
            ]
            env |= r_runtime.environment()
        else:
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

        # The child has exited or is past its deadline: take its session with it (after_exit).
        got, status, usage = supervise_process(
            proc,
            start=start,
            job_fd=job_w,
            job_bytes=job_bytes,
            output_fds=[out_r, err_r],
            result_fd=res_r,
            limits=limits,
            kill=kill,
            after_exit=kill,
        )
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


class UnsafeForkServerRunner:
    """Warm fork servers without any sandbox: the harness in a forked child of a warm process.

    NOT ISOLATED. The same zygote code and harness as the pooled runner, minus bwrap, seccomp,
    the slot uid and cgroups: the benchmark's baseline for what the sandbox costs a warm job.
    """

    def __init__(self, *, allow_unsafe: bool = False, slots: int = 2) -> None:
        if not allow_unsafe:
            raise SandboxError(
                "UnsafeForkServerRunner runs code without isolation: pass allow_unsafe=True"
            )
        self._tmp = tempfile.TemporaryDirectory(prefix="chainrule-forkserver-")
        self._child_dir = runtime.install_child_files(Path(self._tmp.name) / "child")
        self._free: queue.Queue[zygotes.Zygote] = queue.Queue()
        self._all: list[zygotes.Zygote] = []
        for _ in range(slots):
            self._free.put(self._start())

    def _start(self) -> zygotes.Zygote:
        server = zygotes.Zygote(
            boot=zygotes.python_boot(sys.executable, str(self._child_dir), sandboxed=False),
            slot=None,
            env={"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "LANG": "C.UTF-8"},
            cwd=self._tmp.name,
        )
        self._all.append(server)
        return server

    def run(self, job: Job, limits: Limits) -> RunOutcome:
        """Run the job in a child forked from a free warm server."""
        job_bytes = encode_job(job)
        server = self._free.get()
        healthy = False
        try:
            outcome, healthy = zygotes.run_on(server, job_bytes, limits)
            return outcome
        except zygotes.ZygoteDiedError as exc:
            return exc.outcome
        finally:
            if not healthy:
                self._all.remove(server)
                server.destroy()
                server = self._start()
            self._free.put(server)

    def close(self) -> None:
        """Stop the servers and remove the temporary child directory."""
        for server in self._all:
            server.destroy()
        self._all.clear()
        self._tmp.cleanup()
