"""Grading submissions end to end in real children: verdicts, partial credit, feedback, views."""

from __future__ import annotations

import json
import math
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import autograd.numpy as anp
import numpy as np
import pytest
from autograd import grad

from sandbox.errors import SandboxError
from sandbox.grading import grader, reference
from sandbox.grading.cases import build_cases
from sandbox.grading.loader import load_task
from sandbox.grading.plans import reference_plan
from sandbox.grading.report import CheckStatus, GradeReport, Verdict
from sandbox.grading.steps import Keys
from sandbox.grading.tasks import TaskError, TaskSpec
from sandbox.runners import Limits, Runner, RunOutcome
from sandbox.wire import Job
from tests.sandbox.conftest import CODING, TASK_IDS

AFFINE_OK = """
import numpy as np

def affine_forward(x, w, b):
    return x.reshape(x.shape[0], -1) @ w + b, (x, w, b)

def affine_backward(dout, cache):
    x, w, b = cache
    return (dout @ w.T).reshape(x.shape), x.reshape(x.shape[0], -1).T @ dout, dout.sum(0)
"""


def _grade(task: TaskSpec, source: str, runner: Runner, **kw: object) -> GradeReport:
    options: dict[str, object] = {"seed": 3, "hidden": False} | kw
    return grader.grade(task, source, runner=runner, **options)  # type: ignore[arg-type]


def _check(report: GradeReport, case: str, name: str) -> str:
    return next(c for c in report.checks if c.case == case and c.name == name).status


# --------------------------------------------------------------------------- the bank


@pytest.mark.parametrize("task_id", TASK_IDS)
def test_reference_gets_full_marks_and_every_mutant_and_the_starter_less(
    tasks: dict[str, TaskSpec], runner: Runner, task_id: str
) -> None:
    task = tasks[task_id]
    ref = _grade(task, task.reference, runner, hidden=True)
    assert (ref.verdict, ref.score) == (Verdict.PASSED, task.points)
    assert all(c.status in (CheckStatus.PASSED, CheckStatus.WARNING) for c in ref.checks)
    for name, source in {"starter": task.starter, **task.mutants}.items():
        report = _grade(task, source, runner, hidden=True)
        assert report.verdict is not Verdict.PASSED, name
        assert report.score < task.points - 1e-9, name


def _relu(x: np.ndarray) -> Any:
    return anp.maximum(0.0, x)


def _affine(x: np.ndarray, w: np.ndarray, b: np.ndarray) -> Any:
    return anp.dot(anp.reshape(x, (x.shape[0], -1)), w) + b


def _batchnorm(x: np.ndarray, gamma: np.ndarray, beta: np.ndarray) -> Any:
    mu = anp.mean(x, axis=0)
    var = anp.mean((x - mu) ** 2, axis=0)
    return gamma * (x - mu) / anp.sqrt(var + 1e-5) + beta


def _softmax_loss(x: np.ndarray, y: np.ndarray) -> Any:
    shifted = x - anp.max(x, axis=1, keepdims=True)
    log_p = shifted - anp.log(anp.sum(anp.exp(shifted), axis=1, keepdims=True))
    return -anp.mean(log_p[np.arange(x.shape[0]), y])


@pytest.mark.parametrize(
    ("task_id", "unit_id", "forward", "wrt"),
    [
        ("affine", "affine", _affine, ("x", "w", "b")),
        ("relu", "relu", _relu, ("x",)),
        ("batchnorm", "train", _batchnorm, ("x", "gamma", "beta")),
        ("softmax_loss", "softmax_loss", _softmax_loss, ("x",)),
    ],
)
def test_reference_gradients_agree_with_autograd(
    tasks: dict[str, TaskSpec],
    runner: Runner,
    task_id: str,
    unit_id: str,
    forward: object,
    wrt: tuple[str, ...],
) -> None:
    task = tasks[task_id]
    cases = [c for c in build_cases(task, seed=9, hidden=True) if not c.timing]
    plan = reference_plan(task, cases)
    outcome = runner.run(Job(task.reference_run_source, plan.arrays, plan.steps), Limits())
    assert outcome.result is not None
    assert not outcome.result.errors
    fn = forward  # an autograd.numpy re-implementation, independent of reference.py
    for case in cases:
        k = Keys(case.name, unit_id)
        fixed = [case.inputs[n] for n in wrt]
        extra = [case.inputs[n] for n in ("y",) if n in case.inputs]
        douts = case.douts.get(unit_id, {})
        for i, name in enumerate(wrt):

            def scalar(
                z: np.ndarray,
                i: int = i,
                fixed: Any = fixed,
                extra: Any = extra,
                douts: Any = douts,
            ) -> Any:
                args = [*fixed[:i], z, *fixed[i + 1 :], *extra]
                out = fn(*args)  # type: ignore[operator]
                return anp.sum(out * douts["out"]) if douts else out

            exact = grad(scalar)(fixed[i])
            got = outcome.result.outputs[k.grad(name)]
            scale = max(1.0, float(np.max(np.abs(exact))))
            assert float(np.max(np.abs(got - exact))) <= 1e-12 * scale, (case.name, name)


