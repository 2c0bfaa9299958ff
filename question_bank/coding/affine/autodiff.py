"""Autodiff truth for the affine layer: x flattened to (N, D), times w, plus b."""

from typing import Any

import autograd.numpy as anp
import numpy as np

from app.grading.autodiff import Case, layer_case, normal


def affine(x: Any, w: Any, b: Any) -> Any:
    return anp.dot(anp.reshape(x, (x.shape[0], -1)), w) + b


def cases(rng: np.random.Generator) -> list[Case]:
    # N != M and D != M, so a wrong axis or a missing transpose cannot hide behind a square shape.
    return [
        layer_case(
            f"x{xs}M{m}",
            fwd="affine_forward",
            bwd="affine_backward",
            args=[
                normal(rng, *xs),
                normal(rng, int(np.prod(xs[1:])), m, scale=0.5),
                normal(rng, m),
            ],
            diff=[0, 1, 2],
            forward=affine,
            rng=rng,
        )
        for xs, m in [((2, 3, 4), 5), ((4, 5), 3), ((3, 2, 2, 2), 6)]
    ]
