"""Autodiff truth for the mean squared error over every entry."""

from typing import Any

import autograd.numpy as anp
import numpy as np

from app.grading.autodiff import Case, loss_case, normal


def mse(x: Any, y: Any) -> Any:
    return anp.mean((x - y) ** 2)


def cases(rng: np.random.Generator) -> list[Case]:
    return [
        loss_case(
            f"N{n}D{d}",
            fn="mse_loss",
            args=[normal(rng, n, d), normal(rng, n, d)],
            diff=0,
            loss=mse,
        )
        for n, d in [(6, 4), (3, 1), (5, 7)]
    ]