# --------------------------------------------------------------------------- partial credit


def test_partial_credit_gives_the_right_gradients_their_share(
    tasks: dict[str, TaskSpec], runner: Runner
) -> None:
    task = tasks["affine"]
    report = _grade(task, task.mutants["db_wrong_axis"], runner)
    assert report.verdict is Verdict.FAILED
    # 3 public cases x (out, dx, dw, db, shapes), db wrong everywhere (N > 1): out, dx and dw
    # earn their share; the shapes check counts only with every value right
    shape = task.scoring.shape
    assert report.score == pytest.approx(task.points * 3 / (4 + shape))
    for case in ("p0", "p1", "p2"):
        assert _check(report, case, "gradient dx") == "passed"
        assert _check(report, case, "gradient dw") == "passed"
        assert _check(report, case, "gradient db") == "failed"
    db = next(c for c in report.checks if c.name == "gradient db")
    assert "gradient db is wrong" in db.message
    assert "numerical gradient check disagrees" in db.message
    assert db.max_error is not None
    assert db.max_error > 0.1
    # the candidate sees the scaled error and the decade of the absolute one, never its value
    public = db.to_dict(details=False)
    assert "max_abs_error" not in public
    assert db.max_abs_error is not None
    assert db.max_abs_error <= public["max_abs_error_bound"] < 10 * db.max_abs_error
    assert math.log10(public["max_abs_error_bound"]).is_integer()
    assert db.to_dict(details=True)["max_abs_error"] == db.max_abs_error
    dx = next(c for c in report.checks if c.name == "gradient dx")
    assert dx.max_abs_error is not None
    assert dx.max_abs_error < 1e-9


def test_zero_stub_and_consistent_wrong_forward_fail(
    tasks: dict[str, TaskSpec], runner: Runner
) -> None:
    task = tasks["affine"]
    stub = """
import numpy as np
def affine_forward(x, w, b):
    return np.zeros((x.shape[0], w.shape[1])), (x, w, b)
def affine_backward(dout, cache):
    x, w, b = cache
    return np.zeros_like(x), np.zeros_like(w), np.zeros_like(b)
"""
    report = _grade(task, stub, runner)
    assert (report.verdict, report.score) == (Verdict.FAILED, 0.0)
    consistent = _grade(task, task.mutants["forward_no_bias_consistent"], runner)
    assert consistent.verdict is Verdict.FAILED
    assert _check(consistent, "p0", "affine_forward: out") == "failed"


def test_finite_differences_inside_backward_are_flagged(
    tasks: dict[str, TaskSpec], runner: Runner
) -> None:
    task = tasks["relu"]
    cheat = """
import numpy as np

def relu_forward(x):
    return np.maximum(0, x), x

def relu_backward(dout, cache):
    xs = cache.reshape(-1).copy()
    dx = np.zeros(xs.size)
    d = dout.reshape(-1)
    h = 1e-5
    for i in range(xs.size):  # central differences, one coordinate at a time
        old = xs[i]
        xs[i] = old + h
        plus = np.sum(relu_forward(xs)[0] * d)
        xs[i] = old - h
        minus = np.sum(relu_forward(xs)[0] * d)
        xs[i] = old
        dx[i] = (plus - minus) / (2 * h)
    return dx.reshape(cache.shape)
"""
    report = _grade(task, cheat, runner)
    assert report.verdict is Verdict.FAILED
    timing = next(c for c in report.checks if c.name == "backward time")
    assert timing.status is CheckStatus.FAILED
    assert "numerical differentiation" in timing.message
    assert timing.details["ratio"] > 1000
    # its gradients are right to ~1e-10, yet none is credited
    assert all(c.points == 0 for c in report.checks if c.name.startswith("gradient"))
    shape = task.scoring.shape
    assert report.score == pytest.approx(task.points * (1 + shape) / (2 + shape))
    honest = _grade(task, task.reference, runner)
    assert _check(honest, "t", "backward time") == "passed"


