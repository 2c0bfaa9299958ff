"""Autodiff truth for spatial batchnorm (per channel over N, H, W) and its running averages."""

from typing import Any

import autograd.numpy as anp
import numpy as np

from app.grading.autodiff import Case, Outputs, layer_case, normal, normalize_rows, state_case


def spatial_bn(x: Any, gamma: Any, beta: Any, eps: float) -> Any:
    n, c, h, w = x.shape
    cols = anp.reshape(anp.transpose(x, (1, 0, 2, 3)), (c, n * h * w))
    out = anp.transpose(anp.reshape(normalize_rows(cols, eps), (c, n, h, w)), (1, 0, 2, 3))
    return out * anp.reshape(gamma, (1, c, 1, 1)) + anp.reshape(beta, (1, c, 1, 1))


def bn_cases(
    rng: np.random.Generator, xs: tuple[int, int, int, int], eps: float, momentum: float
) -> list[Case]:
    c = xs[1]
    x = normal(rng, *xs, scale=2.0) + normal(rng, 1, c, 1, 1)
    gamma, beta = normal(rng, c), normal(rng, c)
    mean0, var0 = normal(rng, c), rng.uniform(0.5, 1.5, size=c)
    param = {
        "mode": "train",
        "eps": eps,
        "momentum": momentum,
        "running_mean": mean0,
        "running_var": var0,
    }
    args = [x, gamma, beta, param]

    def running() -> Outputs:
        # momentum * old + (1 - momentum) * batch statistic (the biased variance)
        return {
            "running_mean": momentum * mean0 + (1 - momentum) * x.mean(axis=(0, 2, 3)),
            "running_var": momentum * var0 + (1 - momentum) * x.var(axis=(0, 2, 3)),
        }

    def forward(x: Any, gamma: Any, beta: Any, _bn_param: dict[str, Any]) -> Any:
        return spatial_bn(x, gamma, beta, eps)

    fwd, bwd = "spatial_batchnorm_forward", "spatial_batchnorm_backward"
    return [
        layer_case(f"x{xs}", fwd=fwd, bwd=bwd, args=args, diff=[0, 1, 2], forward=forward, rng=rng),
        state_case(
            f"running{xs}", fwd=fwd, args=args, param=3, keys=list(running()), truth=running
        ),
    ]


def cases(rng: np.random.Generator) -> list[Case]:
    return [*bn_cases(rng, (4, 3, 5, 2), 1e-5, 0.9), *bn_cases(rng, (2, 4, 3, 3), 1e-3, 0.7)]
