"""Autodiff truth for FullyConnectedNet at depths 1, 2, 3 and 4, with and without batchnorm/dropout.

The net is re-stated in autograd.numpy from the statement; dropout masks follow the statement's
protocol (re-seed, then `rand(*shape) < p`, scaled by 1/p) and are drawn before differentiating.
"""

from types import ModuleType
from typing import Any

import autograd.numpy as anp
import numpy as np
from autograd import grad

from app.grading.autodiff import Case, Outputs, as_array, cross_entropy, normal


def net_case(
    rng: np.random.Generator, n: int, d: int, hidden: list[int], c: int, *, bn: bool, keep: float
) -> Case:
    dims = [d, *hidden, c]
    layers = len(dims) - 1
    params: dict[str, np.ndarray] = {}
    for i in range(1, layers + 1):
        params[f"W{i}"] = normal(rng, dims[i - 1], dims[i], scale=0.4)
        params[f"b{i}"] = normal(rng, dims[i], scale=0.3)
        if bn and i < layers:
            params[f"gamma{i}"] = rng.uniform(0.5, 1.5, size=dims[i])
            params[f"beta{i}"] = normal(rng, dims[i], scale=0.5)
    x, y, reg, seed = normal(rng, n, d), rng.integers(0, c, size=n), 0.2, 7
    masks = [
        (np.random.RandomState(seed).rand(n, h) < keep) / keep if keep < 1 else np.ones((n, h))
        for h in hidden
    ]
    # Batchnorm removes the bias before it: that bias's gradient is zero, so it is not compared.
    graded = [k for k in params if not (bn and k in {f"b{i}" for i in range(1, layers)})]

    def loss(p: dict[str, Any]) -> Any:
        h = x
        for i in range(1, layers):
            a = anp.dot(h, p[f"W{i}"]) + p[f"b{i}"]
            if bn:
                mu = anp.mean(a, axis=0)
                var = anp.mean((a - mu) ** 2, axis=0)
                a = p[f"gamma{i}"] * (a - mu) / anp.sqrt(var + 1e-5) + p[f"beta{i}"]
            h = anp.maximum(0.0, a) * masks[i - 1]
        scores = anp.dot(h, p[f"W{layers}"]) + p[f"b{layers}"]
        penalty = sum(anp.sum(p[f"W{i}"] ** 2) for i in range(1, layers + 1))
        return cross_entropy(scores, y) + 0.5 * reg * penalty

    def run(module: ModuleType) -> Outputs:
        net = module.FullyConnectedNet(
            hidden, input_dim=d, num_classes=c, dropout_keep_ratio=keep,
            normalization="batchnorm" if bn else None, reg=reg, seed=seed,
        )  # fmt: skip
        for key, value in params.items():
            net.params[key] = value.copy()
        value, grads = net.loss(x.copy(), y.copy())
        return {"loss": as_array(value)} | {f"d{k}": as_array(grads[k]) for k in graded}

    def truth() -> Outputs:
        grads = grad(loss)(params)
        return {"loss": as_array(loss(params))} | {f"d{k}": as_array(grads[k]) for k in graded}

    return Case(f"L{layers}{'bn' if bn else ''}{'drop' if keep < 1 else ''}", run, truth)


def cases(rng: np.random.Generator) -> list[Case]:
    return [
        net_case(rng, 5, 4, [], 3, bn=False, keep=1.0),
        net_case(rng, 6, 5, [7], 4, bn=True, keep=1.0),
        net_case(rng, 4, 6, [5, 3], 3, bn=True, keep=0.6),
        net_case(rng, 7, 3, [4, 6, 5], 2, bn=False, keep=0.75),
        net_case(rng, 5, 4, [6, 5, 4], 3, bn=True, keep=0.8),
    ]
