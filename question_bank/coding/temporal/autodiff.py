"""Autodiff truth for the temporal affine layer and the masked temporal softmax loss (sum / N)."""

from typing import Any

import autograd.numpy as anp
import numpy as np

from app.grading.autodiff import Case, layer_case, log_softmax, loss_case, normal


def affine(x: Any, w: Any, b: Any) -> Any:
    n, t, d = x.shape
    return anp.reshape(anp.dot(anp.reshape(x, (n * t, d)), w), (n, t, w.shape[1])) + b


def softmax_loss(x: Any, y: np.ndarray, mask: np.ndarray) -> Any:
    picked = anp.sum(log_softmax(x) * np.eye(x.shape[2])[y], axis=2)
    return -anp.sum(picked * mask) / x.shape[0]


def cases(rng: np.random.Generator) -> list[Case]:
    out = [
        layer_case(
            f"affine{n, t, d, m}",
            fwd="temporal_affine_forward",
            bwd="temporal_affine_backward",
            args=[normal(rng, n, t, d), normal(rng, d, m), normal(rng, m)],
            diff=[0, 1, 2],
            forward=affine,
            rng=rng,
        )
        for n, t, d, m in [(3, 4, 5, 6), (2, 3, 4, 4)]
    ]
    for n, t, v in [(4, 5, 6), (3, 2, 4)]:
        mask = rng.random((n, t)) < 0.6
        mask[0, 0], mask[-1, -1] = True, False
        args = [normal(rng, n, t, v), rng.integers(0, v, size=(n, t)), mask]
        out.append(
            loss_case(
                f"loss{n, t, v}", fn="temporal_softmax_loss", args=args, diff=0, loss=softmax_loss
            )
        )
    return out
