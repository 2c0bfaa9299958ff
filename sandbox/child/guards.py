"""Runs INSIDE the sandbox child: the import allowlist and the audit hook.

These give candidates clear messages ("import of 'torch' is not allowed here") and trip
obvious misuse early; they are NOT a barrier. Python code in the child can reach ``os`` as
``contextlib.os`` or through ``sys.modules``, and ``_posixsubprocess.fork_exec`` (preloaded by
numpy) can exec a fresh interpreter with no hook at all. The barriers are outside the process:
namespaces and the read-only view (bwrap), the slot uid, the seccomp allowlist, the cgroups and
the rlimits (sandbox/isolation), and verdicts computed on the trusted side from returned arrays.
"""

from __future__ import annotations

import _thread
import ast
import builtins
import re
import sys
import types
from collections.abc import Mapping, Sequence

from sandbox.wire import DENIED_EVENTS, MAX_REFUSALS

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
        "past",  # only the built-in shim (child/compat.py): no third-party code
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


# --------------------------------------------------------------------------- imports


def refusal(name: str) -> str:
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
        raise ForbiddenImportError(refusal(name))
    return _real_import(name, globals, locals, fromlist, level)


_TRUSTED_IMPORTERS = frozenset(sys.stdlib_module_names | {"numpy", "sandbox"}) - {"__main__"}


def _audit(event: str, args: tuple[object, ...]) -> None:
    if event == "import":
        name = args[0]
        if isinstance(name, str) and name.partition(".")[0] in _DENIED_MODULES:
            raise ForbiddenImportError(refusal(name))
    elif event in DENIED_EVENTS:
        if event not in REFUSALS and len(REFUSALS) < MAX_REFUSALS:
            REFUSALS.append(event)
        raise PermissionError(f"{event} is not allowed in the sandbox")


STAR_NUMPY = re.compile(r"from\s+numpy\s+import\s+\*")


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
