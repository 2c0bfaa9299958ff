"""Runs INSIDE the sandbox child: loads the candidate module, runs the call plan, returns arrays.

Nothing here is trusted by the other side. The import allowlist, the audit hook and the trimmed
tracebacks exist to give candidates clear messages and to trip obvious misuse early; the real
barriers are the sandbox around this process and the fact that every verdict is computed on the
trusted side from the arrays this module sends back.

Entry points: ``main(job_fd, result_fd)`` for a fresh child, ``run_job(job_fd, result_fd)`` for a
child forked from a zygote that has already imported this module.
"""

from __future__ import annotations

import _thread
import ast
import builtins
import copy
import io
import linecache
import os
import re
import sys
import time
import traceback
import types
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

# numpy's own submodules are loaded before the audit hook goes in, so that its lazy imports never
# need a module the hook refuses.
import numpy.fft
import numpy.linalg
import numpy.random

from sandbox.protocol import (
    DENIED_EVENTS,
    MAX_REFUSALS,
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

SOLUTION_FILE = "solution.py"
MODULE_NAME = "solution"

# Top-level modules a candidate may import. Everything else is refused at load time.
ALLOWED_IMPORTS: frozenset[str] = frozenset(
    {
        "numpy",
        "math",
        "cmath",
        "random",
        "itertools",
        "functools",
        "collections",
        "copy",
        "typing",
        "typing_extensions",
        "operator",
        "numbers",
        "fractions",
        "decimal",
        "statistics",
        "time",
        "timeit",
        "warnings",
        "dataclasses",
        "enum",
        "abc",
        "string",
        "re",
        "heapq",
        "bisect",
        "array",
        "builtins",
        "__future__",
        "contextlib",
        "textwrap",
        "pprint",
    }
)

# Why a well-known module is refused, for the message the candidate reads.
_NO_AUTODIFF = "automatic differentiation libraries are not available: write the gradients by hand"
_REFUSED_REASONS: dict[str, str] = {
    **dict.fromkeys(("torch", "jax", "jaxlib", "autograd", "tensorflow", "keras"), _NO_AUTODIFF),
    "scipy": "only numpy is installed",
}

# Modules nobody inside the child may load after startup, whoever asks (numpy's lazy imports
# included): the tripwire behind the allowlist for candidates who reach the import machinery
# some other way.
_DENIED_MODULES: frozenset[str] = frozenset(
    {
        "ctypes",
        "_ctypes",
        "socket",
        "_socket",
        "ssl",
        "_ssl",
        "subprocess",
        "_posixsubprocess",
        "multiprocessing",
        "_multiprocessing",
        "torch",
        "jax",
        "jaxlib",
        "autograd",
        "tensorflow",
        "keras",
        "pty",
        "fcntl",
        "mmap",
        "urllib",
        "http",
        "ftplib",
        "smtplib",
        "asyncio",
        "_asyncio",
        "selectors",
        "select",
        "resource",
        "pickle",
        "_pickle",
        "marshal",
    }
)

_MAX_TB_FRAMES = 20

# Every operation the audit hook refused in this process, in order, each once: the candidate may
# catch the PermissionError, but the refusal still reaches the grader (verdict rejected). The
# candidate runs in this process and could empty this list; that only hides its own hostility,
# never earns marks, since verdicts are computed on the trusted side from the returned arrays.
REFUSALS: list[str] = []

# Stack reserved per thread a candidate manages to start. glibc's default is RLIMIT_STACK (8 MiB):
# under RLIMIT_AS, ~30 such threads exhausted the address space before pids.max stopped them, so
# a thread bomb ended as memory_limit or timeout by chance. 256 KiB runs Python code comfortably
# and keeps pids.max the limit that is hit.
THREAD_STACK_BYTES = 256 * 1024
M_ARENA_MAX = -8  # mallopt parameter (malloc.h)


class ForbiddenImportError(ImportError):
    """The candidate imported a module outside the allowlist."""


class BadReturnError(Exception):
    """A value the plan asked to keep is not something we can send back."""


class BadOutputTypeError(BadReturnError):
    """A kept value is not a real-valued array or number (a list, an object array, ...)."""


class StepError(Exception):
    """A plan step refers to something that does not exist."""


# --------------------------------------------------------------------------- imports


def _refusal(name: str) -> str:
    top = name.partition(".")[0]
    reason = _REFUSED_REASONS.get(
        top, "only numpy, math and parts of the standard library are available"
    )
    return f"import of '{name}' is not allowed here: {reason}"


def _import_allowed(name: str) -> bool:
    return name.partition(".")[0] in ALLOWED_IMPORTS


def scan_imports(tree: ast.AST) -> list[tuple[str, int]]:
    """Return (module, line) for every import in the module that the allowlist refuses."""
    refused: list[tuple[str, int]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            refused.extend((a.name, node.lineno) for a in node.names if not _import_allowed(a.name))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                refused.append(("." * node.level + (node.module or ""), node.lineno))
            elif node.module is not None and not _import_allowed(node.module):
                refused.append((node.module, node.lineno))
    return refused


_real_import = builtins.__import__


def _guarded_import(
    name: str,
    globals: Mapping[str, object] | None = None,
    locals: Mapping[str, object] | None = None,
    fromlist: Sequence[str] | None = (),
    level: int = 0,
) -> types.ModuleType:
    # Imports made by numpy and the standard library carry their own module name; anything
    # else (the candidate's module, exec'd strings, bare __import__ calls) meets the allowlist.
    importer = globals.get("__name__") if globals else None
    trusted = isinstance(importer, str) and importer.partition(".")[0] in _TRUSTED_IMPORTERS
    if not trusted and (level or not _import_allowed(name)):
        raise ForbiddenImportError(_refusal(name))
    return _real_import(name, globals, locals, fromlist, level)


_TRUSTED_IMPORTERS = frozenset(sys.stdlib_module_names | {"numpy", "sandbox"}) - {"__main__"}


def _audit(event: str, args: tuple[object, ...]) -> None:
    if event == "import":
        name = args[0]
        if isinstance(name, str) and name.partition(".")[0] in _DENIED_MODULES:
            raise ForbiddenImportError(_refusal(name))
    elif event in DENIED_EVENTS:
        if event not in REFUSALS and len(REFUSALS) < MAX_REFUSALS:
            REFUSALS.append(event)
        raise PermissionError(f"{event} is not allowed in the sandbox")


_STAR_NUMPY = re.compile(r"from\s+numpy\s+import\s+\*")


def warm_numpy_star() -> None:
    """Load what `from numpy import *` pulls in (f2py, testing, ...) before the guards go in.

    numpy resolves its lazy submodules during a star import, and they import modules the audit
    hook refuses; once loaded, the star import is only name binding.
    """
    exec("from numpy import *", {})


def limit_thread_memory() -> None:
    """Make each thread cost little address space: a small stack and no malloc arena of its own.

    glibc gives every thread that mallocs its own arena, reserving 64 MiB of address space each
    (up to 8 per core); with one arena, threads share the main heap. Called before any thread
    exists, so glibc has not yet fixed its arena limit.
    """
    _thread.stack_size(THREAD_STACK_BYTES)
    import ctypes

    ctypes.CDLL(None).mallopt(M_ARENA_MAX, 1)
    # Out of sys.modules again (the zygote loaded it too): a candidate's run-time
    # importlib.import_module("ctypes") must meet the audit hook, not a cached module.
    for name in [m for m in sys.modules if m.partition(".")[0] in ("ctypes", "_ctypes")]:
        del sys.modules[name]


def install_guards() -> None:
    """Refuse forbidden imports and dangerous calls from now on, in this process for good."""
    builtins.__import__ = _guarded_import
    sys.addaudithook(_audit)


# --------------------------------------------------------------------------- errors


def _candidate_frames(tb: types.TracebackType | None) -> list[traceback.FrameSummary]:
    return [f for f in traceback.extract_tb(tb) if f.filename == SOLUTION_FILE]


def error_info(exc: BaseException) -> ErrorInfo:
    """Describe an exception with the candidate's own frames only."""
    message = _safe_str(exc)
    if isinstance(exc, SyntaxError) and exc.filename == SOLUTION_FILE:
        text = "".join(traceback.format_exception_only(type(exc), exc))
        return ErrorInfo(type(exc).__name__, message, exc.lineno, text[-8000:])
    frames = _candidate_frames(exc.__traceback__)[-_MAX_TB_FRAMES:]
    lines = ["Traceback (most recent call last):\n"] if frames else []
    lines.extend(traceback.format_list(frames))
    lines.append(f"{type(exc).__name__}: {message}\n")
    line = frames[-1].lineno if frames else None
    return ErrorInfo(type(exc).__name__, message, line, "".join(lines)[-8000:])


def _safe_str(exc: BaseException) -> str:
    try:
        text = str(exc)
    except Exception as inner:  # a candidate's exception class may break __str__ itself
        text = f"<unprintable {type(exc).__name__}: {type(inner).__name__}>"
    if isinstance(exc, KeyError) and len(exc.args) == 1:
        text = repr(exc.args[0])
    return text[:4000]


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


# --------------------------------------------------------------------------- plan


class _Runner:
    def __init__(self, job: Job, module: types.ModuleType) -> None:
        self.job = job
        self.module = module
        self.store: dict[str, Any] = {}
        self.failed: set[str] = set()
        self.outputs: dict[str, np.ndarray[Any, Any]] = {}
        self.errors: dict[str, ErrorInfo] = {}
        self.timings: dict[str, float] = {}

    # expressions ---------------------------------------------------------
    def refs(self, expr: object, found: list[str]) -> None:
        if isinstance(expr, dict):
            if "ref" in expr:
                found.append(str(expr["ref"]))
            elif "dict" in expr and isinstance(expr["dict"], dict):
                for sub in expr["dict"].values():
                    self.refs(sub, found)
            elif "list" in expr and isinstance(expr["list"], list):
                for sub in expr["list"]:
                    self.refs(sub, found)

    def evaluate(self, expr: object) -> Any:
        if not isinstance(expr, dict):
            raise StepError(f"malformed expression {expr!r}")
        if "array" in expr:
            name = expr["array"]
            if name not in self.job.arrays:
                raise StepError(f"unknown input array {name!r}")
            return self.job.arrays[name].copy()
        if "value" in expr:
            return copy.deepcopy(expr["value"])
        if "ref" in expr:
            value = follow(self.store[expr["ref"]], expr.get("path", []))
            return copy.deepcopy(value) if expr.get("copy") else value
        if "dict" in expr:
            return {str(k): self.evaluate(v) for k, v in expr["dict"].items()}
        if "list" in expr:
            return [self.evaluate(v) for v in expr["list"]]
        raise StepError(f"malformed expression {expr!r}")

    # steps -----------------------------------------------------------------
    def run(self) -> None:
        for step in self.job.plan:
            sid = str(step.get("id"))
            found: list[str] = []
            call = step.get("call")
            if isinstance(call, dict):
                self.refs(call, found)
            if isinstance(step.get("assign"), dict):
                self.refs(step["assign"], found)
            for key in ("let", "value"):
                self.refs(step.get(key), found)
            for arg in step.get("args", []) or []:
                self.refs(arg, found)
            for arg in (step.get("kwargs", {}) or {}).values():
                self.refs(arg, found)
            missing = next((d for d in found if d in self.failed or d not in self.store), None)
            if missing is not None:
                self.errors[sid] = ErrorInfo("Skipped", f"depends on {missing}")
                self.failed.add(sid)
                continue
            try:
                value = self.step(sid, step)
            except StepError as exc:
                self.errors[sid] = ErrorInfo("PlanError", str(exc))
                self.failed.add(sid)
                continue
            except BaseException as exc:  # the candidate's own error: report it and go on
                self.errors[sid] = error_info(exc)
                self.failed.add(sid)
                continue
            self.store[sid] = value
            self.keep(step, value)

    def step(self, sid: str, step: Mapping[str, Any]) -> Any:
        if "call" in step:
            target = step["call"]
            if isinstance(target, str):
                if target.startswith("_") or not hasattr(self.module, target):
                    raise AttributeError(f"solution.py does not define {target}()")
                fn = getattr(self.module, target)
            else:
                fn = follow(self.store[target["ref"]], target.get("path", []))
            if not callable(fn):
                raise TypeError(f"{_call_name(step)} is not callable")
            args = [self.evaluate(a) for a in step.get("args", []) or []]
            kwargs = {str(k): self.evaluate(v) for k, v in (step.get("kwargs", {}) or {}).items()}
            # Thread CPU time: immune to co-tenants' load. Not process time: with RLIMIT_CPU set,
            # the kernel samples the process clock at tick granularity (measured: 0.0 for a
            # 10 us call). Candidates cannot import threading to move work elsewhere.
            start = time.thread_time()
            value = fn(*args, **kwargs)
            if step.get("timed"):
                self.timings[sid] = time.thread_time() - start
            return value
        if "let" in step:
            return self.evaluate(step["let"])
        if "assign" in step:
            target = step["assign"]
            path = list(target.get("path", []))
            if not path:
                raise StepError("assign needs a non-empty path")
            holder = follow(self.store[target["ref"]], path[:-1])
            value = self.evaluate(step.get("value"))
            key = path[-1]
            if isinstance(holder, dict | list) and not (
                isinstance(holder, list) and isinstance(key, str)
            ):
                holder[key] = value
            elif isinstance(key, str) and not key.startswith("_"):
                setattr(holder, key, value)
            else:
                raise StepError(f"cannot assign {key!r}")
            return None
        raise StepError(f"step {sid!r} has no call, let or assign")

    def keep(self, step: Mapping[str, Any], value: Any) -> None:
        keep = step.get("keep") or {}
        wanted = [
            p[0] for p in keep.values() if isinstance(p, list) and p and isinstance(p[0], int)
        ]
        expected = max(wanted) + 1 if wanted else 0
        name = _call_name(step)
        for out_name, path in keep.items():
            try:
                picked = _pick(value, path, name, expected)
                self.outputs[str(out_name)] = to_array(picked, f"{name}: {out_name}")
            except BadOutputTypeError as exc:
                self.errors[str(out_name)] = ErrorInfo("BadOutputType", str(exc))
            except BadReturnError as exc:
                self.errors[str(out_name)] = ErrorInfo("BadReturn", str(exc))
            except Exception as exc:  # a candidate object whose __getitem__/__array__ raises
                self.errors[str(out_name)] = ErrorInfo(
                    "BadReturn", f"{name}: {out_name}: {_safe_str(exc)}"
                )


def _call_name(step: Mapping[str, Any]) -> str:
    call = step.get("call")
    if isinstance(call, str):
        return call
    if isinstance(call, dict):
        return ".".join(str(p) for p in call.get("path", [])) or str(call.get("ref"))
    return str(step.get("id"))


def follow(obj: Any, path: list[Any]) -> Any:
    """Index into obj: int -> sequence index, str -> dict key or public attribute."""
    for part in path:
        if isinstance(part, bool) or not isinstance(part, int | str):
            raise StepError(f"bad path element {part!r}")
        if isinstance(part, int) or isinstance(obj, dict):
            obj = obj[part]
        elif part.startswith("_"):
            raise StepError(f"private attribute {part!r} refused")
        else:
            obj = getattr(obj, part)
    return obj


def _pick(value: Any, path: object, name: str, expected: int) -> Any:
    if not isinstance(path, list):
        raise BadReturnError(f"{name}: bad keep path")
    if path and isinstance(path[0], int) and not isinstance(path[0], bool):
        if not isinstance(value, tuple | list):
            raise BadReturnError(
                f"{name} returned {_kind(value)}, expected a tuple of {expected} values"
            )
        if path[0] >= len(value):
            raise BadReturnError(f"{name} returned {len(value)} values, expected {expected}")
    try:
        return follow(value, path)
    except (KeyError, IndexError, AttributeError, TypeError) as exc:
        raise BadReturnError(
            f"{name}: cannot find {path!r} in the value returned: {_safe_str(exc)}"
        ) from exc


def _kind(value: object) -> str:
    if isinstance(value, np.ndarray):
        return "a single array"
    return f"a {type(value).__name__}"


def to_array(value: object, what: str) -> np.ndarray[Any, Any]:
    """Convert a kept value to an array the wire accepts, or explain why it can't be."""
    if isinstance(value, bool | int | float | np.bool_ | np.integer | np.floating):
        return np.array(float(value), dtype=np.float64)
    if not isinstance(value, np.ndarray):
        raise BadOutputTypeError(f"{what}: expected a numpy array, got {type(value).__name__}")
    kind = value.dtype.kind
    if kind not in "biuf":
        raise BadOutputTypeError(
            f"{what}: expected a real-valued numeric array, got dtype {value.dtype}"
        )
    arr = np.array(value, copy=True, order="C")  # drops subclasses and odd strides
    names = {"<f8", "<f4", "<i8", "<i4", "|b1", "|u1"}
    if arr.dtype.newbyteorder("<").str not in names or arr.dtype.itemsize not in (1, 4, 8):
        arr = arr.astype(np.float64)
    return arr


# --------------------------------------------------------------------------- loading


def load_module(source: str) -> tuple[types.ModuleType | None, Status, ErrorInfo | None]:
    """Compile and execute the candidate's module as `solution`."""
    linecache.cache[SOLUTION_FILE] = (len(source), None, source.splitlines(True), SOLUTION_FILE)
    try:
        tree = ast.parse(source, SOLUTION_FILE)
        code = compile(tree, SOLUTION_FILE, "exec")
    except (SyntaxError, ValueError) as exc:
        return None, "load_error", error_info(exc)
    refused = scan_imports(tree)
    if refused:
        name, line = refused[0]
        return None, "rejected", ErrorInfo(ForbiddenImportError.__name__, _refusal(name), line, "")
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
            runner = _Runner(job, module)
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
    if _STAR_NUMPY.search(job.source):
        warm_numpy_star()
    if before_candidate is not None:
        before_candidate()
    if not threads_limited:
        limit_thread_memory()
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
