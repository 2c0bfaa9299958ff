"""Cross-check the coding bank's references against an independent autodiff (the autograd package).

Self-grading cannot catch a reference that is consistently wrong (a leaky ReLU with its matching
backward passes its own numerical gradient check): each task's optional `autodiff.py` re-states the
forward pass in `autograd.numpy` (the optimizers: their update rules in plain numpy), and the
reference's forward outputs and analytic gradients must agree with it on random float64 inputs and
a random upstream gradient.

A task's `autodiff.py` defines `cases(rng: np.random.Generator) -> list[Case]`, built with the
helpers below. Both it and `reference.py` are trusted files shipped with the product, so they are
imported here directly with importlib; candidates' code never comes through this module, it runs
only in the sandbox.
"""

from __future__ import annotations

import copy
import importlib.util
import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from types import ModuleType
from typing import Any

import autograd.numpy as anp
import numpy as np
from autograd import grad

# References must match autodiff to rounding error (normwise, relative).
REFERENCE_TOL = 1e-12

Outputs = dict[str, np.ndarray]
# Set in a run's outputs when the module wrote into an input array or an upstream gradient.
MUTATED = "inputs-modified"

_module_names = itertools.count()


@dataclass(frozen=True)
class Case:
    """One call pattern: what a module computes from fixed inputs, and the autodiff truth."""

    name: str
    run: Callable[[ModuleType], Outputs]
    truth: Callable[[], Outputs]


@dataclass(frozen=True)
class Discrepancy:
    """The worst normwise relative error of a module against the truth, and where it was."""

    worst: float
    where: str


# ------------------------------------------------------------------------------ loading and checks


