"""Anti-cheat timing for every unit that computes gradients, checked against the reference's
own call and against the run's CPU time measured by the trusted parent."""

from __future__ import annotations

from pathlib import Path

import pytest

from sandbox.grading import grader
from sandbox.grading.cases import build_cases
from sandbox.grading.checks.timing import REFERENCE_FORWARD_RATIO, REFERENCE_TIMING_RATIO
from sandbox.grading.loader import load_task
from sandbox.grading.plans import candidate_plan, reference_plan
from sandbox.grading.report import CheckResult, CheckStatus, GradeReport, Verdict
from sandbox.grading.tasks import TaskSpec
from sandbox.runners import Limits, Runner

FIXTURES = Path(__file__).parent / "fixtures"
# Finite differences at the timing size cost 2-4 s of CPU per call here: room for two calls on a
# slow machine, so these runs end with a timing verdict, never a timeout.
LIMITS = Limits(cpu_seconds=30, wall_seconds=60)

# Finite differences of the candidate's own loss, one score at a time: right to ~1e-10, and
# 2 * N * C loss evaluations per call.
FD_SOFTMAX = """
import numpy as np

def _loss(x, y):
    shifted = x - x.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    return -log_p[np.arange(x.shape[0]), y].mean()

def softmax_loss(x, y):
    loss = _loss(x, y)
    dx = np.zeros_like(x)
    flat, g = x.reshape(-1), dx.reshape(-1)
    h = 1e-5
    for i in range(flat.size):
        old = flat[i]
        flat[i] = old + h
        plus = _loss(x, y)
        flat[i] = old - h
        minus = _loss(x, y)
        flat[i] = old
        g[i] = (plus - minus) / (2 * h)
    return loss, dx
"""

# CS231n's honest "naive" version: Python loops over rows and classes.
NAIVE_SOFTMAX = """
import numpy as np

def softmax_loss(x, y):
    n, c = x.shape
    loss = 0.0
    dx = np.zeros_like(x)
    for i in range(n):
        s = x[i] - np.max(x[i])
        p = np.exp(s) / np.sum(np.exp(s))
        loss -= np.log(p[y[i]])
        for j in range(c):
            dx[i, j] = (p[j] - (j == y[i])) / n
    return loss / n, dx
"""

# Every report from inside the sandbox says 0 s.
FORGE_ZERO = "import time\ntime.thread_time = lambda: 0.0\n"
# Reports claim far more CPU than the run used (a huge forward hides a slow backward).
FORGE_HUGE = (
    "import time, itertools\n_tick = itertools.count()\n"
    "time.thread_time = lambda: 1000.0 * next(_tick)\n"
)


@pytest.fixture(scope="module")
def softmax() -> TaskSpec:
    return load_task(FIXTURES / "softmax_loss_timed")


def _grade(task: TaskSpec, source: str, runner: Runner) -> GradeReport:
    return grader.grade(task, source, runner=runner, seed=6, hidden=False, limits=LIMITS)


def _timing(report: GradeReport, name: str = "backward time") -> CheckResult:
    return next(c for c in report.checks if c.case == "t" and c.name == name)


def _gradient_points(report: GradeReport) -> list[float]:
    return [c.points for c in report.checks if c.name.startswith(("gradient", "grads["))]


def test_the_reference_plan_times_the_same_steps_as_the_candidate_plan(
    softmax: TaskSpec, tasks: dict[str, TaskSpec]
) -> None:
    for task in (softmax, tasks["affine"]):
        cases = build_cases(task, seed=0, hidden=False)
        cand = [s["id"] for s in candidate_plan(task, cases).steps if s.get("timed")]
        ref = [s["id"] for s in reference_plan(task, cases).steps if s.get("timed")]
        assert cand
        assert cand == ref


