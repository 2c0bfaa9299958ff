"""Autodiff truth for the naive max pool: the max of each window (random inputs have no ties)."""

from typing import Any

import autograd.numpy as anp
import numpy as np

from app.grading.autodiff import Case, layer_case, normal, windows


def max_pool(x: Any, pool_param: dict[str, int]) -> Any:
    ph, pw, stride = pool_param["pool_height"], pool_param["pool_width"], pool_param["stride"]
    patches, h_out, w_out = windows(x, ph, pw, stride)
    pooled = anp.max(anp.reshape(patches, (*patches.shape[:3], ph * pw)), axis=-1)  # (P, N, C)
    n, c = x.shape[:2]
    return anp.reshape(anp.transpose(pooled, (1, 2, 0)), (n, c, h_out, w_out))


def cases(rng: np.random.Generator) -> list[Case]:
    return [
        layer_case(
            f"x{xs}{param}",
            fwd="max_pool_forward_naive",
            bwd="max_pool_backward_naive",
            args=[normal(rng, *xs), param],
            diff=[0],
            forward=max_pool,
            rng=rng,
        )
        for xs, param in [
            ((2, 3, 8, 6), {"pool_height": 2, "pool_width": 2, "stride": 2}),
            ((3, 2, 7, 9), {"pool_height": 3, "pool_width": 2, "stride": 2}),
            ((2, 2, 7, 7), {"pool_height": 3, "pool_width": 3, "stride": 2}),
        ]
    ]
