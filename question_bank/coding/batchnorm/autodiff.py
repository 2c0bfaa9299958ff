"""Autodiff truth for batchnorm over the batch axis: train mode, running averages, test mode."""

from typing import Any

import autograd.numpy as anp
import numpy as np

from app.grading.autodiff import Case, Outputs, function_case, layer_case, normal, state_case


def bn_cases(rng: np.random.Generator, n: int, d: int, eps: float, momentum: float) -> list[Case]:
    x = normal(rng, n, d, scale=3.0) + 2.0
    gamma, beta = rng.uniform(0.5, 2.0, size=d), normal(rng, d)
    mean0, var0 = normal(rng, d), rng.uniform(0.5, 2.0, size=d)

    def param(mode: str) -> dict[str, Any]:
        return {
            "mode": mode,
            "eps": eps,
            "momentum": momentum,
            "running_mean": mean0,
            "running_var": var0,
        }

    def train(x: Any, gamma: Any, beta: Any, _bn_param: dict[str, Any]) -> Any:
        mu = anp.mean(x, axis=0)
        var = anp.mean((x - mu) ** 2, axis=0)
        return gamma * (x - mu) / anp.sqrt(var + eps) + beta

    def test(x: Any, gamma: Any, beta: Any, _bn_param: dict[str, Any]) -> Any:
        return gamma * (x - mean0) / anp.sqrt(var0 + eps) + beta

    def running() -> Outputs:
        # momentum * old + (1 - momentum) * batch statistic (the biased variance)
        return {
            "running_mean": momentum * mean0 + (1 - momentum) * x.mean(axis=0),
            "running_var": momentum * var0 + (1 - momentum) * x.var(axis=0),
        }

    fwd, bwd = "batchnorm_forward", "batchnorm_backward"
    train_args = [x, gamma, beta, param("train")]
    return [
        layer_case(
            f"train{n, d}",
            fwd=fwd,
            bwd=bwd,
            args=train_args,
            diff=[0, 1, 2],
            forward=train,
            rng=rng,
        ),
        state_case(
            f"running{n, d}", fwd=fwd, args=train_args, param=3, keys=list(running()), truth=running
        ),
        function_case(f"test{n, d}", fn=fwd, args=[x, gamma, beta, param("test")], forward=test),
    ]


def cases(rng: np.random.Generator) -> list[Case]:
    return [*bn_cases(rng, 4, 3, 1e-5, 0.9), *bn_cases(rng, 9, 5, 1e-3, 0.7)]
