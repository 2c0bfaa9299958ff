"""Numerical gradients and comparisons (trusted side, pure functions, float64 throughout).

Comparisons are mixed absolute + relative: ``|a - r| <= atol * scale + rtol * |r|`` with
``scale`` the reference's largest magnitude, so tiny entries of a large gradient do not turn
round-off into false failures (CS231n's elementwise rel_error does, measured 1.2e-4 on a correct
softmax). Numerical gradients are Gaussian directional probes with central differences; full
per-coordinate central differences are only for tiny diagnostic instances.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

Array = npt.NDArray[Any]

# Central differences lose about eps_mach * |L| / h to round-off in each evaluation of L.
_ROUNDOFF_FACTOR = 16 * float(np.finfo(np.float64).eps)


@dataclass(frozen=True)
class Comparison:
    """The outcome of comparing a candidate array with a reference array."""

    ok: bool
    reason: str  # "" when ok; else "shape", "nonfinite" or "values"
    max_abs_error: float
    rel_error: float  # max |a - r| / max(max |r|, tiny): the error normalised by the scale
    worst_index: tuple[int, ...] | None
    actual_shape: tuple[int, ...]
    expected_shape: tuple[int, ...]


def compare(actual: Array, expected: Array, *, rtol: float, atol: float) -> Comparison:
    """Compare in float64 with the mixed criterion; a scalar may come as shape () or (1,)."""
    a = np.asarray(actual, dtype=np.float64)
    r = np.asarray(expected, dtype=np.float64)
    if a.shape != r.shape and a.size == r.size == 1 and r.ndim == 0:
        a = a.reshape(())
    if a.shape != r.shape:
        return Comparison(False, "shape", math.inf, math.inf, None, a.shape, r.shape)
    if not np.all(np.isfinite(a)):
        bad = np.argwhere(~np.isfinite(a))
        index = tuple(int(i) for i in bad[0]) if bad.size else None
        return Comparison(False, "nonfinite", math.inf, math.inf, index, a.shape, r.shape)
    if a.size == 0:
        return Comparison(True, "", 0.0, 0.0, None, a.shape, r.shape)
    scale = float(np.max(np.abs(r)))
    with np.errstate(all="ignore"):  # a candidate's 1e308 overflows to inf and simply fails
        diff = np.abs(a - r)
        allowed = atol * scale + rtol * np.abs(r)
        excess = diff - allowed
    worst = np.unravel_index(int(np.argmax(excess)), a.shape) if a.ndim else ()
    max_abs = float(np.max(diff))
    rel = max_abs / max(scale, np.finfo(np.float64).tiny)
    ok = bool(np.all(excess <= 0))
    return Comparison(
        ok,
        "" if ok else "values",
        max_abs,
        rel,
        tuple(int(i) for i in worst),
        a.shape,
        r.shape,
    )


def exactly_equal(a: Array, b: Array) -> bool:
    """Bitwise equality of values and shapes (NaN equal to NaN), for the repeated-call check."""
    a = np.asarray(a)
    b = np.asarray(b)
    return a.shape == b.shape and bool(np.array_equal(a, b, equal_nan=True))


def gaussian_directions(
    rng: np.random.Generator, shape: tuple[int, ...], count: int
) -> list[Array]:
    """Draw `count` Gaussian directions of unit 2-norm."""
    out = []
    for _ in range(count):
        u = rng.standard_normal(shape)
        out.append(u / np.linalg.norm(u))
    return out


def central_difference(l_plus: float, l_minus: float, step: float) -> float:
    """Directional derivative (L(x + h u) - L(x - h u)) / 2h."""
    return (l_plus - l_minus) / (2.0 * step)


def upstream_scalar(outputs: list[Array], douts: list[Array]) -> float:
    """L = sum_k <out_k, dout_k>: the scalar whose gradient a layer's backward returns."""
    return float(
        sum(np.vdot(np.asarray(o, np.float64), d) for o, d in zip(outputs, douts, strict=True))
    )


@dataclass(frozen=True)
class ProbeResult:
    """One directional probe: the candidate's <g, u> against the numerical derivative."""

    ok: bool
    analytic: float
    numerical: float
    error: float
    allowed: float


def probe(
    grad: Array,
    direction: Array,
    *,
    l_plus: float,
    l_minus: float,
    step: float,
    rtol: float,
    atol: float,
    grad_norm: float,
) -> ProbeResult:
    """Check <grad, u> against the central difference of L along u.

    Allowed error: rtol of the derivative's size, atol scaled by the (reference) gradient's
    2-norm (|<g, u>| <= |g| for a unit u), and the central difference's own round-off.
    """
    with np.errstate(all="ignore"):
        analytic = float(np.vdot(np.asarray(grad, np.float64), direction))
    numerical = central_difference(l_plus, l_minus, step)
    roundoff = _ROUNDOFF_FACTOR * (abs(l_plus) + abs(l_minus)) / (2.0 * step)
    allowed = rtol * max(abs(analytic), abs(numerical)) + atol * grad_norm + roundoff
    error = abs(analytic - numerical)
    ok = bool(np.isfinite(analytic)) and error <= allowed
    return ProbeResult(ok, analytic, numerical, error, allowed)


def numerical_gradient(f: Callable[[Array], float], x: Array, step: float = 1e-5) -> Array:
    """Full per-coordinate central differences of a scalar f: 2 evaluations per element.

    Only for tiny diagnostic instances; grading uses directional probes.
    """
    x = np.array(x, dtype=np.float64)
    grad = np.zeros_like(x)
    flat, gflat = x.reshape(-1), grad.reshape(-1)
    for i in range(flat.size):
        old = flat[i]
        flat[i] = old + step
        plus = f(x)
        flat[i] = old - step
        minus = f(x)
        flat[i] = old
        gflat[i] = (plus - minus) / (2.0 * step)
    return grad


def rel_error(a: Array, b: Array) -> float:
    """CS231n's max elementwise relative error, for reports comparable with the course's."""
    a = np.asarray(a, np.float64)
    b = np.asarray(b, np.float64)
    return float(np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))))
