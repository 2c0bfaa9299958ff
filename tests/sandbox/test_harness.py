"""The child-side harness: loading candidate modules, running call plans, reporting errors.

Plan semantics run in-process through `harness.execute` with trusted sources (fast); the import
guards, output capture and limits run in real children through `UnsafeLocalRunner`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

from sandbox.child import harness
from sandbox.runners import Limits, Termination, UnsafeLocalRunner
from sandbox.wire import Job, Result

AFFINE = """
from builtins import range
import numpy as np
from numpy import *


def _flat(x):
    return x.reshape(x.shape[0], -1)


def affine_forward(x, w, b):
    out = _flat(x) @ w + b
    return out, (x, w, b)


def affine_backward(dout, cache):
    x, w, b = cache
    dx = (dout @ w.T).reshape(x.shape)
    dw = _flat(x).T @ dout
    db = dout.sum(axis=0)
    dout *= 0  # real solutions mutate their inputs; later steps must not see it
    return dx, dw, db
"""


def _arrays() -> dict[str, np.ndarray[Any, Any]]:
    rng = np.random.default_rng(7)
    return {
        "x": rng.normal(size=(4, 3, 2)),
        "w": rng.normal(size=(6, 5)),
        "b": rng.normal(size=5),
        "dout": rng.normal(size=(4, 5)),
    }


def _affine_plan() -> list[dict[str, Any]]:
    args = [{"array": "x"}, {"array": "w"}, {"array": "b"}]
    return [
        {"id": "f", "call": "affine_forward", "args": args, "keep": {"out": [0]}},
        {
            "id": "b",
            "call": "affine_backward",
            "args": [{"array": "dout"}, {"ref": "f", "path": [1]}],
            "keep": {"dx": [0], "dw": [1], "db": [2]},
            "timed": True,
        },
        {
            "id": "b2",
            "call": "affine_backward",
            "args": [{"array": "dout"}, {"ref": "f", "path": [1]}],
            "keep": {"db2": [2]},
        },
    ]


def _run(source: str, plan: list[dict[str, Any]], arrays: dict[str, Any] | None = None) -> Result:
    return harness.execute(Job(source=source, arrays=arrays or _arrays(), plan=plan))


def test_affine_plan_returns_the_right_arrays_and_keeps_cache_inside() -> None:
    a = _arrays()
    result = _run(AFFINE, _affine_plan(), a)
    assert result.status == "ok", result
    assert result.errors == {}
    x2 = a["x"].reshape(4, -1)
    np.testing.assert_allclose(result.outputs["out"], x2 @ a["w"] + a["b"])
    np.testing.assert_allclose(result.outputs["dx"], (a["dout"] @ a["w"].T).reshape(4, 3, 2))
    np.testing.assert_allclose(result.outputs["dw"], x2.T @ a["dout"])
    # the first backward zeroed its dout; the second got a fresh copy
    np.testing.assert_allclose(result.outputs["db2"], a["dout"].sum(axis=0))
    assert result.timings["b"] >= 0.0
    assert set(result.timings) == {"b"}


def test_wrong_number_of_returned_values_is_a_bad_return() -> None:
    source = "def affine_backward(dout, cache):\n    return dout, dout\n"
    plan = [
        {
            "id": "b",
            "call": "affine_backward",
            "args": [{"array": "dout"}, {"value": None}],
            "keep": {"dx": [0], "dw": [1], "db": [2]},
        }
    ]
    result = _run(source, plan)
    assert result.errors["db"].type == "BadReturn"
    assert result.errors["db"].message == "affine_backward returned 2 values, expected 3"
    assert set(result.outputs) == {"dx", "dw"}


@pytest.mark.parametrize(
    ("body", "kind", "message"),
    [
        ("return [1.0, 2.0], None", "BadOutputType", "expected a numpy array, got list"),
        ("return np.ones(2, dtype=complex), None", "BadOutputType", "real-valued"),
        ("return np.array([object()]), None", "BadOutputType", "real-valued"),
        (
            "return np.ones(3)",
            "BadReturn",
            "returned a single array, expected a tuple of 1 values",
        ),
    ],
)
def test_unusable_returns_are_explained(body: str, kind: str, message: str) -> None:
    # A wrong type is a rejection on the trusted side, a wrong structure an ordinary error.
    source = f"import numpy as np\ndef f():\n    {body}\n"
    result = _run(source, [{"id": "s", "call": "f", "keep": {"out": [0]}}])
    assert result.errors["out"].type == kind
    assert message in result.errors["out"].message


def test_scalars_become_float64_and_odd_dtypes_are_widened() -> None:
    source = (
        "import numpy as np\n"
        "def f():\n"
        "    odd = np.ones(2, dtype=np.float16), np.arange(2, dtype=np.int16)\n"
        "    return (3, np.float32(2.5), True, *odd)\n"
    )
    keep = {"a": [0], "b": [1], "c": [2], "d": [3], "e": [4]}
    result = _run(source, [{"id": "s", "call": "f", "keep": keep}])
    assert result.errors == {}
    assert result.outputs["a"].shape == ()
    assert result.outputs["a"].dtype == np.float64
    assert float(result.outputs["c"]) == 1.0
    assert result.outputs["d"].dtype == np.float64
    assert result.outputs["e"].dtype == np.float64


def test_failed_step_skips_its_dependents_and_the_rest_goes_on() -> None:
    source = AFFINE + "\ndef broken(x):\n    return x.nonexistent\n"
    plan = [
        {"id": "bad", "call": "broken", "args": [{"array": "x"}]},
        {"id": "dep", "call": "affine_backward", "args": [{"ref": "bad"}, {"ref": "bad"}]},
        *_affine_plan()[:1],
    ]
    result = _run(source, plan)
    error = result.errors["bad"]
    assert error.type == "AttributeError"
    assert error.line == source.count("\n")  # the line of `return x.nonexistent`
    assert 'File "solution.py"' in error.traceback
    assert "harness" not in error.traceback
    assert result.errors["dep"].message == "depends on bad"
    assert "out" in result.outputs


def test_let_assign_and_method_calls_on_stored_objects() -> None:
    source = """