# --------------------------------------------------------------------------- properties


def test_inputs_modified_in_place_is_only_a_warning(
    tasks: dict[str, TaskSpec], runner: Runner
) -> None:
    source = """
import numpy as np
def relu_forward(x):
    return np.maximum(0, x), x
def relu_backward(dout, cache):
    dout[cache <= 0] = 0
    return dout
"""
    task = tasks["relu"]
    report = _grade(task, source, runner)
    assert (report.verdict, report.score) == (Verdict.PASSED, task.points)
    warnings = [c for c in report.checks if c.status is CheckStatus.WARNING]
    assert warnings
    assert "modified out in place" in warnings[0].message


# Real course code: backward takes its values out of the cache (pop) or overwrites them.
CACHE_CONSUMERS = {
    "affine": """
import numpy as np
def affine_forward(x, w, b):
    return x.reshape(x.shape[0], -1) @ w + b, [x, w]
def affine_backward(dout, cache):
    w = cache.pop()
    x = cache.pop()
    dx = (dout @ w.T).reshape(x.shape)
    return dx, x.reshape(x.shape[0], -1).T @ dout, dout.sum(axis=0)
""",
    "relu": """
import numpy as np
def relu_forward(x):
    return np.maximum(0, x), {"mask": x > 0}
def relu_backward(dout, cache):
    mask = cache.pop("mask")
    cache["mask"] = ~mask  # a second call on this cache would see another mask
    return dout * mask
""",
}


@pytest.mark.parametrize("task_id", sorted(CACHE_CONSUMERS))
def test_a_backward_that_consumes_its_cache_keeps_its_credit(
    tasks: dict[str, TaskSpec], runner: Runner, task_id: str
) -> None:
    # Every extra backward (the properties, the timing trials) gets a fresh forward's cache.
    task = tasks[task_id]
    report = grader.grade(task, CACHE_CONSUMERS[task_id], runner=runner, seed=5, hidden=True)
    assert (report.verdict, report.score) == (Verdict.PASSED, task.points), report.message


def test_a_backward_that_is_not_repeatable_fails_the_repeated_call(
    tasks: dict[str, TaskSpec], runner: Runner
) -> None:
    source = """
import numpy as np
CALLS = [0]
def relu_forward(x):
    return np.maximum(0, x), x
def relu_backward(dout, cache):
    CALLS[0] += 1
    return dout * (cache > 0) * (1.0 + 1e-3 * (CALLS[0] % 4 == 0))
"""
    report = _grade(tasks["relu"], source, runner)
    assert report.verdict is Verdict.FAILED
    dx = next(c for c in report.checks if c.name == "gradient dx")
    assert "second time" in dx.message


# --------------------------------------------------------------------------- bad submissions


@pytest.mark.parametrize(
    ("source", "verdict", "expected"),
    [
        ("def affine_forward(x, w, b)\n    return x\n", Verdict.ERROR, "SyntaxError"),
        ("print 'hello'\n", Verdict.ERROR, "Python 2"),
        (
            AFFINE_OK.replace("return x.reshape", "x = x.astype(np.float)\n    return x.reshape"),
            Verdict.ERROR,
            "removed from NumPy",
        ),
        (AFFINE_OK.replace("affine_backward", "affine_bwd"), Verdict.ERROR, "affine_backward"),
        (
            AFFINE_OK.replace("def affine_forward(x, w, b)", "def affine_forward(x, w)"),
            Verdict.ERROR,
            "signature",
        ),
        (
            AFFINE_OK.replace("    return (dout @", "    return dout, dout\n    return (dout @"),
            Verdict.ERROR,
            "returned 2 values, expected 3",
        ),
        (AFFINE_OK.replace("dout.sum(0)", "list(dout.sum(0))"), Verdict.REJECTED, "numpy array"),
        (AFFINE_OK.replace("dout.sum(0)", "dout.sum(0) * np.nan"), Verdict.FAILED, "NaN"),
        (
            AFFINE_OK.replace("dout.sum(0)", "dout.sum(0).astype(np.float32)"),
            Verdict.FAILED,
            "float32",
        ),
        ("import torch\n" + AFFINE_OK, Verdict.REJECTED, "not allowed"),
        ("raise SystemExit(0)\n" + AFFINE_OK, Verdict.ERROR, "SystemExit"),
        (AFFINE_OK.replace("x, w, b = cache", "raise ValueError('boom')"), Verdict.ERROR, "line 8"),
    ],
)
def test_bad_submissions_get_a_verdict_and_a_readable_message(
    tasks: dict[str, TaskSpec], runner: Runner, source: str, verdict: Verdict, expected: str
) -> None:
    report = _grade(tasks["affine"], source, runner)
    assert report.verdict is verdict
    text = report.message + " ".join(c.message for c in report.checks)
    assert expected in text


