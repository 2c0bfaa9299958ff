"""Autodiff truth for sigmoid: 1 / (1 + exp(-x)) in autograd.numpy."""

import numpy as np

from app.grading.autodiff import Case, layer_case, normal, sigmoid


def cases(rng: np.random.Generator) -> list[Case]:
    return [
        layer_case(
            f"shape{shape}",
            fwd="sigmoid_forward",
            bwd="sigmoid_backward",
            args=[normal(rng, *shape, scale=2.0)],
            diff=[0],
            forward=sigmoid,
            rng=rng,
        )
        for shape in [(4, 7), (3, 2, 5)]
    ]
