"""Autodiff truth for the mean binary cross-entropy with logits against soft targets."""

from typing import Any

import autograd.numpy as anp
import numpy as np

from app.grading.autodiff import Case, loss_case


def bce(x: Any, y: np.ndarray) -> Any:
    # log(1 + e^x) - x y  ==  -y log(sigmoid(x)) - (1 - y) log(1 - sigmoid(x))
    return anp.mean(anp.logaddexp(0.0, x) - x * y)


def cases(rng: np.random.Generator) -> list[Case]:
    # Large logits (|x| up to 45) on purpose: the naive formula is inf there.
    return [
        loss_case(
            f"N{n}K{k}",
            fn="bce_with_logits",
            args=[rng.uniform(-45.0, 45.0, size=(n, k)), rng.uniform(0.0, 1.0, size=(n, k))],
            diff=0,
            loss=bce,
        )
        for n, k in [(4, 3), (1, 6), (7, 2), (5, 1)]
    ]
