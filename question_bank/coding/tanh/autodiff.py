"""Autodiff truth for tanh, by autograd.numpy's own tanh."""

import autograd.numpy as anp
import numpy as np

from app.grading.autodiff import Case, layer_case, normal


def cases(rng: np.random.Generator) -> list[Case]:
    return [
        layer_case(
            f"shape{shape}",
            fwd="tanh_forward",
            bwd="tanh_backward",
            args=[normal(rng, *shape)],
            diff=[0],
            forward=anp.tanh,
            rng=rng,
        )
        for shape in [(5, 3), (2, 3, 4)]
    ]