import numpy as np
class Net:
    def __init__(self, scale):
        self.scale = scale
        self._secret = 1
    def loss(self, x, bn_param):
        bn_param["running_mean"] = bn_param.get("running_mean", 0) + 1
        return (self.scale * x).sum(), bn_param["running_mean"]
"""
    plan = [
        {"id": "param", "let": {"dict": {"mode": {"value": "train"}, "eps": {"value": 1e-5}}}},
        {"id": "net", "call": "Net", "args": [{"value": 2.0}]},
        {"id": "set", "assign": {"ref": "net", "path": ["scale"]}, "value": {"value": 3.0}},
        {
            "id": "l1",
            "call": {"ref": "net", "path": ["loss"]},
            "args": [{"array": "b"}, {"ref": "param", "copy": True}],
            "keep": {"loss": [0], "rm1": [1]},
        },
        {
            "id": "l2",
            "call": {"ref": "net", "path": ["loss"]},
            "args": [{"array": "b"}, {"ref": "param", "copy": True}],
            "keep": {"rm2": [1]},
        },
        {"id": "peek", "let": {"ref": "net", "path": ["_secret"]}},
    ]
    a = _arrays()
    result = _run(source, plan, a)
    assert float(result.outputs["loss"]) == pytest.approx(3.0 * a["b"].sum())
    # a copied ref is fresh each time: the first call's mutation does not leak into the second
    assert float(result.outputs["rm1"]) == 1.0
    assert float(result.outputs["rm2"]) == 1.0
    assert result.errors["peek"].type == "PlanError"


def test_syntax_errors_and_python2_code_are_load_errors_with_a_line() -> None:
    result = _run("import numpy as np\n\nprint 'hello'\n", [])
    assert result.status == "load_error"
    assert result.module_error is not None
    assert result.module_error.type == "SyntaxError"
    assert result.module_error.line == 3
    assert "print(...)" in result.module_error.message


def test_exception_at_import_time_is_a_load_error() -> None:
    result = _run("import numpy as np\nx = np.ones(3)\nint(x)\n", [])
    assert result.status == "load_error"
    assert result.module_error is not None
    assert result.module_error.type == "TypeError"
    assert result.module_error.line == 3


@pytest.mark.parametrize(
    ("source", "name"),
    [
        ("import torch\n", "torch"),
        ("import numpy as np\ndef f():\n    import autograd.numpy as anp\n", "autograd.numpy"),
        ("from jax import grad\n", "jax"),
        ("import ctypes\n", "ctypes"),
        ("import subprocess\n", "subprocess"),
        ("import os\n", "os"),
        ("import importlib\n", "importlib"),
        ("from . import helpers\n", "."),
    ],
)
def test_forbidden_imports_are_rejected_at_load_time(source: str, name: str) -> None:
    result = _run(source, [])
    assert result.status == "rejected"
    assert result.module_error is not None
    assert result.module_error.type == "ForbiddenImportError"
    assert f"'{name}" in result.module_error.message


def test_autodiff_refusal_says_why() -> None:
    result = _run("import tensorflow as tf\n", [])
    assert result.module_error is not None
    assert "write the gradients by hand" in result.module_error.message


def test_harmless_imports_are_accepted() -> None:
    source = (
        "from __future__ import annotations\nfrom builtins import range\nimport math, copy\n"
        "import numpy as np\nfrom numpy import *\nfrom collections import OrderedDict\n"
        "def f():\n    return np.array(math.pi)\n"
    )
    result = _run(source, [{"id": "s", "call": "f", "keep": {"pi": []}}])
    assert result.status == "ok"
    assert float(result.outputs["pi"]) == pytest.approx(np.pi)


# --------------------------------------------------------------------------- in real children


@pytest.fixture(scope="module")
def runner() -> Iterator[UnsafeLocalRunner]:
    r = UnsafeLocalRunner(allow_unsafe=True)
    yield r
    r.close()


FAST = Limits(cpu_seconds=2, wall_seconds=5, memory_bytes=256 * 2**20, output_bytes=64 * 1024)


def test_child_runs_the_affine_plan_and_captures_prints(runner: UnsafeLocalRunner) -> None:
    printing = "    print('forward', out.shape)\n    return out, (x, w, b)"
    source = AFFINE.replace("    return out, (x, w, b)", printing)
    outcome = runner.run(Job(source=source, arrays=_arrays(), plan=_affine_plan()), FAST)
    assert outcome.termination == Termination.EXITED
    assert outcome.result is not None
    assert outcome.result.stdout == "forward (4, 5)\n"
    assert set(outcome.result.outputs) == {"out", "dx", "dw", "db", "db2"}
    assert outcome.cpu_seconds > 0


def test_dynamic_import_bypasses_meet_the_guard(runner: UnsafeLocalRunner) -> None:
    source = """