def load_bank_module(path: Path) -> ModuleType:
    """Import a bank file (reference, mutant, starter, autodiff) under a fresh module name."""
    # Only trusted files shipped in question_bank/ come here; a candidate's never does.
    spec = importlib.util.spec_from_file_location(f"bank_{path.stem}_{next(_module_names)}", path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot import {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def load_bank_source(name: str, source: str) -> ModuleType:
    """Import bank source text (a mutant, made from its diff) under a fresh module name."""
    # Trusted text from question_bank/ only, as for load_bank_module.
    module = ModuleType(f"bank_{name}_{next(_module_names)}")
    exec(compile(source, f"<{name}>", "exec"), module.__dict__)
    return module


def with_fixtures(module: ModuleType, fixtures: Path) -> ModuleType:
    """The module as a judged run sees it: its own names, then the task's fixtures.py over them."""
    combined = ModuleType(f"{module.__name__}_with_fixtures")
    combined.__dict__.update({k: v for k, v in vars(module).items() if not k.startswith("__")})
    exec(compile(fixtures.read_text(encoding="utf-8"), str(fixtures), "exec"), combined.__dict__)
    return combined


def task_seed(task_id: str) -> int:
    """The fixed seed of a task's cross-check inputs, so every run checks the same numbers."""
    return sum(map(ord, task_id))


def cases_with_truth(task_dir: Path, seed: int | None = None) -> list[tuple[Case, Outputs]] | None:
    """Build a task's cases and compute their autodiff truth; None without an autodiff.py."""
    path = task_dir / "autodiff.py"
    if not path.is_file():
        return None
    rng = np.random.default_rng(task_seed(task_dir.name) if seed is None else seed)
    cases: list[Case] = load_bank_module(path).cases(rng)
    return [(case, case.truth()) for case in cases]


def relative_error(got: np.ndarray, want: np.ndarray) -> float:
    """||got - want|| / ||want|| (inf on a shape mismatch)."""
    if got.shape != want.shape:
        return np.inf
    scale = max(float(np.linalg.norm(want)), 1e-12)
    return float(np.linalg.norm(got - want)) / scale


def compare(module: ModuleType, expected: Sequence[tuple[Case, Outputs]]) -> Discrepancy:
    """The largest relative error of a module over every case and output."""
    worst = Discrepancy(0.0, "")
    for case, want in expected:
        try:
            got = case.run(module)
        except Exception as exc:  # bank files only; a crashing mutant is as wrong as it gets
            return Discrepancy(np.inf, f"{case.name}: {type(exc).__name__}: {exc}")
        for key, value in want.items():
            err = relative_error(got[key], value) if key in got else np.inf
            if not np.isfinite(err):
                return Discrepancy(np.inf, f"{case.name}/{key}")
            if err > worst.worst:
                worst = Discrepancy(err, f"{case.name}/{key}")
    return worst


def worst_discrepancy(task_dir: Path) -> Discrepancy | None:
    """Compare a task's reference.py with its autodiff.py; None when it has no autodiff.py."""
    expected = cases_with_truth(task_dir)
    if expected is None:
        return None
    try:
        reference = load_bank_module(task_dir / "reference.py")
    except Exception as exc:  # a trusted bank file, but a broken one is a problem to report
        return Discrepancy(np.inf, f"reference.py: {type(exc).__name__}: {exc}")
    return compare(reference, expected)


def cross_check(task_dir: Path) -> float | None:
    """The reference's worst relative discrepancy from autodiff; None without an autodiff.py."""
    found = worst_discrepancy(task_dir)
    return None if found is None else found.worst


# ------------------------------------------------------------------------------ building cases


def as_array(value: Any) -> np.ndarray:
    return np.asarray(value, dtype=np.float64)


def normal(rng: np.random.Generator, *shape: int, scale: float = 1.0) -> np.ndarray:
    return scale * rng.standard_normal(shape)


def _arrays_changed(before: Sequence[Any], after: Sequence[Any]) -> bool:
    # Dict params may change (bn_param's running averages); arrays must not.
    return any(
        isinstance(b, np.ndarray) and not np.array_equal(b, a)
        for b, a in zip(before, after, strict=True)
    )


def _as_tuple(value: Any) -> tuple[Any, ...]:
    return value if isinstance(value, tuple) else (value,)


def layer_case(
    name: str,
    *,
    fwd: str,
    bwd: str,
    args: Sequence[Any],
    diff: Sequence[int],
    forward: Callable[..., Any],
    rng: np.random.Generator,
    n_out: int = 1,
) -> Case:
    """`fwd(*args) -> (*outs, cache)`, `bwd(*douts, cache) -> grads` of `args[i] for i in diff`."""
    args = list(args)
    outs0 = _as_tuple(forward(*args))
    douts = [rng.standard_normal(np.shape(o)) for o in outs0]

    def run(module: ModuleType) -> Outputs:
        call_args = copy.deepcopy(args)
        res = getattr(module, fwd)(*call_args)
        outs, cache = res[:n_out], res[n_out]
        dout_copies = [d.copy() for d in douts]
        grads = _as_tuple(getattr(module, bwd)(*dout_copies, cache))
        result = {f"out{i}": as_array(o) for i, o in enumerate(outs)}
        result.update({f"d{i}": as_array(g) for i, g in zip(diff, grads, strict=True)})
        if _arrays_changed(args, call_args) or _arrays_changed(douts, dout_copies):
            result[MUTATED] = np.ones(())
        return result

    def truth() -> Outputs:
        def objective(*diff_values: Any) -> Any:
            full = list(args)
            for i, v in zip(diff, diff_values, strict=True):
                full[i] = v
            outs = _as_tuple(forward(*full))
            return sum(anp.sum(o * d) for o, d in zip(outs, douts, strict=True))

        grads = grad(objective, argnum=tuple(range(len(diff))))(*[args[i] for i in diff])
        result = {f"out{i}": as_array(o) for i, o in enumerate(outs0)}
        result.update({f"d{i}": as_array(g) for i, g in zip(diff, grads, strict=True)})
        return result

    return Case(name, run, truth)


def loss_case(
    name: str, *, fn: str, args: Sequence[Any], diff: int, loss: Callable[..., Any]
) -> Case:
    """`fn(*args) -> (loss, gradient of args[diff])`."""
    args = list(args)

    def run(module: ModuleType) -> Outputs:
        call_args = copy.deepcopy(args)
        value, g = getattr(module, fn)(*call_args)
        result = {"loss": as_array(value), "grad": as_array(g)}
        if _arrays_changed(args, call_args):
            result[MUTATED] = np.ones(())
        return result

    def truth() -> Outputs:
        def objective(value: Any) -> Any:
            full = list(args)
            full[diff] = value
            return loss(*full)

        return {"loss": as_array(loss(*args)), "grad": as_array(grad(objective)(args[diff]))}

    return Case(name, run, truth)


def state_case(
    name: str,
    *,
    fwd: str,
    args: Sequence[Any],
    param: int,
    keys: Sequence[str],
    truth: Callable[[], Outputs],
) -> Case:
    """The entries `keys` that `fwd(*args)` leaves in its dict `args[param]` (running averages)."""
    args = list(args)

    def run(module: ModuleType) -> Outputs:
        call_args = copy.deepcopy(args)
        getattr(module, fwd)(*call_args)
        return {key: as_array(call_args[param][key]) for key in keys}

    return Case(name, run, truth)


def function_case(name: str, *, fn: str, args: Sequence[Any], forward: Callable[..., Any]) -> Case:
    """A forward-only call whose first returned value is compared (test modes)."""
    args = list(args)

    def run(module: ModuleType) -> Outputs:
        call_args = copy.deepcopy(args)
        out = _as_tuple(getattr(module, fn)(*call_args))[0]
        result = {"out": as_array(out)}
        if _arrays_changed(args, call_args):
            result[MUTATED] = np.ones(())
        return result

    return Case(name, run, lambda: {"out": as_array(forward(*args))})


def labels_away_from_svm_kinks(
    rng: np.random.Generator, scores: Callable[[], np.ndarray], classes: int
) -> tuple[np.ndarray, np.ndarray]:
    """Draw (scores, y) until no hinge margin is within 1e-3 of its kink."""
    while True:
        s = scores()
        y = np.asarray(rng.integers(0, classes, size=s.shape[0]))
        margins = s - s[np.arange(s.shape[0]), y][:, None] + 1.0
        margins[np.arange(s.shape[0]), y] = 1.0
        if np.min(np.abs(margins)) > 1e-3:
            return s, y


# ------------------------------------------------------------------------------ shared forwards
# Written independently of the references, in autograd.numpy.


def sigmoid(x: Any) -> Any:
    return 1.0 / (1.0 + anp.exp(-x))


def log_softmax(scores: Any) -> Any:
    shifted = scores - anp.max(scores, axis=-1, keepdims=True)
    return shifted - anp.log(anp.sum(anp.exp(shifted), axis=-1, keepdims=True))


def cross_entropy(scores: Any, y: np.ndarray) -> Any:
    """Mean over the rows of -log softmax(scores)[y]."""
    onehot = np.eye(scores.shape[-1])[y]
    return -anp.sum(log_softmax(scores) * onehot) / scores.shape[0]


def multiclass_svm(scores: Any, y: np.ndarray) -> Any:
    """Mean over the rows of the summed hinge margins (delta 1)."""
    n, c = scores.shape
    onehot = np.eye(c)[y]
    correct = anp.sum(scores * onehot, axis=1, keepdims=True)
    return anp.sum(anp.maximum(0.0, scores - correct + 1.0) * (1.0 - onehot)) / n


def normalize_rows(x: Any, eps: float) -> Any:
    """(x - mean) / sqrt(biased variance + eps) along axis 1."""
    mu = anp.mean(x, axis=1, keepdims=True)
    var = anp.mean((x - mu) ** 2, axis=1, keepdims=True)
    return (x - mu) / anp.sqrt(var + eps)


def windows(x: Any, hh: int, ww: int, stride: int) -> tuple[Any, int, int]:
    """Stack the (hh, ww) windows of x (N, C, H, W): (Hout*Wout, N, C, hh, ww)."""
    h_out = 1 + (x.shape[2] - hh) // stride
    w_out = 1 + (x.shape[3] - ww) // stride
    patches = [
        x[:, :, i * stride : i * stride + hh, j * stride : j * stride + ww]
        for i in range(h_out)
        for j in range(w_out)
    ]
    return anp.stack(patches), h_out, w_out


def linear_classifier_cases(
    rng: np.random.Generator, names: Sequence[str], data_loss: Callable[..., Any], *, svm: bool
) -> list[Case]:
    """`fn(W, X, y, reg) -> (loss, dW)` of a linear classifier with L2 penalty `reg * sum(W**2)`."""
    out: list[Case] = []
    for n, d, c, reg in [(9, 6, 4, 0.3), (5, 4, 4, 0.05)]:
        w = normal(rng, d, c, scale=0.5)
        x = normal(rng, n, d)
        if svm:
            _, y = labels_away_from_svm_kinks(rng, partial(np.dot, x, w), c)
        else:
            y = rng.integers(0, c, size=n)

        def loss(w: Any, x: Any, y: Any, reg: float) -> Any:
            return data_loss(anp.dot(x, w), y) + reg * anp.sum(w * w)

        out.extend(
            loss_case(f"{fn}_N{n}D{d}C{c}", fn=fn, args=[w, x, y, reg], diff=0, loss=loss)
            for fn in names
        )
    return out