@pytest.mark.parametrize(
    ("body", "verdict"),
    [
        ("while True:\n    pass\n", Verdict.TIMEOUT),
        ("while True:\n    print('x' * 10000)\n", Verdict.OUTPUT_LIMIT),
        ("big = np.ones(2 * 2**30, dtype=np.uint8)\nbig[::4096] = 1\n", Verdict.MEMORY_LIMIT),
    ],
)
def test_resource_limits_become_verdicts(
    tasks: dict[str, TaskSpec], runner: Runner, body: str, verdict: Verdict
) -> None:
    task = tasks["relu"]
    # the reference runs first with default limits; only the candidate meets the small ones
    grader.grade(task, task.reference, runner=runner, seed=3, hidden=False)
    source = "import numpy as np\n" + body
    limits = Limits(cpu_seconds=1, wall_seconds=3, memory_bytes=256 * 2**20)
    report = grader.grade(task, source, runner=runner, seed=3, hidden=False, limits=limits)
    assert (report.verdict, report.score) == (verdict, 0.0)


# --------------------------------------------------------------------------- views, cache


def test_candidate_view_never_shows_hidden_data(tasks: dict[str, TaskSpec], runner: Runner) -> None:
    task = tasks["affine"]
    leaky = AFFINE_OK.replace(
        "def affine_backward", "def _unused():\n    pass\n\ndef affine_backward"
    ).replace("return x.reshape", "print(repr(x.ravel()[:4].tolist()))\n    return x.reshape")
    bad = leaky.replace("dout.sum(0)", "dout.sum(0) + (x.shape[0] > 4)")
    report = _grade(task, bad, runner, hidden=True)
    view = report.to_dict("candidate")
    text = json.dumps(view)
    assert "stdout" not in view
    assert all(c["case"] in ("p0", "p1", "p2", "t") for c in view["checks"])
    assert view["hidden"]["total"] > 0
    assert view["hidden"]["passed"] + view["hidden"]["failed"] == view["hidden"]["total"]
    hidden_cases = [c for c in build_cases(task, seed=3, hidden=True) if c.hidden]
    for case in hidden_cases:
        for value in case.inputs["x"].ravel()[:4]:
            assert repr(float(value))[:8] not in text
    recruiter = report.to_dict("recruiter")
    assert any(c["case"].startswith("h") for c in recruiter["checks"])
    assert "stdout" in recruiter
    # without hidden cases the candidate sees what they printed
    public = _grade(task, leaky, runner)
    assert "stdout" in public.to_dict("candidate")
    assert public.to_dict("candidate")["stdout"].startswith("[")


def test_grading_is_deterministic_and_reuses_the_cached_reference(
    tasks: dict[str, TaskSpec], runner: Runner
) -> None:
    task = tasks["softmax_loss"]

    class Counting:
        def __init__(self) -> None:
            self.runs = 0

        def run(self, job: Job, limits: Limits) -> RunOutcome:
            self.runs += 1
            return runner.run(job, limits)

        def close(self) -> None:
            pass

    counting = Counting()
    reference.clear_cache()
    source = task.mutants["missing_1_over_n"]
    first = grader.grade(task, source, runner=counting, seed=11, hidden=True)
    assert counting.runs == 2
    second = grader.grade(task, source, runner=counting, seed=11, hidden=True)
    assert counting.runs == 3
    reference.clear_cache()
    third = grader.grade(task, source, runner=counting, seed=11, hidden=True)
    assert first.to_dict("candidate") == second.to_dict("candidate") == third.to_dict("candidate")


def test_sandbox_failure_propagates_and_is_never_a_score(tasks: dict[str, TaskSpec]) -> None:
    class Broken:
        def run(self, job: Job, limits: Limits) -> RunOutcome:
            raise SandboxError(f"could not start the child for {len(job.plan)} steps, {limits}")

        def close(self) -> None:
            pass

    reference.clear_cache()
    with pytest.raises(SandboxError):
        grader.grade(tasks["relu"], AFFINE_OK, runner=Broken(), seed=1, hidden=False)