import builtins
def via_dunder():
    return __import__("ctypes")
def via_builtins():
    return builtins.__import__("socket")
def via_exec():
    exec("import subprocess")
def via_numpy():
    import numpy as np
    return np._core._internal.ctypes.CDLL(None)
"""
    plan = [{"id": n, "call": n} for n in ("via_dunder", "via_builtins", "via_exec", "via_numpy")]
    outcome = runner.run(Job(source=source, plan=plan), FAST)
    assert outcome.result is not None
    errors = outcome.result.errors
    assert errors["via_dunder"].type == "ForbiddenImportError"
    assert errors["via_builtins"].type == "ForbiddenImportError"
    assert errors["via_exec"].type == "ForbiddenImportError"
    assert errors["via_numpy"].type == "PermissionError"  # the audit hook's ctypes.dlopen


def test_module_level_dunder_import_is_rejected(runner: UnsafeLocalRunner) -> None:
    outcome = runner.run(Job(source="m = __import__('socket')\n"), FAST)
    assert outcome.result is not None
    assert outcome.result.status == "rejected"


def test_busy_loop_hits_the_cpu_limit(runner: UnsafeLocalRunner) -> None:
    source = "def f():\n    while True:\n        pass\n"
    limits = Limits(cpu_seconds=1, wall_seconds=10)
    outcome = runner.run(Job(source=source, plan=[{"id": "s", "call": "f"}]), limits)
    assert outcome.termination == Termination.TIMEOUT
    assert outcome.result is None
    assert outcome.wall_seconds < 5


def test_sleep_hits_the_wall_deadline(runner: UnsafeLocalRunner) -> None:
    source = "import time\ndef f():\n    time.sleep(60)\n"
    limits = Limits(cpu_seconds=5, wall_seconds=1)
    outcome = runner.run(Job(source=source, plan=[{"id": "s", "call": "f"}]), limits)
    assert outcome.termination == Termination.TIMEOUT
    assert 1 <= outcome.wall_seconds < 4


def test_huge_allocation_is_a_memory_limit(runner: UnsafeLocalRunner) -> None:
    source = "import numpy as np\ndef f():\n    return np.ones(10 * 2**30 // 8)\n"
    outcome = runner.run(Job(source=source, plan=[{"id": "s", "call": "f"}]), FAST)
    assert outcome.termination == Termination.MEMORY_LIMIT
    assert outcome.result is not None
    assert outcome.result.errors["s"].type == "MemoryError"


def test_print_flood_is_an_output_limit(runner: UnsafeLocalRunner) -> None:
    source = "def f():\n    while True:\n        print('spam' * 100)\n"
    outcome = runner.run(Job(source=source, plan=[{"id": "s", "call": "f"}]), FAST)
    assert outcome.termination == Termination.OUTPUT_LIMIT


def test_forged_result_frames_are_protocol_errors(runner: UnsafeLocalRunner) -> None:
    # The candidate finds the result fd (the last argv entry) and writes a fake frame first.
    source = """
