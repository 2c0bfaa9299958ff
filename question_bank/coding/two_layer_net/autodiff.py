"""Autodiff truth for TwoLayerNet: scores, softmax loss + 0.5 * reg * (|W1|^2 + |W2|^2), grads."""

from types import ModuleType
from typing import Any

import autograd.numpy as anp
import numpy as np
from autograd import grad

from app.grading.autodiff import Case, Outputs, as_array, cross_entropy, normal

KEYS = ("W1", "b1", "W2", "b2")


def net_case(
    rng: np.random.Generator, n: int, dims: tuple[int, ...], hidden: int, classes: int, reg: float
) -> Case:
    d = int(np.prod(dims))
    params = {
        "W1": normal(rng, d, hidden, scale=0.5),
        "b1": normal(rng, hidden, scale=0.3),
        "W2": normal(rng, hidden, classes, scale=0.5),
        "b2": normal(rng, classes, scale=0.3),
    }
    x = normal(rng, n, *dims)
    y = rng.integers(0, classes, size=n)

    def scores(w1: Any, b1: Any, w2: Any, b2: Any) -> Any:
        h1 = anp.maximum(0.0, anp.dot(x.reshape(n, -1), w1) + b1)
        return anp.dot(h1, w2) + b2

    def objective(*values: Any) -> Any:
        w1, _, w2, _ = values
        return cross_entropy(scores(*values), y) + 0.5 * reg * (anp.sum(w1 * w1) + anp.sum(w2 * w2))

    def run(module: ModuleType) -> Outputs:
        net = module.TwoLayerNet(
            input_dim=d, hidden_dim=hidden, num_classes=classes, weight_scale=1e-2, reg=reg
        )
        for key, value in params.items():
            net.params[key] = value.copy()
        out_scores = net.loss(x.copy())
        loss, grads = net.loss(x.copy(), y.copy())
        result = {"scores": as_array(out_scores), "loss": as_array(loss)}
        result.update({f"d{k}": as_array(grads[k]) for k in KEYS})
        return result

    def truth() -> Outputs:
        values = [params[k] for k in KEYS]
        grads = grad(objective, argnum=(0, 1, 2, 3))(*values)
        result = {"scores": as_array(scores(*values)), "loss": as_array(objective(*values))}
        result.update({f"d{k}": as_array(g) for k, g in zip(KEYS, grads, strict=True)})
        return result

    return Case(f"N{n}H{hidden}", run, truth)


def cases(rng: np.random.Generator) -> list[Case]:
    return [net_case(rng, *spec) for spec in [(5, (3, 2), 7, 4, 0.7), (4, (5,), 6, 3, 0.1)]]
