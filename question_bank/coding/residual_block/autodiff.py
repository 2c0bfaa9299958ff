"""Autodiff truth for the residual block x + relu(x w1 + b1) w2 + b2."""

from typing import Any

import autograd.numpy as anp
import numpy as np

from app.grading.autodiff import Case, layer_case, normal


def block(x: Any, w1: Any, b1: Any, w2: Any, b2: Any) -> Any:
    return x + anp.dot(anp.maximum(0.0, anp.dot(x, w1) + b1), w2) + b2


def cases(rng: np.random.Generator) -> list[Case]:
    out = []
    for n, d, h in [(3, 4, 6), (5, 2, 3), (1, 6, 4)]:
        b1 = normal(rng, h, scale=1.5)
        b1 = np.where(np.abs(b1) < 1.0, b1 + np.copysign(1.0, b1), b1)  # off the ReLU's kink
        args = [
            normal(rng, n, d),
            normal(rng, d, h, scale=0.1),
            b1,
            normal(rng, h, d, scale=0.5),
            normal(rng, d),
        ]
        out.append(
            layer_case(
                f"N{n}D{d}H{h}",
                fwd="residual_forward",
                bwd="residual_backward",
                args=args,
                diff=[0, 1, 2, 3, 4],
                forward=block,
                rng=rng,
            )
        )
    return out
