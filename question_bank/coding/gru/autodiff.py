"""Autodiff truth for one GRU step, gates [r | z | n], reset applied to h @ Wh_n."""

from typing import Any

import autograd.numpy as anp
import numpy as np

from app.grading.autodiff import Case, layer_case, normal, sigmoid


def gru_step(x: Any, h: Any, wx: Any, wh: Any, b: Any) -> Any:
    size = h.shape[1]
    a = anp.dot(x, wx) + b
    hh = anp.dot(h, wh)
    r = sigmoid(a[:, :size] + hh[:, :size])
    z = sigmoid(a[:, size : 2 * size] + hh[:, size : 2 * size])
    n = anp.tanh(a[:, 2 * size :] + r * hh[:, 2 * size :])
    return (1 - z) * n + z * h


def cases(rng: np.random.Generator) -> list[Case]:
    out = []
    for n, d, h in [(3, 4, 5), (1, 6, 3), (5, 2, 4)]:
        args = [
            normal(rng, n, d),
            normal(rng, n, h, scale=0.8),
            normal(rng, d, 3 * h, scale=0.4),
            normal(rng, h, 3 * h, scale=0.4),
            normal(rng, 3 * h, scale=0.3),
        ]
        out.append(
            layer_case(
                f"N{n}D{d}H{h}",
                fwd="gru_step_forward",
                bwd="gru_step_backward",
                args=args,
                diff=[0, 1, 2, 3, 4],
                forward=gru_step,
                rng=rng,
            )
        )
    return out