def test_honest_losses_pass_the_timing_check_even_with_python_loops(
    softmax: TaskSpec, runner: Runner
) -> None:
    for source in (softmax.reference, NAIVE_SOFTMAX):
        report = _grade(softmax, source, runner)
        assert (report.verdict, report.score) == (Verdict.PASSED, softmax.points)
        timing = _timing(report)
        assert timing.status is CheckStatus.PASSED
        assert timing.details["reference_seconds"] > 0


def test_a_finite_difference_loss_is_flagged_against_the_reference(
    softmax: TaskSpec, runner: Runner
) -> None:
    report = _grade(softmax, FD_SOFTMAX, runner)
    timing = _timing(report)
    assert timing.status is CheckStatus.FAILED
    assert "numerical differentiation" in timing.message
    assert timing.details["reference_ratio"] > REFERENCE_TIMING_RATIO
    assert report.verdict is Verdict.FAILED
    # its gradients are right on every small case, yet none is credited; the loss values (and
    # their shapes) are
    assert _gradient_points(report)
    assert all(p == 0 for p in _gradient_points(report))
    shape = softmax.scoring.shape
    assert report.score == pytest.approx(softmax.points * (1 + shape) / (2 + shape))


@pytest.mark.parametrize("forge", [FORGE_ZERO, FORGE_HUGE], ids=["zero", "huge"])
def test_forged_timings_fall_back_to_the_parents_cpu_measure(
    softmax: TaskSpec, runner: Runner, forge: str
) -> None:
    # The whole finite difference, right at every size: only the parent's CPU measure can
    # fail it. (Cut short, its wrong gradients at the timing size failed it anyway, and whether
    # its CPU crossed the threshold first depended on the machine's speed.)
    report = _grade(softmax, forge + FD_SOFTMAX, runner)
    timing = _timing(report)
    assert timing.status is CheckStatus.FAILED, timing
    assert "whole run's CPU time" in timing.message
    assert all(p == 0 for p in _gradient_points(report))
    # Without the finite difference, a zero clock is only unusual; a clock that claims more
    # CPU than the run used is a forgery, and alone costs the gradient credit.
    honest = _grade(softmax, forge + softmax.reference, runner)
    if forge == FORGE_ZERO:
        assert (honest.verdict, honest.score) == (Verdict.PASSED, softmax.points)
    else:
        assert "changed how it is timed" in _timing(honest).message
        assert all(p == 0 for p in _gradient_points(honest))


def test_a_layer_with_forged_timings_is_flagged_too(
    tasks: dict[str, TaskSpec], runner: Runner
) -> None:
    relu = tasks["relu"]
    fd_relu = (
        FORGE_HUGE
        + relu.reference.split("def relu_backward")[0]
        + """
def relu_backward(dout, cache):
    x = cache[0] if isinstance(cache, tuple) else cache
    xs = np.array(x, dtype=float).reshape(-1)
    d = dout.reshape(-1)
    dx = np.zeros(xs.size)
    for i in range(xs.size):
        old = xs[i]
        xs[i] = old + 1e-5
        plus = np.sum(np.maximum(0, xs) * d)
        xs[i] = old - 1e-5
        minus = np.sum(np.maximum(0, xs) * d)
        xs[i] = old
        dx[i] = (plus - minus) / 2e-5
    return dx.reshape(np.shape(x))
"""
    )
    report = _grade(relu, fd_relu, runner)
    timing = _timing(report)
    assert timing.status is CheckStatus.FAILED, timing
    # Caught by the forgery itself, whatever the machine's speed: the parent's CPU measure
    # alone leaves an untimed allowance that a cheap layer's finite differences may fit in.
    assert "changed how it is timed" in timing.message
    assert all(p == 0 for p in _gradient_points(report))
    honest = _grade(relu, FORGE_HUGE + relu.reference, runner)
    assert honest.score < relu.points  # the forgery alone costs the gradient credit


