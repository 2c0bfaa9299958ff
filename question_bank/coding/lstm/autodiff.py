"""Autodiff truth for the LSTM (gates i, f, o, g in that order): one step, the sequence (c0 = 0)."""

from typing import Any

import autograd.numpy as anp
import numpy as np

from app.grading.autodiff import Case, layer_case, normal, sigmoid


def lstm_step(x: Any, h: Any, c: Any, wx: Any, wh: Any, b: Any) -> tuple[Any, Any]:
    size = h.shape[1]
    a = anp.dot(x, wx) + anp.dot(h, wh) + b
    gate_i = sigmoid(a[:, :size])
    gate_f = sigmoid(a[:, size : 2 * size])
    gate_o = sigmoid(a[:, 2 * size : 3 * size])
    gate_g = anp.tanh(a[:, 3 * size :])
    next_c = gate_f * c + gate_i * gate_g
    return gate_o * anp.tanh(next_c), next_c


def lstm(x: Any, h0: Any, wx: Any, wh: Any, b: Any) -> Any:
    hs, h, c = [], h0, np.zeros(h0.shape)
    for t in range(x.shape[1]):
        h, c = lstm_step(x[:, t, :], h, c, wx, wh, b)
        hs.append(h)
    return anp.stack(hs, axis=1)


def cases(rng: np.random.Generator) -> list[Case]:
    n, d, h, t = 3, 4, 5, 3

    def weights() -> list[np.ndarray]:
        return [
            normal(rng, d, 4 * h, scale=0.4),
            normal(rng, h, 4 * h, scale=0.4),
            normal(rng, 4 * h, scale=0.3),
        ]

    step_args = [normal(rng, n, d), normal(rng, n, h), normal(rng, n, h), *weights()]
    seq_args = [normal(rng, n, t, d), normal(rng, n, h), *weights()]
    return [
        layer_case(
            "step",
            fwd="lstm_step_forward",
            bwd="lstm_step_backward",
            args=step_args,
            diff=[0, 1, 2, 3, 4, 5],
            forward=lstm_step,
            rng=rng,
            n_out=2,
        ),
        layer_case(
            "sequence",
            fwd="lstm_forward",
            bwd="lstm_backward",
            args=seq_args,
            diff=[0, 1, 2, 3, 4],
            forward=lstm,
            rng=rng,
        ),
    ]
