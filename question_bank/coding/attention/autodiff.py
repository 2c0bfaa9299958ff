"""Autodiff truth for scaled dot-product attention: softmax(Q K^T / sqrt(d)) V, batched."""

from typing import Any

import autograd.numpy as anp
import numpy as np

from app.grading.autodiff import Case, layer_case, log_softmax, normal


def attention(q: Any, k: Any, v: Any) -> Any:
    scores = anp.matmul(q, anp.transpose(k, (0, 2, 1))) / np.sqrt(q.shape[-1])
    return anp.matmul(anp.exp(log_softmax(scores)), v)


def cases(rng: np.random.Generator) -> list[Case]:
    return [
        layer_case(
            f"N{n}Tq{tq}Tk{tk}d{d}dv{dv}",
            fwd="attention_forward",
            bwd="attention_backward",
            args=[normal(rng, n, tq, d), normal(rng, n, tk, d), normal(rng, n, tk, dv)],
            diff=[0, 1, 2],
            forward=attention,
            rng=rng,
        )
        for n, tq, tk, d, dv in [(2, 3, 5, 4, 6), (3, 4, 4, 5, 2)]
    ]