def test_fast_and_wrong_at_the_timing_size_voids_the_gradient_credit(
    softmax: TaskSpec, runner: Runner
) -> None:
    # numerical on the small cases, a quick wrong answer once the input is large
    source = FD_SOFTMAX.replace(
        "    dx = np.zeros_like(x)\n",
        "    dx = np.zeros_like(x)\n    if x.size >= 5000:\n        return loss, dx\n",
    )
    report = _grade(softmax, source, runner)
    timing = _timing(report)
    assert timing.status is CheckStatus.FAILED
    assert "does not match the reference" in timing.message
    assert all(p == 0 for p in _gradient_points(report))


def test_a_timed_call_that_raises_voids_the_gradient_credit(
    softmax: TaskSpec, runner: Runner
) -> None:
    source = softmax.reference.replace(
        "    n = x.shape[0]\n",
        "    n = x.shape[0]\n    if x.size >= 5000:\n        raise ValueError\n",
    )
    assert source != softmax.reference
    report = _grade(softmax, source, runner)
    timing = _timing(report)
    assert timing.status is CheckStatus.FAILED
    assert "could not be checked" in timing.message
    assert all(p == 0 for p in _gradient_points(report))
    assert report.verdict is Verdict.FAILED


def test_timing_case_messages_never_carry_the_candidates_text(
    tasks: dict[str, TaskSpec], runner: Runner
) -> None:
    # The timing case runs after the hidden cases: a global could hold a hidden input by then.
    relu = tasks["relu"]
    source = relu.reference.replace(
        "def relu_backward(dout, cache):\n",
        "def relu_backward(dout, cache):\n"
        "    if dout.size >= 5000:\n"
        "        raise ValueError('SECRET_' + repr(dout.ravel()[:3]))\n",
    )
    assert source != relu.reference
    report = grader.grade(relu, source, runner=runner, seed=6, hidden=True)
    timing = _timing(report)
    assert timing.status is CheckStatus.FAILED
    assert "relu_backward failed on it" in timing.message
    assert "SECRET_" not in str(report.to_dict("candidate"))


def test_numerical_derivatives_moved_into_the_forward_are_flagged(
    tasks: dict[str, TaskSpec], runner: Runner
) -> None:
    # relu's Jacobian is diagonal: the forward differentiates itself one entry at a time and
    # caches the diagonal, so the backward is one quick multiplication.
    relu = tasks["relu"]
    source = """
import numpy as np

def _f(x):
    return np.maximum(0, x)

def relu_forward(x):
    xs = np.array(x, dtype=float).reshape(-1)
    diag = np.zeros(xs.size)
    for i in range(xs.size):
        old = xs[i]
        xs[i] = old + 1e-5
        plus = _f(xs)[i]
        xs[i] = old - 1e-5
        minus = _f(xs)[i]
        xs[i] = old
        diag[i] = (plus - minus) / 2e-5
    return _f(x), diag.reshape(x.shape)

def relu_backward(dout, cache):
    return dout * cache
"""
    report = _grade(relu, source, runner)
    timing = _timing(report)
    assert timing.status is CheckStatus.FAILED, timing
    assert "the forward pass took" in timing.message
    ratio = timing.details["forward_seconds"] / timing.details["reference_forward_seconds"]
    assert ratio > REFERENCE_FORWARD_RATIO
    assert all(p == 0 for p in _gradient_points(report))
    honest = _grade(relu, relu.reference, runner)
    assert _timing(honest).status is CheckStatus.PASSED


OPTIMIZER_YAML = """
id: momentum_timed
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
    steps: 2
    per_step: [dw]
    state: {velocity: [1, velocity]}
cases:
  public: [{seed: 1, dims: {N: 3, D: 4}}]
  hidden: [{dims: {N: [2, 5], D: [2, 5]}}]
  timing: {seed: 2, dims: {N: 50, D: 100}}
"""

OPTIMIZER_REF = """
import numpy as np

def sgd_momentum(w, dw, config=None):
    v = config.get("velocity", np.zeros_like(w))
    v = config["momentum"] * v - config["learning_rate"] * dw
    config["velocity"] = v
    return w + v, config
"""


