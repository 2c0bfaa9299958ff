"""Autodiff truth for spatial group normalization: G groups of consecutive channels."""

from typing import Any

import autograd.numpy as anp
import numpy as np

from app.grading.autodiff import Case, layer_case, normal


def groupnorm(groups: int, eps: float) -> Any:
    def forward(x: Any, gamma: Any, beta: Any, _g: int, _param: dict[str, float]) -> Any:
        n, c, h, w = x.shape
        rows = anp.reshape(x, (n * groups, -1))  # one row per (example, group)
        mu = anp.mean(rows, axis=1, keepdims=True)
        var = anp.mean((rows - mu) ** 2, axis=1, keepdims=True)
        x_hat = anp.reshape((rows - mu) / anp.sqrt(var + eps), (n, c, h, w))
        return gamma * x_hat + beta

    return forward


def cases(rng: np.random.Generator) -> list[Case]:
    out = []
    for n, g, cg, h, w, eps in [(2, 2, 3, 3, 4, 1e-5), (3, 3, 2, 2, 5, 1e-3), (1, 1, 4, 3, 2, 1e-5)]:
        c = g * cg
        args = [
            normal(rng, n, c, h, w, scale=2.0) + 1.0,
            rng.uniform(0.5, 2.0, size=(1, c, 1, 1)),
            normal(rng, 1, c, 1, 1),
            g,
            {"eps": eps},
        ]
        out.append(
            layer_case(
                f"N{n}G{g}C{c}",
                fwd="spatial_groupnorm_forward",
                bwd="spatial_groupnorm_backward",
                args=args,
                diff=[0, 1, 2],
                forward=groupnorm(g, eps),
                rng=rng,
            )
        )
    return out