def test_a_reference_failing_its_own_gradient_check_stops_grading(
    tmp_path: Path, runner: Runner
) -> None:
    folder = tmp_path / "relu"
    shutil.copytree(CODING / "relu", folder)
    ref = folder / "reference.py"
    ref.write_text(ref.read_text().replace("dout * (cache > 0)", "dout * (cache > 0) * 1.001"))
    shutil.rmtree(folder / "mutants")  # diffs against the old reference no longer apply
    task = load_task(folder)
    with pytest.raises(TaskError, match="own numerical check on 9 draws") as caught:
        grader.grade(task, task.starter, runner=runner, seed=1, hidden=False)
    # the service treats it like any failure of the judge: retried, then left to a human
    assert isinstance(caught.value, SandboxError)


def test_cli_prints_the_report_as_json(tmp_path: Path) -> None:
    solution = tmp_path / "solution.py"
    solution.write_text(load_task(CODING / "relu").mutants["no_mask"])
    proc = subprocess.run(
        [sys.executable, "-m", "sandbox", "grade", str(CODING / "relu"), str(solution),
         "--json"],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert set(out) == {"task_id", "verdict", "score", "max_score", "checks"}
    assert (out["task_id"], out["verdict"]) == ("relu", "failed")
    assert 0 < out["score"] < out["max_score"]


# --------------------------------------------------------------------------- model, optimizer

MODEL_YAML = """
id: linear_model
title: A linear softmax classifier as a class
skills: [loss_functions, backward_pass]
difficulty: 1
points: 4
functions: ["Linear(dim, classes, reg)", "Linear.loss(X, y=None) -> scores | (loss, grads)"]
inputs:
  X: {shape: [N, D]}
  y: {shape: [N], dtype: int64, low: 0, high: C}
  W: {shape: [D, C], std: 0.5}
  b: {shape: [C]}
units:
  - id: net
    kind: model
    class: Linear
    init: {dim: {dim: D}, classes: {dim: C}, reg: 0.2}
    params: [W, b]
    args: [X, y]
    scores: true
cases:
  public: [{seed: 1, dims: {N: 3, D: 4, C: 5}}]
  hidden: [{dims: {N: [2, 6], D: [2, 5], C: [2, 4]}}]
  timing: {seed: 2, dims: {N: 200, D: 50, C: 10}}
"""

MODEL_REF = """
import numpy as np

class Linear:
    def __init__(self, dim, classes, reg=0.0):
        self.params = {"W": np.zeros((dim, classes)), "b": np.zeros(classes)}
        self.reg = reg

    def loss(self, X, y=None):
        W, b = self.params["W"], self.params["b"]
        scores = X @ W + b
        if y is None:
            return scores
        shifted = scores - scores.max(axis=1, keepdims=True)
        p = np.exp(shifted)
        p /= p.sum(axis=1, keepdims=True)
        n = X.shape[0]
        loss = -np.log(p[np.arange(n), y]).mean() + 0.5 * self.reg * np.sum(W * W)
        p[np.arange(n), y] -= 1
        p /= n
        return loss, {"W": X.T @ p + self.reg * W, "b": p.sum(axis=0)}
"""

OPTIMIZER_YAML = """
id: momentum
title: SGD with momentum
skills: [gradient_descent]
difficulty: 1
points: 3
functions: ["sgd_momentum(w, dw, config) -> (next_w, config)"]
inputs:
  w: {shape: [N, D]}
  dw: {shape: [N, D]}
params:
  config: {learning_rate: 0.1, momentum: 0.9}
units:
  - id: sgd_momentum
    kind: optimizer
    call: sgd_momentum
    args: [w, dw, config]
    steps: 3
    per_step: [dw]
    state: {velocity: [1, velocity]}
cases:
  public: [{seed: 1, dims: {N: 3, D: 4}}]
  hidden: [{dims: {N: [2, 5], D: [2, 5]}}]
"""

OPTIMIZER_REF = """
import numpy as np

def sgd_momentum(w, dw, config=None):
    config = config if config is not None else {}
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("momentum", 0.9)
    v = config.get("velocity", np.zeros_like(w))
    v = config["momentum"] * v - config["learning_rate"] * dw
    config["velocity"] = v
    return w + v, config
"""


def _write_task(root: Path, task_id: str, yaml_text: str, reference: str) -> TaskSpec:
    folder = root / task_id
    folder.mkdir()
    (folder / "task.yaml").write_text(yaml_text)
    (folder / "reference.py").write_text(reference)
    (folder / "starter.py").write_text("import numpy as np\n")
    (folder / "statement.md").write_text(f"# {task_id}\n")
    return load_task(folder)


def test_model_tasks_check_scores_loss_and_every_parameter_gradient(
    tmp_path: Path, runner: Runner
) -> None:
    task = _write_task(tmp_path, "linear_model", MODEL_YAML, MODEL_REF)
    ref = grader.grade(task, MODEL_REF, runner=runner, seed=4, hidden=True)
    assert (ref.verdict, ref.score) == (Verdict.PASSED, task.points)
    names = {c.name for c in ref.checks}
    assert {"Linear.loss: loss", "Linear.loss(X): scores", "grads['W']", "grads['b']"} <= names
    assert _check(ref, "t", "backward time") == "passed"
    no_reg = MODEL_REF.replace("X.T @ p + self.reg * W", "X.T @ p")
    report = grader.grade(task, no_reg, runner=runner, seed=4, hidden=True)
    assert report.verdict is Verdict.FAILED
    assert _check(report, "p0", "grads['W']") == "failed"
    assert _check(report, "p0", "grads['b']") == "passed"
    assert 0 < report.score < task.points


def test_optimizer_tasks_compare_every_step_and_its_state(tmp_path: Path, runner: Runner) -> None:
    task = _write_task(tmp_path, "momentum", OPTIMIZER_YAML, OPTIMIZER_REF)
    ref = grader.grade(task, OPTIMIZER_REF, runner=runner, seed=4, hidden=True)
    assert (ref.verdict, ref.score) == (Verdict.PASSED, task.points)
    # 3 steps x (next_w, velocity), and their shapes
    assert len([c for c in ref.checks if c.case == "p0"]) == 7
    # stores the velocity before updating it: step 1's next_w is right, its state is stale
    stale = OPTIMIZER_REF.replace('    config["velocity"] = v\n', "").replace(
        "return w + v, config", 'config["velocity"] = v / 2\n    return w + v, config'
    )
    report = grader.grade(task, stale, runner=runner, seed=4, hidden=True)
    assert report.verdict is Verdict.FAILED
    assert _check(report, "p0", "sgd_momentum step 1: next_w") == "passed"
    assert _check(report, "p0", "sgd_momentum step 1: config['velocity']") == "failed"


# --------------------------------------------------------------------------- shapes


def test_values_with_extra_singleton_dims_keep_their_credit_and_fail_only_the_shapes(
    tasks: dict[str, TaskSpec], runner: Runner
) -> None:
    # db as (1, M) for (M,) and batchnorm's dgamma/dbeta and running mean as (1, D) for (D,)
    affine = tasks["affine"]
    keepdims = affine.reference.replace("dout.sum(axis=0)", "dout.sum(axis=0, keepdims=True)")
    batchnorm = tasks["batchnorm"]
    bn = (
        batchnorm.reference.replace(
            "dbeta = dout.sum(axis=0)", "dbeta = dout.sum(axis=0, keepdims=True)"
        )
        .replace(
            "dgamma = (dout * x_hat).sum(axis=0)", "dgamma = (dout * x_hat).sum(axis=0)[None, :]"
        )
        .replace(
            '    bn_param["running_mean"] = running_mean\n',
            '    bn_param["running_mean"] = np.reshape(running_mean, (1, -1))\n',
        )
    )
    for task, source, off in ((affine, keepdims, "db"), (batchnorm, bn, "dgamma")):
        assert source != task.reference
        report = grader.grade(task, source, runner=runner, seed=2, hidden=True)
        assert report.verdict is Verdict.FAILED
        values = [c for c in report.checks if c.name != "shapes" and c.max_points > 0]
        assert all(c.status is CheckStatus.PASSED for c in values), task.id
        shapes = [c for c in report.checks if c.name == "shapes"]
        failed = [c for c in shapes if c.status is CheckStatus.FAILED]
        assert failed
        assert off in failed[0].message
        assert "only dimensions of size 1 differ" in failed[0].message
        lost = sum(c.max_points for c in failed)
        assert report.score == pytest.approx(task.points - lost)
        assert lost < 0.2 * task.points
    bn_report = grader.grade(batchnorm, bn, runner=runner, seed=2, hidden=True)
    assert any("running_mean" in c.message for c in bn_report.checks if c.name == "shapes")
