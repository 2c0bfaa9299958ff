"""Autodiff truth for the softmax (cross-entropy) loss averaged over the batch, and dx."""

import numpy as np

from app.grading.autodiff import Case, cross_entropy, loss_case, normal


def cases(rng: np.random.Generator) -> list[Case]:
    return [
        loss_case(
            f"N{n}C{c}",
            fn="softmax_loss",
            args=[normal(rng, n, c), rng.integers(0, c, size=n)],
            diff=0,
            loss=cross_entropy,
        )
        for n, c in [(4, 3), (1, 5), (7, 10), (5, 5)]
    ]
