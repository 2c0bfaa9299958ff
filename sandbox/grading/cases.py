"""Test cases of a coding task: dims, inputs, params, douts and probe directions drawn from seeds.

A case is drawn once and run on both sides (the candidate's plan and the reference's plan, see
``plans``), so both see the same arrays. A case the reference finds on a kink is drawn again
from a seed derived from its own (``redraw``), so the same attempt always sees the same numbers.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import numpy.typing as npt

from sandbox.grading.kinks import relabel_off_hinges
from sandbox.grading.numerics import gaussian_directions
from sandbox.grading.tasks import (
    DRAWN,
    CaseSpec,
    Dim,
    InputSpec,
    TaskError,
    TaskSpec,
    UnitKind,
    eval_dim,
    resolve_dims,
)

Array = npt.NDArray[Any]

SIGNS = ("+", "-")
# The timing case is drawn this many times (same sizes, other numbers): every trial is timed and
# every trial's gradients are checked, so a memo of an earlier call's answer is worth nothing.
TIMING_TRIALS = 2


def derive_seed(*parts: object) -> int:
    """Derive a 63-bit seed from the task, the attempt seed and a label."""
    digest = hashlib.sha256(":".join(str(p) for p in parts).encode()).digest()
    return int.from_bytes(digest[:8], "little") >> 1


@dataclass(frozen=True)
class Case:
    """One drawn instance of a task: dims, named input arrays, params and probe directions."""

    name: str
    hidden: bool
    timing: bool
    seed: int
    weight: float
    dims: Mapping[str, int]
    inputs: Mapping[str, Array]
    params: Mapping[str, Any]
    # unit id -> output name -> upstream gradient (layers only)
    douts: Mapping[str, Mapping[str, Array]] = field(default_factory=dict)
    # (unit id, wrt name) -> unit-norm Gaussian directions of the numerical gradient check
    directions: Mapping[tuple[str, str], tuple[Array, ...]] = field(default_factory=dict)
    # unit id -> a model's constructor kwargs, with drawn values resolved
    inits: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    spec: CaseSpec | None = None
    attempt_seed: int = 0
    redraws: int = 0  # how many times this case was drawn again off a kink
    # timing case: every trial (this case first), each drawn from its own seed
    trials: tuple[Case, ...] = ()

    def array_name(self, name: str) -> str:
        """Name the Job array holding input `name` of this case."""
        return f"{self.name}:{name}"


def build_cases(task: TaskSpec, *, seed: int, hidden: bool) -> list[Case]:
    """Draw the public cases (and the hidden ones when asked) plus the timing case."""
    cases = [
        draw_case(task, spec, f"p{i}", case_seed=spec.seed or 0, attempt_seed=seed)
        for i, spec in enumerate(task.public_cases)
    ]
    if hidden:
        cases += [
            draw_case(
                task,
                spec,
                f"h{i}",
                case_seed=derive_seed(task.id, seed, "hidden", i),
                attempt_seed=seed,
                hidden=True,
            )
            for i, spec in enumerate(task.hidden_cases)
        ]
    if task.timing_case is not None:
        cases.append(draw_timing(task, task.timing_case, seed=task.timing_case.seed or 0))
    return cases


def draw_timing(task: TaskSpec, spec: CaseSpec, *, seed: int, redraws: int = 0) -> Case:
    """Draw the timing case and its other trials (the trials are cases "t1", "t2", ...)."""
    first = draw_case(task, spec, "t", case_seed=seed, attempt_seed=0, timing=True)
    others = tuple(
        draw_case(
            task,
            spec,
            f"t{i}",
            case_seed=derive_seed(seed, "trial", i),
            attempt_seed=0,
            timing=True,
        )
        for i in range(1, TIMING_TRIALS)
    )
    return replace(first, trials=(first, *others), redraws=redraws)


def redraw(task: TaskSpec, case: Case) -> Case:
    """Draw `case` again from a seed derived from its own: the next candidate off a kink."""
    assert case.spec is not None
    n = case.redraws + 1
    seed = derive_seed(case.seed, "redraw", n)
    if case.timing:
        return draw_timing(task, case.spec, seed=seed, redraws=n)
    again = draw_case(
        task,
        case.spec,
        case.name,
        case_seed=seed,
        attempt_seed=case.attempt_seed,
        hidden=case.hidden,
    )
    return replace(again, redraws=n)


def draw_case(
    task: TaskSpec,
    spec: CaseSpec,
    name: str,
    *,
    case_seed: int,
    attempt_seed: int,
    hidden: bool = False,
    timing: bool = False,
) -> Case:
    """Draw one case: dims, inputs and douts from the case seed; directions from the attempt."""
    rng = np.random.default_rng(case_seed)
    drawn: dict[str, int] = {}
    for dim, value in sorted(spec.dims.items()):
        drawn[dim] = value if isinstance(value, int) else int(rng.integers(value[0], value[1] + 1))
    dims = resolve_dims(task, drawn)
    steps = max((u.steps for u in task.units), default=1)
    per_step = {n for u in task.units for n in u.per_step}
    inputs: dict[str, Array] = {}
    for input_name, input_spec in task.inputs.items():
        inputs[input_name] = draw_input(input_spec, dims, rng)
        if input_name in per_step:
            inputs[f"{input_name}@0"] = inputs[input_name]
            for s in range(1, steps):
                inputs[f"{input_name}@{s}"] = draw_input(input_spec, dims, rng)
    # From a stream of its own, so tasks without the constraint draw exactly as before.
    relabel_off_hinges(task, inputs, np.random.default_rng(derive_seed(case_seed, "hinge")))
    douts = {
        unit.id: {
            out: rng.standard_normal(shape_of(shape, dims)) for out, shape in unit.outputs.items()
        }
        for unit in task.units
        if unit.kind is UnitKind.LAYER
    }
    # Fresh directions per attempt (never fixed): a bug a projection misses once is not missed
    # by every attempt. Deterministic per (task, attempt seed, case) so grading is repeatable.
    probe_rng = np.random.default_rng(derive_seed(task.id, attempt_seed, "probes", name))
    directions: dict[tuple[str, str], tuple[Array, ...]] = {}
    if not timing:
        for unit in task.units:
            for wrt in (*unit.wrt, *unit.params):
                shape = inputs[wrt].shape
                directions[(unit.id, wrt)] = tuple(
                    gaussian_directions(probe_rng, shape, task.probes)
                )
    # Drawn params from a stream of their own: adding one never changes the inputs' draws.
    param_rng = np.random.default_rng(derive_seed(case_seed, "params"))
    params = {k: draw_value(v, param_rng) for k, v in {**task.params, **spec.params}.items()}
    inits = {u.id: {k: draw_value(v, param_rng) for k, v in u.init.items()} for u in task.units}
    return Case(
        name=name,
        hidden=hidden,
        timing=timing,
        seed=case_seed,
        weight=spec.weight,
        dims=dims,
        inputs=inputs,
        params=params,
        douts=douts,
        directions=directions,
        inits=inits,
        spec=spec,
        attempt_seed=attempt_seed,
    )


def draw_value(value: Any, rng: np.random.Generator) -> Any:
    """Resolve the drawn markers inside a param or init value ({uniform: [lo, hi]}, ...)."""
    if isinstance(value, dict):
        if len(value) == 1 and next(iter(value)) in DRAWN:
            kind, arg = next(iter(value.items()))
            if kind == "uniform":
                return float(rng.uniform(arg[0], arg[1]))
            if kind == "randint":
                return int(rng.integers(arg[0], arg[1] + 1))
            return arg[int(rng.integers(len(arg)))]
        return {k: draw_value(v, rng) for k, v in value.items()}
    if isinstance(value, list):
        return [draw_value(v, rng) for v in value]
    return value


def shape_of(shape: tuple[Dim, ...], dims: Mapping[str, int]) -> tuple[int, ...]:
    """Evaluate a declared shape with a case's dims."""
    return tuple(eval_dim(d, dims) for d in shape)


