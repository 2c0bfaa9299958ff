"""The trusted side's comparisons and numerical gradients, on functions with known gradients."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sandbox.grading import numerics as gradcheck


def _softmax_grad(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    p = np.exp(x - x.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    p[np.arange(len(y)), y] -= 1
    result: np.ndarray = p / len(y)
    return result


def test_compare_reports_shape_nonfinite_and_values() -> None:
    r = np.arange(6.0).reshape(2, 3)
    assert gradcheck.compare(r.T, r, rtol=1e-9, atol=1e-9).reason == "shape"
    bad = r.copy()
    bad[1, 2] = np.nan
    cmp = gradcheck.compare(bad, r, rtol=1e-9, atol=1e-9)
    assert (cmp.reason, cmp.worst_index) == ("nonfinite", (1, 2))
    off = r.copy()
    off[0, 1] += 1e-3
    cmp = gradcheck.compare(off, r, rtol=1e-9, atol=1e-9)
    assert not cmp.ok
    assert cmp.worst_index == (0, 1)
    assert cmp.rel_error == pytest.approx(1e-3 / 5)
    assert gradcheck.compare(r, r, rtol=0, atol=0).ok


def test_compare_accepts_a_scalar_as_shape_one_or_zero_d() -> None:
    assert gradcheck.compare(np.array([2.5]), np.array(2.5), rtol=1e-9, atol=1e-9).ok
    assert gradcheck.compare(np.array(2.5), np.array(2.5), rtol=1e-9, atol=1e-9).ok


def test_compare_overflowing_candidate_fails_without_warnings() -> None:
    r = np.ones(3)
    cmp = gradcheck.compare(np.array([1e308, -1e308, 1.0]), r, rtol=1e-9, atol=1e-9)
    assert not cmp.ok


def test_mixed_tolerance_passes_tiny_entries_that_elementwise_relative_error_fails() -> None:
    # Confident logits: some gradient entries are ~1e-8, where round-off is large relative to them.
    rng = np.random.default_rng(0)
    x = 10 * rng.standard_normal((5, 4))
    y = rng.integers(0, 4, 5)
    exact = _softmax_grad(x, y)
    noisy = exact + 1e-13 * rng.standard_normal(exact.shape)
    assert gradcheck.rel_error(noisy, exact) > 1e-7  # CS231n's elementwise measure fails
    assert gradcheck.compare(noisy, exact, rtol=1e-9, atol=1e-9).ok
    # while a 1e-6 relative error on the largest entry fails
    wrong = exact.copy()
    i = np.unravel_index(np.argmax(np.abs(exact)), exact.shape)
    wrong[i] *= 1 + 1e-6
    assert not gradcheck.compare(wrong, exact, rtol=1e-9, atol=1e-9).ok


def _layer() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(1)
    x = rng.standard_normal((4, 6))
    dout = rng.standard_normal((4, 6))
    grad = np.cos(x) * dout  # VJP of sin at x
    return x, dout, grad


def _probe(grad: np.ndarray, x: np.ndarray, dout: np.ndarray, u: np.ndarray) -> bool:
    h = 1e-5

    def level(z: np.ndarray) -> float:
        return gradcheck.upstream_scalar([np.sin(z)], [dout])

    result = gradcheck.probe(
        grad,
        u,
        l_plus=level(x + h * u),
        l_minus=level(x - h * u),
        step=h,
        rtol=1e-6,
        atol=1e-8,
        grad_norm=float(np.linalg.norm(grad)),
    )
    return result.ok


def test_gaussian_probes_pass_a_correct_gradient_and_catch_a_sparse_bug() -> None:
    x, dout, grad = _layer()
    rng = np.random.default_rng(2)
    directions = gradcheck.gaussian_directions(rng, x.shape, 20)
    assert all(_probe(grad, x, dout, u) for u in directions)
    # one entry off by 1%: random coordinates would mostly miss it, projections never do
    wrong = grad.copy()
    wrong[2, 3] *= 1.01
    assert not any(_probe(wrong, x, dout, u) for u in directions)


def test_directions_are_unit_gaussian_and_fresh() -> None:
    rng = np.random.default_rng(3)
    a, b = gradcheck.gaussian_directions(rng, (7, 5), 2)
    assert math.isclose(float(np.linalg.norm(a)), 1.0)
    assert (a < 0).any()  # never a non-negative projection
    assert not np.allclose(a, b)


def test_full_central_differences_match_the_analytic_gradient_on_a_tiny_instance() -> None:
    x, dout, grad = _layer()
    numerical = gradcheck.numerical_gradient(
        lambda z: gradcheck.upstream_scalar([np.sin(z)], [dout]), x
    )
    assert gradcheck.compare(numerical, grad, rtol=1e-7, atol=1e-8).ok
    assert gradcheck.rel_error(numerical, grad) < 1e-7


def test_exactly_equal_is_bitwise() -> None:
    a = np.array([1.0, np.nan])
    assert gradcheck.exactly_equal(a, a.copy())
    assert not gradcheck.exactly_equal(a, a + np.array([1e-16, 0]) * 1e3)
    assert not gradcheck.exactly_equal(a, a.reshape(2, 1))
