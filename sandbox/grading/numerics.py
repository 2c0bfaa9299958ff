"""Numerical gradients and comparisons (trusted side, pure functions, float64 throughout).

Comparisons are mixed absolute + relative: ``|a - r| <= atol * scale + rtol * |r|`` with
``scale`` the reference's largest magnitude, so tiny entries of a large gradient do not turn
round-off into false failures (CS231n's elementwise rel_error does, measured 1.2e-4 on a correct
softmax). Numerical gradients are Gaussian directional probes with central differences; full
per-coordinate central differences are only for tiny diagnostic instances.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
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
    # the shapes differ only by dimensions of size 1 ((1, D) for (D,)): the values were compared
    # as if reshaped, and only a shape check should fail
    singleton: bool = False


_TINY = float(np.finfo(np.float64).tiny)


def compare(actual: Array, expected: Array, *, rtol: float, atol: float) -> Comparison:
    """Compare in float64 with the mixed criterion; a scalar may come as shape () or (1,)."""
    return compare_all([actual], [expected], rtol=rtol, atol=atol)[0]


def _squeezed(shape: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(d for d in shape if d != 1)


def compare_all(
    actual: Sequence[Array], expected: Sequence[Array], *, rtol: float, atol: float
) -> list[Comparison]:
    """Compare many pairs at once: one pass of numpy over all of them, not one per pair."""
    found = compare_expected(expect(expected, rtol=rtol, atol=atol), actual)
    return [c for c in found if c is not None]


@dataclass(frozen=True)
class Expected:
    """Reference arrays of one kind of check, flattened side by side with their allowances.

    Built once per (task, seed) for the reference's values: grading compares ~50-100 small
    arrays per submission, and numpy's per-call overhead, not the arithmetic, was the cost
    (~7 ms for affine with one compare per array).
    """

    arrays: tuple[Array, ...]
    starts: Array
    flat: Array
    allowed: Array  # atol * (the pair's max |r|) + rtol * |r|, elementwise
    scale: Array  # per pair: max |r|


def expect(arrays: Sequence[Array], *, rtol: float, atol: float) -> Expected:
    """Flatten reference arrays (each non-empty) for ``compare_expected``."""
    refs = tuple(np.asarray(r, dtype=np.float64) for r in arrays)
    if not refs:
        empty = np.zeros(0)
        return Expected((), np.zeros(0, np.int64), empty, empty, empty)
    sizes = np.array([r.size for r in refs])
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
    flat = np.concatenate([r.reshape(-1) for r in refs])
    scale = np.maximum.reduceat(np.abs(flat), starts)
    allowed = atol * np.repeat(scale, sizes) + rtol * np.abs(flat)
    return Expected(refs, starts, flat, allowed, scale)


def compare_expected(exp: Expected, actual: Sequence[Array | None]) -> list[Comparison | None]:
    """Compare each actual array (None: nothing came back) with its reference, in one pass.

    Shapes are settled per pair in Python (a scalar may come as () or (1,); a shape off only by
    dims of size 1 is compared as reshaped and marked ``singleton``); the values of every
    comparable pair go into one flat vector, reduced per pair.
    """
    results: list[Comparison | None] = [None] * len(actual)
    big = np.zeros(exp.flat.size)
    usable = np.zeros(len(exp.arrays), dtype=bool)
    singles = [False] * len(actual)
    shapes: list[tuple[int, ...]] = [()] * len(actual)
    for i, (got, r) in enumerate(zip(actual, exp.arrays, strict=True)):
        if got is None:
            continue
        a = np.asarray(got, dtype=np.float64)
        shapes[i] = a.shape
        if a.shape != r.shape:
            if a.size == r.size == 1 and r.ndim == 0:
                pass
            elif a.size == r.size and _squeezed(a.shape) == _squeezed(r.shape):
                singles[i] = True
            else:
                results[i] = Comparison(False, "shape", math.inf, math.inf, None, a.shape, r.shape)
                continue
        start = exp.starts[i]
        big[start : start + r.size] = a.reshape(-1)
        usable[i] = True
    if not usable.any():
        return results
    with np.errstate(all="ignore"):  # a candidate's 1e308 overflows to inf and simply fails
        diff = np.abs(big - exp.flat)
        excess = diff - exp.allowed
        finite = np.logical_and.reduceat(np.isfinite(big), exp.starts)
    max_abs = np.maximum.reduceat(diff, exp.starts)
    worst = np.maximum.reduceat(excess, exp.starts)
    for i in np.flatnonzero(usable).tolist():
        r = exp.arrays[i]
        shape = shapes[i]
        start = exp.starts[i]
        if not finite[i]:
            bad = np.argwhere(~np.isfinite(big[start : start + r.size]))
            first = tuple(int(x) for x in np.unravel_index(int(bad[0][0]), r.shape))
            results[i] = Comparison(
                False, "nonfinite", math.inf, math.inf, first, shape, r.shape, singles[i]
            )
            continue
        ok = bool(worst[i] <= 0)
        index: tuple[int, ...] | None = None
        if not ok:  # only a failure needs the worst entry, for its message
            seg = excess[start : start + r.size]
            index = tuple(int(x) for x in np.unravel_index(int(np.argmax(seg)), r.shape))
        m = float(max_abs[i])
        results[i] = Comparison(
            ok, "" if ok else "values", m, m / max(float(exp.scale[i]), _TINY), index,
            shape, r.shape, singles[i],
        )  # fmt: skip
    return results


def allowance(expected: Array, *, rtol: float, atol: float) -> Array:
    """The elementwise allowed error around a reference array (see ``within``)."""
    r = np.abs(np.asarray(expected, dtype=np.float64))
    return atol * (float(r.max()) if r.size else 0.0) + rtol * r


def within(actual: Array, expected: Array, allowed: Array) -> bool:
    """The mixed criterion with the reference's allowance computed once (large arrays).

    Three passes over the data instead of compare()'s dozen: the timing case's gradients are
    ~10^4 elements each and are checked in every trial of every submission.
    """
    a = np.asarray(actual, dtype=np.float64)
    if a.shape != np.shape(expected):
        squeezed = _squeezed(a.shape) == _squeezed(np.shape(expected))
        if not squeezed or a.size != np.size(expected):
            return False
        a = a.reshape(np.shape(expected))
    with np.errstate(all="ignore"):  # NaN and inf compare False: not within
        return bool(np.all(np.abs(a - expected) <= allowed))


def all_equal(actual: Sequence[Array], expected: Sequence[Array]) -> list[bool]:
    """Bitwise equality of each pair (shapes too, NaN equal to NaN), in one numpy pass."""
    out = [False] * len(actual)
    flat_a: list[Array] = []
    flat_b: list[Array] = []
    index: list[int] = []
    for i, (a, b) in enumerate(zip(actual, expected, strict=True)):
        a, b = np.asarray(a), np.asarray(b)
        if a.shape != b.shape:
            continue
        if a.size == 0 or a.dtype.kind != "f" or b.dtype.kind != "f":
            # rare (labels, masks, empty arrays): exact without a float conversion
            out[i] = bool(np.array_equal(a, b))
            continue
        flat_a.append(a.reshape(-1))
        flat_b.append(b.reshape(-1))
        index.append(i)
    if index:
        starts = np.cumsum([0] + [f.size for f in flat_a[:-1]])
        big_a, big_b = np.concatenate(flat_a), np.concatenate(flat_b)
        with np.errstate(invalid="ignore"):
            same = (big_a == big_b) | (np.isnan(big_a) & np.isnan(big_b))
        for j, ok in zip(index, np.logical_and.reduceat(same, starts), strict=True):
            out[j] = bool(ok)
    return out


def max_abs_all(arrays: Sequence[Array]) -> list[float]:
    """The largest magnitude of each array (0.0 for an empty one), in one numpy pass."""
    flat = [np.asarray(a, dtype=np.float64).reshape(-1) for a in arrays]
    nonempty = [f for f in flat if f.size]
    if not nonempty:
        return [0.0] * len(flat)
    starts = np.cumsum([0] + [f.size for f in nonempty[:-1]])
    with np.errstate(all="ignore"):
        peaks = iter(np.maximum.reduceat(np.abs(np.concatenate(nonempty)), starts).tolist())
    return [float(next(peaks)) if f.size else 0.0 for f in flat]


def exactly_equal(a: Array, b: Array) -> bool:
    """Bitwise equality of values and shapes (NaN equal to NaN), for the repeated-call check."""
    return all_equal([a], [b])[0]


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


@dataclass(frozen=True)
class ProbeTable:
    """The reference's side of every probe of one grading, flattened once and reused.

    Gradient j occupies ``[starts[j], starts[j] + sizes[j])`` of the flat layout; row k of
    ``directions`` holds probe k's unit directions of every gradient side by side, so one
    multiply and one ``add.reduceat`` give every <g, u> of a submission.
    """

    shapes: tuple[tuple[int, ...], ...]
    starts: Array
    sizes: Array
    directions: Array  # (probes, total elements)
    numerical: Array  # (probes, gradients): central differences of the reference's L
    slack: Array  # (probes, gradients): atol * ||g_ref|| + the central difference's round-off


def probe_table(
    gradients: Sequence[tuple[Array, Sequence[Array], Sequence[tuple[float, float]]]],
    *,
    step: float,
    atol: float,
) -> ProbeTable:
    """Build the table from (reference gradient, probe directions, (L+, L-) per probe) each."""
    if not gradients:
        empty = np.zeros((0, 0))
        return ProbeTable((), np.zeros(0, np.int64), np.zeros(0, np.int64), empty, empty, empty)
    shapes = tuple(np.shape(g) for g, _, _ in gradients)
    sizes = np.array([int(np.prod(s)) for s in shapes])  # dims are >= 1: never empty
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    probes = len(gradients[0][1])
    directions = np.stack(
        [np.concatenate([np.ravel(dirs[k]) for _, dirs, _ in gradients]) for k in range(probes)]
    )
    levels = np.array([[lv[k] for _, _, lv in gradients] for k in range(probes)])  # (P, n, 2)
    plus, minus = levels[..., 0], levels[..., 1]
    norms = np.array([float(np.linalg.norm(g)) for g, _, _ in gradients])
    roundoff = _ROUNDOFF_FACTOR * (np.abs(plus) + np.abs(minus)) / (2.0 * step)
    return ProbeTable(
        shapes=shapes,
        starts=starts,
        sizes=sizes,
        directions=directions,
        numerical=(plus - minus) / (2.0 * step),
        slack=atol * norms[None, :] + roundoff,
    )


def probe_all(
    table: ProbeTable, grads: Sequence[Array | None], *, rtol: float
) -> tuple[Array, Array, Array]:
    """Every probe of every gradient at once: (ok, error, allowed), each (probes, gradients).

    A gradient that did not come back, or whose shape is not the reference's (up to dims of
    size 1), fails all its probes.
    """
    flat = np.zeros(table.directions.shape[1])
    usable = np.zeros(len(table.shapes), dtype=bool)
    for j, (g, shape) in enumerate(zip(grads, table.shapes, strict=True)):
        if g is None:
            continue
        have = np.shape(g)
        if have != shape and (np.size(g) != table.sizes[j] or _squeezed(have) != _squeezed(shape)):
            continue
        usable[j] = True
        start = table.starts[j]
        flat[start : start + table.sizes[j]] = np.ravel(g)
    with np.errstate(all="ignore"):
        analytic = np.add.reduceat(table.directions * flat[None, :], table.starts, axis=1)
        error = np.abs(analytic - table.numerical)
        allowed = rtol * np.maximum(np.abs(analytic), np.abs(table.numerical)) + table.slack
        ok = usable[None, :] & np.isfinite(analytic) & (error <= allowed)
    return ok, np.where(usable[None, :], error, np.inf), allowed
