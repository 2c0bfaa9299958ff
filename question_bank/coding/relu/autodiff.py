"""Autodiff truth for ReLU: max(0, x), inputs kept away from the kink at 0."""

from typing import Any

import autograd.numpy as anp
import numpy as np

from app.grading.autodiff import Case, layer_case, normal


def relu(x: Any) -> Any:
    return anp.maximum(0.0, x)


def away_from_zero(x: np.ndarray) -> np.ndarray:
    return np.where(np.abs(x) < 1e-3, np.sign(x) * 1e-3 + x, x)


def cases(rng: np.random.Generator) -> list[Case]:
    return [
        layer_case(
            f"shape{shape}",
            fwd="relu_forward",
            bwd="relu_backward",
            args=[away_from_zero(normal(rng, *shape))],
            diff=[0],
            forward=relu,
            rng=rng,
        )
        for shape in [(4, 7), (3, 2, 5)]
    ]
