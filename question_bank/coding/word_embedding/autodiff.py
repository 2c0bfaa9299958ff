"""Autodiff truth for the word embedding lookup W[x]; words repeat, so dW must accumulate."""

from typing import Any

import numpy as np

from app.grading.autodiff import Case, layer_case, normal


def embed(x: np.ndarray, w: Any) -> Any:
    return w[x]


def cases(rng: np.random.Generator) -> list[Case]:
    # N * T > V, so words repeat and a non-accumulating backward loses gradient.
    return [
        layer_case(
            f"N{n}T{t}V{v}D{dim}",
            fwd="word_embedding_forward",
            bwd="word_embedding_backward",
            args=[rng.integers(0, v, size=(n, t)), normal(rng, v, dim)],
            diff=[1],
            forward=embed,
            rng=rng,
        )
        for n, t, v, dim in [(3, 4, 5, 6), (2, 5, 7, 3)]
    ]
