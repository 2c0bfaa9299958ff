"""Forward-value items against independent numpy computations (or simulations) for many seeds."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from app.bank.instances import NumericInstance, render_instance
from app.bank.loader import load_concepts
from app.bank.schemas import NumericItem

CONCEPTS = Path(__file__).resolve().parents[2] / "question_bank" / "concepts"
NUMERIC = {c.item.id: c.item for c in load_concepts(CONCEPTS) if isinstance(c.item, NumericItem)}


def shown(instance: NumericInstance, name: str) -> float:
    """Read a number back from the prompt, as the candidate sees it (`name` is a regex)."""
    match = re.search(name, instance.prompt)
    assert match, (name, instance.prompt)
    return float(match.group(1))


def softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max())
    return e / e.sum()


def attention(i: NumericInstance) -> float:
    p = i.params
    q = np.array([p["q1"], p["q2"]])
    keys = np.array([[p["a1"], p["a2"]], [p["b1"], p["b2"]]])
    weights = softmax(keys @ q / np.sqrt(2))
    return float(weights @ np.array([p["v1"], p["v2"]]))


def lstm_forward(i: NumericInstance) -> float:
    p = i.params
    c = p["f"] * p["c0"] + p["i"] * p["g"]
    return float(p["o"] * np.tanh(c))


def conv_multiply_adds(i: NumericInstance) -> float:
    # Count the multiply-adds of an explicit convolution loop's shape, from the prompt's numbers.
    w = shown(i, "\N{MULTIPLICATION SIGN}(\\d+)\N{MULTIPLICATION SIGN}\\d+ input")
    k, s = i.params["K"], i.params["S"]
    pad = shown(i, r"zero padding (\d+)")
    out = (w - k + 2 * pad) // s + 1
    assert out == (w - k + 2 * pad) / s + 1  # the sizes fit exactly
    return out * out * i.params["Cout"] * i.params["Cin"] * k * k


def bce(i: NumericInstance) -> float:
    p, y = i.params["p"], i.params["y"]
    return float(-np.log(p if y == 1 else 1 - p))


def mae(i: NumericInstance) -> float:
    p = i.params
    pred = np.array([p["p1"], p["p2"], p["p3"]])
    target = np.array([p["t1"], p["t2"], p["t3"]])
    return float(np.mean(np.abs(pred - target)))


def kl(i: NumericInstance) -> float:
    y = np.array([i.params["a"], round(1 - i.params["a"], 2)])
    p = np.array([i.params["b"], round(1 - i.params["b"], 2)])
    return float(np.sum(y * np.log(y / p)))


def large_logit_ce(i: NumericInstance) -> float:
    base = i.params["base"]
    z = np.array([base, base + i.params["u"], base + i.params["v"]], dtype=np.float64)
    assert z[0] == shown(i, r"z = \((\d+)")
    with np.errstate(over="ignore"):
        assert not np.isfinite(np.exp(z)).all()  # the naive formula really overflows
    m = z.max()
    return float(m + np.log(np.sum(np.exp(z - m))) - z[0])


def constant_predictor(i: NumericInstance) -> float:
    k, n = shown(i, r"has (\d+) positive"), shown(i, r"out of (\d+)")
    labels = np.array([1.0] * int(k) + [0.0] * int(n - k))
    # Minimise the mean BCE of a constant prediction over a fine grid, then polish around it.
    grid = np.linspace(0.0005, 0.9995, 20001)
    losses = -(labels.mean() * np.log(grid) + (1 - labels.mean()) * np.log(1 - grid))
    best = grid[np.argmin(losses)]
    fine = np.linspace(best - 1e-4, best + 1e-4, 2001)
    return float(np.min(-(labels.mean() * np.log(fine) + (1 - labels.mean()) * np.log(1 - fine))))


def warmup(i: NumericInstance) -> float:
    t, w = shown(i, r"step t = (\d+)"), i.params["W"]
    schedule = np.minimum(np.arange(0, int(w) + 10) / w, 1.0) * i.params["peak"]
    return float(schedule[int(t)])


def two_steps(i: NumericInstance) -> float:
    w = i.params["w0"]
    for _ in range(2):
        w -= i.params["lr"] * 2 * w  # f'(w) = 2w
    return w


def exponential_decay(i: NumericInstance) -> float:
    lr = i.params["lr0"]
    for _epoch in range(1, int(i.params["t"])):
        lr *= i.params["gamma"]
    return lr


def nesterov(i: NumericInstance) -> float:
    p = i.params
    ahead = p["w"] + p["mu"] * p["v"]
    v = p["mu"] * p["v"] - p["lr"] * p["a"] * ahead
    return p["w"] + v


def accumulated_learning_rate(i: NumericInstance) -> float:
    # Simulate: per-example gradients of a linear least-squares loss; one big-batch mean step
    # vs the sum of k micro-batch mean gradients; the ratio of the steps gives the needed rate.
    p = i.params
    b, k = int(p["b"]), int(p["k"])
    rng = np.random.default_rng(0)
    x, y, w = rng.normal(size=(b * k, 3)), rng.normal(size=b * k), rng.normal(size=3)
    grads = 2 * (x @ w - y)[:, None] * x
    big_step = p["lr"] * grads.mean(axis=0)
    accumulated = sum(grads[j * b : (j + 1) * b].mean(axis=0) for j in range(k))
    return float(big_step[0] / accumulated[0])


def residual_output(i: NumericInstance) -> float:
    p = i.params
    return p["x"] + max(0.0, p["w"] * p["x"] + p["b"])


def residual_variance(i: NumericInstance) -> float:
    var = 1.0
    for _ in range(int(i.params["L"])):
        var += i.params["a"] * var  # an uncorrelated branch adds its own variance
    return var


def focal(i: NumericInstance) -> float:
    p, gamma = i.params["p"], i.params["gamma"]
    return float(-((1 - p) ** gamma) * np.log(p))


def layernorm_first(i: NumericInstance) -> float:
    p = i.params
    x = np.array([p["x1"], p["x2"], p["x3"], p["x4"]])
    return float(p["g"] * (x[0] - x.mean()) / x.std() + p["b"])


def flatten_affine(i: NumericInstance) -> float:
    p = i.params
    features = np.zeros((int(p["C"]), int(p["H"]), int(p["H"]))).reshape(-1).size
    weights, bias = np.zeros((features, int(p["M"]))), np.zeros(int(p["M"]))
    return float(weights.size + bias.size)


REFERENCES: dict[str, Callable[[NumericInstance], float]] = {
    "layernorm-normalized-value": layernorm_first,
    "flatten-affine-parameters": flatten_affine,
    "attention-output-value": attention,
    "lstm-cell-forward": lstm_forward,
    "conv-multiply-adds": conv_multiply_adds,
    "bce-value": bce,
    "mae-value": mae,
    "kl-divergence-value": kl,
    "large-logit-cross-entropy": large_logit_ce,
    "constant-predictor-bce": constant_predictor,
    "warmup-learning-rate": warmup,
    "sgd-two-steps-quadratic": two_steps,
    "exponential-decay-learning-rate": exponential_decay,
    "nesterov-step": nesterov,
    "gradient-accumulation-learning-rate": accumulated_learning_rate,
    "residual-block-output": residual_output,
    "residual-variance-growth": residual_variance,
    "focal-loss-value": focal,
}


@pytest.mark.parametrize("item_id", sorted(REFERENCES))
def test_forward_items_match_independent_computations(item_id: str) -> None:
    item = NUMERIC[item_id]
    for seed in range(30):
        instance = render_instance(item, seed)
        expected = REFERENCES[item_id](instance)
        assert instance.answer == pytest.approx(expected, rel=1e-6, abs=1e-9), (seed, instance)


def test_he_std_keeps_the_second_moment_through_a_relu_layer() -> None:
    item = NUMERIC["he-init-std"]
    rng = np.random.default_rng(11)
    for seed in range(3):
        instance = render_instance(item, seed)
        n = int(instance.params["n"])
        z_prev = rng.normal(size=(2000, n))
        weights = rng.normal(scale=instance.answer, size=(n, 64))
        z = np.maximum(z_prev, 0) @ weights
        assert np.mean(z**2) == pytest.approx(1.0, rel=0.1), n


def test_residual_variance_matches_a_simulation() -> None:
    item = NUMERIC["residual-variance-growth"]
    instance = render_instance(item, 3)
    a, depth = instance.params["a"], int(instance.params["L"])
    rng = np.random.default_rng(5)
    x = rng.normal(size=400_000)
    for _ in range(depth):
        x = x + rng.normal(size=x.size) * np.sqrt(a * x.var())
    assert x.var() == pytest.approx(instance.answer, rel=0.02)
