"""Autodiff truth for the practice task: out = x * a, one factor per column of x."""

from typing import Any

import numpy as np

from app.grading.autodiff import Case, layer_case, normal


def scale(x: Any, a: Any) -> Any:
    return x * a


def cases(rng: np.random.Generator) -> list[Case]:
    # N != D, so summing da over the wrong axis changes its shape.
    return [
        layer_case(
            f"x{n}x{d}",
            fwd="scale_forward",
            bwd="scale_backward",
            args=[normal(rng, n, d), 1.5 + normal(rng, d, scale=0.5)],
            diff=[0, 1],
            forward=scale,
            rng=rng,
        )
        for n, d in [(2, 3), (4, 1), (5, 2)]
    ]