def _bound(value: float | str, dims: Mapping[str, int]) -> float:
    # randint bounds may name a dim (labels in [0, C)).
    return float(eval_dim(value, dims)) if isinstance(value, str) else value


def draw_input(spec: InputSpec, dims: Mapping[str, int], rng: np.random.Generator) -> Array:
    """Draw one input array as its spec says, then apply its away-from-kink constraints."""
    shape = shape_of(spec.shape, dims)
    low, high = _bound(spec.low, dims), _bound(spec.high, dims)
    if spec.dist == "randint":
        return rng.integers(int(low), int(high), size=shape, dtype=np.int64)
    if spec.dist == "bernoulli":
        return np.asarray(rng.random(shape) < spec.p)
    if spec.dist == "uniform":
        values = rng.uniform(low, high, size=shape)
    else:
        values = spec.mean + spec.std * rng.standard_normal(shape)
    if spec.min_abs > 0:
        # |x| >= min_abs >> h keeps central differences off a kink at 0 (ReLU).
        small = np.abs(values) < spec.min_abs
        values = np.where(small, values + np.copysign(spec.min_abs, values), values)
    if spec.distinct > 0 and values.size > 1:
        # Spread sorted values apart so no two are closer than `distinct` (max-pool ties).
        flat = values.ravel()
        order = np.argsort(flat, kind="stable")
        flat[order] = flat[order] + spec.distinct * np.arange(flat.size)
        values = flat.reshape(shape)
    return np.asarray(values, dtype=np.float64)


def perturbed(case: Case, wrt: str, k: int, sign: str, step: float, unit: str) -> Array:
    """Return input `wrt` moved by ±step along probe direction k."""
    u = case.directions[(unit, wrt)][k]
    return case.inputs[wrt] + (step if sign == "+" else -step) * u


def check_drawn(value: Any, where: str) -> None:
    """Check the drawn markers inside a param or init value: {uniform: [lo, hi]}, ..."""
    if isinstance(value, dict):
        if len(value) == 1 and next(iter(value)) in DRAWN:
            kind, arg = next(iter(value.items()))
            numbers = isinstance(arg, list) and all(
                isinstance(v, int | float) and not isinstance(v, bool) for v in arg
            )
            if kind == "choice" and not (isinstance(arg, list) and arg):
                raise TaskError(f"{where}: choice needs a non-empty list")
            if kind != "choice" and not (numbers and len(arg) == 2 and arg[0] <= arg[1]):
                raise TaskError(f"{where}: {kind} needs [low, high] with low <= high")
            if kind == "randint" and not all(isinstance(v, int) for v in arg):
                raise TaskError(f"{where}: randint needs int bounds")
            return
        for k, v in value.items():
            check_drawn(v, f"{where}.{k}")
    elif isinstance(value, list):
        for v in value:
            check_drawn(v, where)