def test_a_slow_optimizer_only_warns(tmp_path: Path, runner: Runner) -> None:
    folder = tmp_path / "momentum_timed"
    folder.mkdir()
    for name, text in {
        "task.yaml": OPTIMIZER_YAML,
        "reference.py": OPTIMIZER_REF,
        "starter.py": "import numpy as np\n",
        "statement.md": "# momentum\n",
    }.items():
        (folder / name).write_text(text)
    task = load_task(folder)
    ref = _grade(task, OPTIMIZER_REF, runner)
    assert _timing(ref, "update time").status is CheckStatus.PASSED
    # the same update, recomputed element by element many times over
    slow = OPTIMIZER_REF.replace(
        '    config["velocity"] = v\n',
        '    config["velocity"] = v\n'
        "    for _ in range(100):\n"
        "        for i in np.ndindex(*w.shape):\n"
        "            float(w[i]) + float(v[i])\n",
    )
    assert slow != OPTIMIZER_REF
    report = _grade(task, slow, runner)
    timing = _timing(report, "update time")
    assert timing.status is CheckStatus.WARNING, timing
    assert (report.verdict, report.score) == (Verdict.PASSED, task.points)


# Finite differences through the candidate's own loss, for two bank tasks whose timing cases
# this guards: a loss function and a model-style loss with a weight matrix (dW only).
FD_BANK = {
    "mse_loss": """
import numpy as np

def _loss(x, y):
    return np.sum((x - y) ** 2) / x.size

def mse_loss(x, y):
    dx = np.zeros_like(x)
    flat, g = x.reshape(-1), dx.reshape(-1)
    for i in range(flat.size):
        old = flat[i]
        flat[i] = old + 1e-5
        plus = _loss(x, y)
        flat[i] = old - 1e-5
        minus = _loss(x, y)
        flat[i] = old
        g[i] = (plus - minus) / 2e-5
    return _loss(x, y), dx
""",
    "linear_softmax": """
import numpy as np

def _loss(W, X, y, reg):
    s = X @ W
    s = s - s.max(axis=1, keepdims=True)
    log_p = s - np.log(np.exp(s).sum(axis=1, keepdims=True))
    return -log_p[np.arange(X.shape[0]), y].mean() + reg * np.sum(W * W)

def softmax_loss_vectorized(W, X, y, reg):
    dW = np.zeros_like(W)
    flat, g = W.reshape(-1), dW.reshape(-1)
    for i in range(flat.size):
        old = flat[i]
        flat[i] = old + 1e-5
        plus = _loss(W, X, y, reg)
        flat[i] = old - 1e-5
        minus = _loss(W, X, y, reg)
        flat[i] = old
        g[i] = (plus - minus) / 2e-5
    return _loss(W, X, y, reg), dW

def softmax_loss_naive(W, X, y, reg):  # honest: only the vectorized unit is under test
    s = X @ W
    p = np.exp(s - s.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    loss = -np.log(p[np.arange(X.shape[0]), y]).mean() + reg * np.sum(W * W)
    p[np.arange(X.shape[0]), y] -= 1
    return loss, X.T @ p / X.shape[0] + 2 * reg * W
""",
}
# The unit that differentiates numerically in each.
FD_UNIT = {"mse_loss": "mse_loss", "linear_softmax": "vectorized"}