import numpy as np
def f():
    return np.ones(2)
def g():
    u = np.lib._utils_impl
    u.os.write(int(u.sys.argv[-1]), b"PASSED")
"""
    plan = [{"id": "s", "call": "f", "keep": {"o": []}}, {"id": "g", "call": "g"}]
    outcome = runner.run(Job(source=source, plan=plan), FAST)
    assert outcome.result is None
    assert outcome.protocol_error is not None
    assert "malformed" in outcome.protocol_error


def test_unsafe_runner_refuses_without_explicit_consent() -> None:
    from sandbox.errors import SandboxError

    with pytest.raises(SandboxError, match="allow_unsafe"):
        UnsafeLocalRunner()


PY2_BOILERPLATE = """
from __future__ import print_function, division
from builtins import range
from past.builtins import xrange
import past.builtins
import numpy as np


def total(x):
    acc = 0.0
    for i in xrange(x.shape[0]):
        acc += x[i]
    text = past.builtins.basestring
    return np.array([acc, float(isinstance("s", text)), float(past.builtins.long(3))])
"""


def test_python2_compatibility_boilerplate_runs_through_a_builtin_shim(
    runner: UnsafeLocalRunner,
) -> None:
    plan = [{"id": "t", "call": "total", "args": [{"array": "x"}], "keep": {"y": []}}]
    job = Job(source=PY2_BOILERPLATE, arrays={"x": np.arange(4.0)}, plan=plan)
    outcome = runner.run(job, FAST)
    assert outcome.result is not None
    assert outcome.result.status == "ok", outcome.result.module_error
    assert not outcome.result.errors, outcome.result.errors
    np.testing.assert_array_equal(outcome.result.outputs["y"], [6.0, 1.0, 3.0])


@pytest.mark.parametrize(
    "line", ["from past.builtins import execfile", "from past.utils import old_div"]
)
def test_other_python2_compatibility_imports_say_to_delete_the_line(
    runner: UnsafeLocalRunner, line: str
) -> None:
    outcome = runner.run(Job(source=f"import numpy as np\n{line}\n"), FAST)
    assert outcome.result is not None
    assert outcome.result.status == "load_error"
    error = outcome.result.module_error
    assert error is not None
    assert error.line == 2
    assert "delete the line" in error.message


def test_the_warm_fork_server_baseline_runs_jobs_and_refuses_without_consent() -> None:
    from sandbox.errors import SandboxError
    from sandbox.runners import UnsafeForkServerRunner

    with pytest.raises(SandboxError, match="allow_unsafe"):
        UnsafeForkServerRunner()
    servers = UnsafeForkServerRunner(allow_unsafe=True, slots=1)
    try:
        for _ in range(2):  # the same warm server, twice
            outcome = servers.run(Job(source=AFFINE, arrays=_arrays(), plan=_affine_plan()), FAST)
            assert outcome.termination == Termination.EXITED, outcome
            assert outcome.result is not None
            assert set(outcome.result.outputs) == {"out", "dx", "dw", "db", "db2"}
            assert outcome.cpu_seconds > 0
        slept = servers.run(
            Job(
                source="import time\ndef f():\n    time.sleep(9)\n", plan=[{"id": "f", "call": "f"}]
            ),
            Limits(cpu_seconds=1, wall_seconds=0.5),
        )
        assert slept.termination == Termination.TIMEOUT
        again = servers.run(Job(source=AFFINE, arrays=_arrays(), plan=_affine_plan()), FAST)
        assert again.result is not None  # a fresh server replaced the killed one
    finally:
        servers.close()
