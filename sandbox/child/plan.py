"""Runs INSIDE the sandbox child: the call-plan interpreter (steps, expressions, kept outputs)."""

from __future__ import annotations

import copy
import time
import types
from collections.abc import Mapping
from typing import Any

import numpy as np

from sandbox.child.failures import error_info, safe_str
from sandbox.wire import ErrorInfo, Job


class BadReturnError(Exception):
    """A value the plan asked to keep is not something we can send back."""


class BadOutputTypeError(BadReturnError):
    """A kept value is not a real-valued array or number (a list, an object array, ...)."""


class StepError(Exception):
    """A plan step refers to something that does not exist."""


class PlanRunner:
    """Runs one job's plan against the loaded candidate module."""

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
                    "BadReturn", f"{name}: {out_name}: {safe_str(exc)}"
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
            f"{name}: cannot find {path!r} in the value returned: {safe_str(exc)}"
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
