"""Truth for the training loop: the loop re-written here, around an autograd softmax classifier.

The loss and its gradients come from autograd (not from the fixtures' hand-written backward), and
the epochs, minibatches, record-then-update order and per-epoch decay are re-derived in plain
numpy, so the reference's loop is checked against an independent one.
"""

from types import ModuleType
from typing import Any

import autograd.numpy as anp
import numpy as np
from autograd import value_and_grad

from app.grading.autodiff import Case, Outputs, as_array, cross_entropy, normal


def _loss(params: dict[str, Any], x: np.ndarray, y: np.ndarray) -> Any:
    return cross_entropy(anp.dot(x, params["W"]) + params["b"], y)


_loss_and_grads = value_and_grad(_loss)


def loss_fn(params: dict[str, np.ndarray], x: np.ndarray, y: np.ndarray) -> tuple[float, Any]:
    loss, grads = _loss_and_grads(params, x, y)
    return float(loss), grads


def sgd(
    params: dict[str, np.ndarray],
    x: np.ndarray,
    y: np.ndarray,
    lr: float,
    epochs: int,
    b: int,
    decay: float,
) -> Outputs:
    history = []
    p = dict(params)
    n = x.shape[0]
    for epoch in range(epochs):
        rate = lr * decay**epoch
        for first in range(0, n, b):
            rows = slice(first, min(first + b, n))
            loss, grads = loss_fn(p, x[rows], y[rows])
            history.append(loss)
            p = {k: p[k] - rate * grads[k] for k in p}
    return {"history": np.array(history), "W": p["W"], "b": p["b"]}


def cases(rng: np.random.Generator) -> list[Case]:
    out = []
    for n, d, c, b, lr, epochs, decay in [(10, 12, 3, 4, 0.5, 12, 0.9), (7, 9, 4, 7, 1.0, 8, 0.8)]:
        x, y = normal(rng, n, d), rng.integers(0, c, size=n)
        params = {"W": normal(rng, d, c, scale=0.01), "b": normal(rng, c, scale=0.01)}

        def run(
            module: ModuleType, x=x, y=y, params=params, b=b, lr=lr, epochs=epochs, decay=decay
        ) -> Outputs:
            start = {k: v.copy() for k, v in params.items()}
            final, history = module.train(
                loss_fn,
                start,
                x.copy(),
                y.copy(),
                learning_rate=lr,
                num_epochs=epochs,
                batch_size=b,
                lr_decay=decay,
            )
            return {
                "history": as_array(history),
                "W": as_array(final["W"]),
                "b": as_array(final["b"]),
            }

        def truth(x=x, y=y, params=params, b=b, lr=lr, epochs=epochs, decay=decay) -> Outputs:
            return sgd(params, x, y, lr, epochs, b, decay)

        out.append(Case(f"N{n}B{b}", run, truth))
    return out
