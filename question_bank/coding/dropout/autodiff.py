"""Autodiff truth for inverted dropout: keep where rand < p (the seeded mask), scale by 1 / p."""

from typing import Any

import numpy as np

from app.grading.autodiff import Case, layer_case, normal


def dropout_case(
    rng: np.random.Generator, shape: tuple[int, ...], p: float, mode: str, seed: int
) -> Case:
    keep = np.random.RandomState(seed).random_sample(shape) < p
    scale = keep / p if mode == "train" else np.ones(shape)

    def dropout(x: Any, _param: dict[str, Any]) -> Any:
        return x * scale

    return layer_case(
        f"{mode}{shape}",
        fwd="dropout_forward",
        bwd="dropout_backward",
        args=[normal(rng, *shape) + 2.0, {"p": p, "mode": mode, "seed": seed}],
        diff=[0],
        forward=dropout,
        rng=rng,
    )


def cases(rng: np.random.Generator) -> list[Case]:
    return [
        dropout_case(rng, *spec)
        for spec in [
            ((20, 30), 0.6, "train", 123),
            ((4, 5, 6), 0.3, "train", 7),
            ((10, 12), 0.6, "test", 5),
        ]
    ]
