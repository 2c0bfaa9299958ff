"""What the candidate reads: descriptions of load errors, refusals, mismatches, with hints."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from sandbox.grading import numerics as gradcheck
from sandbox.grading.tasks import UnitSpec
from sandbox.wire import ErrorInfo

Array = npt.NDArray[Any]

HINTS: list[tuple[re.Pattern[str], str]] = [
    (
        re.compile(r"Missing parentheses in call to '(print|exec)'"),
        "This looks like Python 2 code: write print(...) with parentheses (Python 3).",
    ),
    (
        re.compile(r"name '(xrange|unicode|basestring|raw_input)' is not defined"),
        "This is Python 2 code: use range/str/input (Python 3).",
    ),
    (
        re.compile(r"has no attribute '(float|int|bool|object|complex|str|long)'"),
        "np.float, np.int, np.bool and np.object were removed from NumPy: use the builtins "
        "float, int, bool, object (or np.float64, np.int64).",
    ),
    (
        re.compile(r"has no attribute '(asscalar|alltrue|sometrue|product|cumproduct|NaN|Inf)'"),
        "This NumPy function or alias was removed in NumPy 2: see the NumPy 2 migration guide.",
    ),
    (
        re.compile(r"only (length-1|0-dimensional|size-1) arrays can be converted"),
        "NumPy 2 no longer converts arrays with more than one element to a Python number: "
        "index the element you mean (e.g. int(a[0]) or a.item()).",
    ),
    (
        re.compile(
            r"takes \d+ positional arguments? but \d+ (were|was) given|"
            r"missing \d+ required positional argument|unexpected keyword argument"
        ),
        "Check the function's signature against the statement.",
    ),
    (
        re.compile(r"does not define "),
        "Define it at the top level of your module, spelled exactly as in the statement.",
    ),
    (
        re.compile(r"cannot unpack|not enough values to unpack|too many values to unpack"),
        "Check how many values each function returns (see the statement).",
    ),
    # R's own wording of the usual mistakes.
    (
        re.compile(r"non-conformable (arguments|arrays)"),
        "In R, a %*% b needs ncol(a) == nrow(b), and + or * need equal dims: print dim() of "
        "each operand (a vector has none; use matrix() or t() to make one).",
    ),
    (
        re.compile(r'could not find function "'),
        "Define every function you call in your file, or use a base R or stats function.",
    ),
    (
        re.compile(r"unused argument|argument \"\w+\" is missing, with no default"),
        "Check the function's signature against the statement.",
    ),
]


def hint(message: str) -> str:
    for pattern, hint in HINTS:
        if pattern.search(message):
            return f" Hint: {hint}"
    return ""


def where(err: ErrorInfo, source_file: str = "solution.py") -> str:
    # A SyntaxError's own message already names the file ("(solution.py, line N)",
    # "solution.R:3:5: unexpected symbol").
    if not err.line or source_file in err.message:
        return ""
    return f" ({source_file}, line {err.line})"


# What the R harness refuses under each audit event's name, in R's words.
R_REFUSALS = {
    "os.system": "system()",
    "subprocess.Popen": "system2() or pipe()",
    "socket.connect": "a socket or url()",
    "socket.bind": "a server socket",
    "ctypes.dlopen": "dyn.load()",
    "ctypes.call_function": ".C(), .Call(), .External() or .Fortran()",
}


def describe_refusals(refusals: list[str], language: str = "python") -> str:
    # The names are the audit events the harness refuses, never text the candidate shapes.
    if language == "r":
        refusals = [R_REFUSALS.get(r, r) for r in refusals]
    names = ", ".join(refusals[:5]) + (", ..." if len(refusals) > 5 else "")
    allowed = "base R" if language == "r" else "numpy and the listed modules"
    return (
        f"Your code was refused: it attempted an operation the sandbox does not allow ({names}). "
        f"Catching the error does not make it allowed: use only {allowed}."
    )


def describe_load(
    err: ErrorInfo | None, *, rejected: bool, source_file: str = "solution.py"
) -> str:
    if err is None:
        return "Your code could not be loaded."
    head = "Your code was refused" if rejected else "Your code could not be loaded"
    return f"{head}: {err.type}: {err.message}{where(err, source_file)}.{hint(err.message)}"


def friendly(key: str) -> str:
    # "p0/affine/grad/x" -> "dx", "p0/affine/out/out" -> "out": the names the statement uses.
    parts = key.split("/")
    if len(parts) < 4:
        return parts[-1]
    return f"d{parts[-1]}" if parts[2].startswith("grad") else parts[-1].split("@")[0]


def name_of(signature: str) -> str:
    return signature.split("(")[0].strip()


def expectations(functions: Sequence[str], language: str = "python") -> dict[str, str]:
    """Per function name, the sentence saying what it takes and returns, in the language's terms.

    The statement's signatures are Python's ("f(x) -> (out, cache)"); an R candidate returns
    several values as a list, so R reads "f should return list(out, cache)".
    """
    said = {}
    for sig in functions:
        name = name_of(sig)
        _, arrow, returns = sig.partition("->")
        if language != "r" or not arrow:
            said[name] = f"Expected: {sig.strip()}"
            continue
        values = [v.strip() for v in returns.split("|")]
        values = [f"list({v[1:-1]})" if v.startswith("(") else v for v in values]
        who = name.replace(".", "'s ") if "." in name else name
        said[name] = f"{who} should return {' or '.join(values)}"
    return said


def mismatch(label: str, cmp: gradcheck.Comparison, value: Array) -> str:
    if cmp.reason == "shape":
        return f"{label} has shape {cmp.actual_shape}, expected {cmp.expected_shape}"
    if cmp.reason == "nonfinite":
        return f"{label} contains NaN or inf (first at index {cmp.worst_index})"
    where = f" at index {cmp.worst_index}" if cmp.worst_index else ""
    # float32 loses ~1e-7 relative: a right formula in the wrong precision still fails.
    single = " Your array is float32: compute in float64." if value.dtype == np.float32 else ""
    return (
        f"{label} is wrong: max abs error {cmp.max_abs_error:.2e}{where} "
        f"(relative to the largest entry: {cmp.rel_error:.2e}).{single}"
    )


def describe(
    key: str,
    err: ErrorInfo,
    *,
    calls: Mapping[str, str],
    errors: Mapping[str, ErrorInfo],
    signatures: Mapping[str, str],
    source_file: str = "solution.py",
) -> str:
    """Say what went wrong at a step or an output, in the statement's names, with a hint.

    `signatures` maps a function's name to what it should return (`expectations`).
    """
    fn = calls.get(key, "")
    if err.type == "Skipped":
        dep = err.message.removeprefix("depends on ").strip()
        dep_err = errors.get(dep)
        dep_fn = calls.get(dep, dep)
        if dep_err is not None and dep_err.type != "Skipped":
            cause = describe(
                dep,
                dep_err,
                calls=calls,
                errors=errors,
                signatures=signatures,
                source_file=source_file,
            )
            return f"not run because {dep_fn} failed: {cause}"
        return f"not run because {dep_fn} failed"
    if err.type in ("BadReturn", "BadOutputType"):
        # "f: out: expected ..." and "f returned a list of 2, expected 3" both start with f.
        called = re.match(r"[\w.]+", err.message)
        sig = signatures.get(called.group(0), "") if called else ""
        expected = f" {sig}." if sig else ""
        return f"{err.message.replace(key, friendly(key))}.{expected}"
    if "/state/" in key and key in calls and err.type in ("KeyError", "AttributeError"):
        return f"{fn} did not store {err.message} in the dict it was given"
    if err.type == "PlanError":
        return f"{fn or key}: {err.message}"
    who = f"{fn} raised " if fn else ""
    return f"{who}{err.type}: {err.message}{where(err, source_file)}.{hint(err.message)}"


def param_name(functions: Sequence[str], unit: UnitSpec, param: str) -> str:
    """The name the candidate's signature gives a unit's argument (bn_param, not bn_train)."""
    sig = {name_of(s): s for s in functions}.get(unit.forward or unit.call, "")
    names = [p.strip().split("=")[0] for p in sig.partition("(")[2].partition(")")[0].split(",")]
    idx = unit.args.index(param) if param in unit.args else -1
    return names[idx] if 0 <= idx < len(names) and names[idx] else param
