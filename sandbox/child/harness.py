"""Runs INSIDE the sandbox child: loads the candidate module, runs the call plan, returns arrays.

Nothing here is trusted by the other side, and nothing here is a barrier. The import allowlist
and the audit hook (child/guards.py) only turn common misuse into friendly messages: code in
this process reaches ``os`` as ``contextlib.os`` or through ``sys.modules``, and can exec a fresh
interpreter without any hook through ``_posixsubprocess.fork_exec``. The barriers are outside
the process: namespaces and the read-only view (bwrap), the slot uid, the seccomp allowlist, the
cgroups and the rlimits; and every verdict is computed on the trusted side from the arrays this
module sends back. tests/sandbox/test_walls.py checks the walls from such an exec'd interpreter.

Entry points: ``main(job_fd, result_fd)`` for a fresh child, ``run_job(job_fd, result_fd)`` for a
child forked from a zygote that has already imported this module.
"""

from __future__ import annotations

import ast
import io
import linecache
import os
import sys
import types
from collections.abc import Callable

# numpy's own submodules are loaded before the audit hook goes in, so that its lazy imports never
# need a module the hook refuses.
import numpy.fft
import numpy.linalg
import numpy.random  # noqa: F401

from sandbox.child import compat
from sandbox.child.failures import SOLUTION_FILE, error_info
from sandbox.child.guards import (
    REFUSALS,
    STAR_NUMPY,
    ForbiddenImportError,
    install_guards,
    limit_thread_memory,
    refusal,
    scan_imports,
    warm_numpy_star,
)
from sandbox.child.plan import PlanRunner
from sandbox.wire import (
    STDOUT_KEEP_BYTES,
    ErrorInfo,
    Job,
    ProtocolError,
    Result,
    Status,
    decode_job,
    encode_result,
    read_frame,
)

MODULE_NAME = "solution"


# --------------------------------------------------------------------------- output


class BoundedTee(io.TextIOBase):
    """Stand-in for sys.stdout/sys.stderr: keeps the first bytes, forwards everything to an fd.

    Forwarding lets the trusted side count every byte printed and stop an output flood; the kept
    head becomes the feedback the candidate sees.
    """

    def __init__(self, fd: int, keep: bytearray) -> None:
        self._fd = fd
        self._keep = keep

    def writable(self) -> bool:
        return True

    def write(self, s: str) -> int:
        data = str(s).encode("utf-8", "replace")
        room = STDOUT_KEEP_BYTES - len(self._keep)
        if room > 0:
            self._keep += data[:room]
        view = memoryview(data)
        while view:
            try:
                written = os.write(self._fd, view)
            except InterruptedError:
                continue
            except OSError:
                break
            view = view[written:]
        return len(s)

    def flush(self) -> None:
        return None


# --------------------------------------------------------------------------- loading


def load_module(source: str) -> tuple[types.ModuleType | None, Status, ErrorInfo | None]:
    """Compile and execute the candidate's module as `solution`."""
    linecache.cache[SOLUTION_FILE] = (len(source), None, source.splitlines(True), SOLUTION_FILE)
    try:
        tree = ast.parse(source, SOLUTION_FILE)
        code = compile(tree, SOLUTION_FILE, "exec")
    except (SyntaxError, ValueError) as exc:
        return None, "load_error", error_info(exc)
    python2 = compat.unsupported(tree)
    if python2 is not None:
        message, line = python2
        return None, "load_error", ErrorInfo("ImportError", message, line, "")
    refused = scan_imports(tree)
    if refused:
        name, line = refused[0]
        return None, "rejected", ErrorInfo(ForbiddenImportError.__name__, refusal(name), line, "")
    module = types.ModuleType(MODULE_NAME)
    module.__file__ = SOLUTION_FILE
    sys.modules[MODULE_NAME] = module
    try:
        exec(code, module.__dict__)
    except ForbiddenImportError as exc:
        return None, "rejected", error_info(exc)
    except BaseException as exc:  # SystemExit and friends at import time are load errors too
        return None, "load_error", error_info(exc)
    return module, "ok", None


def execute(job: Job) -> Result:
    """Load the candidate module and run the plan; never raises for what the candidate did."""
    keep = bytearray()
    saved = sys.stdout, sys.stderr
    sys.stdout = BoundedTee(1, keep)
    sys.stderr = BoundedTee(2, keep)
    try:
        module, status, module_error = load_module(job.source)
        runner = None
        if module is not None:
            runner = PlanRunner(job, module)
            runner.run()
    finally:
        sys.stdout, sys.stderr = saved
        sys.modules.pop(MODULE_NAME, None)
    return Result(
        status=status,
        outputs=runner.outputs if runner else {},
        errors=runner.errors if runner else {},
        timings=runner.timings if runner else {},
        module_error=module_error,
        stdout=keep.decode("utf-8", "replace"),
        refusals=list(REFUSALS),
    )


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def run_job(
    job_fd: int,
    result_fd: int,
    before_candidate: Callable[[], None] | None = None,
    *,
    threads_limited: bool = False,
) -> None:
    """Read one job from job_fd, run it, write the result frame to result_fd and exit.

    ``threads_limited``: limit_thread_memory() already ran in the process this one was forked
    from (the zygote); its settings are inherited.
    """
    try:
        job = decode_job(read_frame(job_fd))
    except (ProtocolError, OSError) as exc:
        os.write(2, f"harness: bad job: {exc}\n".encode())
        os._exit(3)
    os.close(job_fd)
    if STAR_NUMPY.search(job.source):
        warm_numpy_star()
    if before_candidate is not None:
        before_candidate()
    if not threads_limited:
        limit_thread_memory()
    compat.install()
    install_guards()
    result = execute(job)
    try:
        frame = encode_result(result)
    except ProtocolError as exc:
        frame = encode_result(
            Result(status=result.status, errors={"__result__": ErrorInfo("BadReturn", str(exc))})
        )
    _write_all(result_fd, frame)
    # Skip atexit handlers and finalizers the candidate may have registered.
    os._exit(0)


def main(job_fd: int, result_fd: int) -> None:
    """Entry point of a fresh child process."""
    run_job(job_fd, result_fd)


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]))
