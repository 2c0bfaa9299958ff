"""Autodiff truth for layer normalization over each row, then gamma * x_hat + beta."""

from typing import Any

import numpy as np

from app.grading.autodiff import Case, layer_case, normal, normalize_rows


def layernorm(x: Any, gamma: Any, beta: Any, ln_param: dict[str, float]) -> Any:
    return normalize_rows(x, ln_param.get("eps", 1e-5)) * gamma + beta


def cases(rng: np.random.Generator) -> list[Case]:
    return [
        layer_case(
            f"N{n}D{d}",
            fwd="layernorm_forward",
            bwd="layernorm_backward",
            args=[normal(rng, n, d, scale=2.0) + 1.0, normal(rng, d), normal(rng, d), ln_param],
            diff=[0, 1, 2],
            forward=layernorm,
            rng=rng,
        )
        for n, d, ln_param in [(4, 7, {}), (6, 5, {"eps": 1e-3})]
    ]
