"""Autodiff truth for the vanilla RNN: one tanh step, and the sequence from h0."""

from typing import Any

import autograd.numpy as anp
import numpy as np

from app.grading.autodiff import Case, layer_case, normal


def rnn_step(x: Any, h: Any, wx: Any, wh: Any, b: Any) -> Any:
    return anp.tanh(anp.dot(x, wx) + anp.dot(h, wh) + b)


def rnn(x: Any, h0: Any, wx: Any, wh: Any, b: Any) -> Any:
    hs, h = [], h0
    for t in range(x.shape[1]):
        h = rnn_step(x[:, t, :], h, wx, wh, b)
        hs.append(h)
    return anp.stack(hs, axis=1)


def cases(rng: np.random.Generator) -> list[Case]:
    n, d, h, t = 3, 4, 5, 4

    def weights() -> list[np.ndarray]:
        return [
            normal(rng, d, h, scale=0.4),
            normal(rng, h, h, scale=0.4),
            normal(rng, h, scale=0.2),
        ]

    step_args = [normal(rng, n, d), normal(rng, n, h), *weights()]
    seq_args = [normal(rng, n, t, d), normal(rng, n, h), *weights()]
    return [
        layer_case(
            "step",
            fwd="rnn_step_forward",
            bwd="rnn_step_backward",
            args=step_args,
            diff=[0, 1, 2, 3, 4],
            forward=rnn_step,
            rng=rng,
        ),
        layer_case(
            "sequence",
            fwd="rnn_forward",
            bwd="rnn_backward",
            args=seq_args,
            diff=[0, 1, 2, 3, 4],
            forward=rnn,
            rng=rng,
        ),
    ]