@pytest.mark.parametrize("task_id", sorted(FD_BANK))
def test_a_finite_difference_loss_is_flagged_on_the_banks_timing_cases(
    task_id: str, runner: Runner
) -> None:
    task = load_task(FIXTURES.parents[2] / "question_bank" / "coding" / task_id)
    honest = _grade(task, task.reference, runner)
    assert (honest.verdict, honest.score) == (Verdict.PASSED, task.points), honest.message
    report = _grade(task, FD_BANK[task_id], runner)
    unit = FD_UNIT[task_id]
    timing = next(
        c for c in report.checks if (c.case, c.unit, c.name) == ("t", unit, "backward time")
    )
    assert timing.status is CheckStatus.FAILED, timing.message
    assert timing.details["reference_ratio"] > REFERENCE_TIMING_RATIO
    assert report.verdict is Verdict.FAILED
    # right on every small case, yet the numerical unit's gradients earn nothing
    points = [c.points for c in report.checks if c.unit == unit and c.name.startswith("gradient")]
    assert points
    assert all(p == 0 for p in points)


# Numerical gradients with a memo: the first call on given inputs differentiates numerically, a
# call on the same inputs again answers from the memo at once. Right everywhere, and fast on
# every repeated call: the timing must not take the fast repeat for the slow first call.
MEMO_FD_AFFINE = """
import numpy as np

_MEMO = {}

def affine_forward(x, w, b):
    return x.reshape(x.shape[0], -1) @ w + b, (x, w, b)

def _central(f, a, h=1e-5):
    g = np.zeros_like(a)
    flat, gflat = a.reshape(-1), g.reshape(-1)
    for i in range(flat.size):
        old = flat[i]
        flat[i] = old + h
        plus = f()
        flat[i] = old - h
        minus = f()
        flat[i] = old
        gflat[i] = (plus - minus) / (2 * h)
    return g

def affine_backward(dout, cache):
    x, w, b = (np.array(a, dtype=float) for a in cache)
    key = (x.tobytes(), w.tobytes(), b.tobytes(), dout.tobytes())
    if key not in _MEMO:
        loss = lambda: float(np.sum(affine_forward(x, w, b)[0] * dout))
        _MEMO[key] = (_central(loss, x), _central(loss, w), _central(loss, b))
    return tuple(g.copy() for g in _MEMO[key])
"""

# The same with complex steps on a loss: exact to round-off, N * C loss evaluations per call.
MEMO_COMPLEX_SOFTMAX = """
import numpy as np

_MEMO = {}

def _loss(x, y):
    shifted = x - np.max(x.real, axis=1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    return -log_p[np.arange(x.shape[0]), y].mean()

def softmax_loss(x, y):
    key = (x.tobytes(), y.tobytes())
    if key not in _MEMO:
        z = x.astype(complex)
        dx = np.zeros(x.shape)
        flat, g = z.reshape(-1), dx.reshape(-1)
        for i in range(flat.size):
            flat[i] += 1e-20j
            g[i] = _loss(z, y).imag / 1e-20
            flat[i] -= 1e-20j
        _MEMO[key] = (float(_loss(x, y)), dx)
    loss, dx = _MEMO[key]
    return loss, dx.copy()
"""


# Two numerical differentiations at the timing size: ~10 s of CPU, and room for a busy machine.
MEMO_LIMITS = Limits(cpu_seconds=40, wall_seconds=300)


@pytest.mark.parametrize("seed", [6, 11])
def test_numerical_gradients_with_a_memo_fail_the_timing_check(
    softmax: TaskSpec, tasks: dict[str, TaskSpec], runner: Runner, seed: int
) -> None:
    for task, source in ((tasks["affine"], MEMO_FD_AFFINE), (softmax, MEMO_COMPLEX_SOFTMAX)):
        report = grader.grade(
            task, source, runner=runner, seed=seed, hidden=True, limits=MEMO_LIMITS
        )
        timing = _timing(report)
        assert timing.status is CheckStatus.FAILED, (task.id, timing)
        assert "numerical differentiation" in timing.message
        # right on every small case, but nothing of the gradients is credited
        assert report.checks[0].status is CheckStatus.PASSED
        assert all(p == 0 for p in _gradient_points(report))
        assert report.score < task.points
        honest = grader.grade(task, task.reference, runner=runner, seed=seed, hidden=True)
        assert (honest.verdict, honest.score) == (Verdict.PASSED, task.points)
