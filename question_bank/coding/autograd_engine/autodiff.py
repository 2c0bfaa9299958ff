"""Autodiff truth for the scalar engine: the fixtures' graphs re-stated in autograd.numpy."""

from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import autograd.numpy as anp
import numpy as np
from autograd import grad

from app.grading.autodiff import Case, Outputs, as_array, normal, with_fixtures

FIXTURES = Path(__file__).with_name("fixtures.py")


def neuron(x: Any, w: Any, b: Any) -> Any:
    return anp.tanh(anp.dot(w, x) + b[0])


def mlp_loss(w1: Any, w2: Any, x: np.ndarray, y: np.ndarray) -> Any:
    return anp.mean((anp.dot(anp.maximum(0.0, anp.dot(x, w1)), w2) - y) ** 2)


def shared(a: Any) -> Any:
    sq = a * a
    both = sq + a
    return anp.sum(anp.tanh(both * sq + both**2) + anp.exp(-a) / (1 + sq))


def graph_case(
    name: str, fixture: str, args: list[np.ndarray], keys: list[str], truth: Callable[[], Outputs]
) -> Case:
    def run(module: ModuleType) -> Outputs:
        outs = getattr(with_fixtures(module, FIXTURES), fixture)(*[a.copy() for a in args])
        return {k: as_array(v) for k, v in zip(keys, outs, strict=True)}

    return Case(name, run, truth)


def cases(rng: np.random.Generator) -> list[Case]:
    out = []
    for d in (3, 5):
        x, w, b = normal(rng, d), normal(rng, d, scale=0.5), normal(rng, 1)
        out.append(
            graph_case(
                f"neuron{d}",
                "neuron",
                [x, w, b],
                ["out", "dx", "dw", "db"],
                lambda x=x, w=w, b=b: {
                    "out": as_array(neuron(x, w, b)),
                    **{
                        k: as_array(g)
                        for k, g in zip(
                            ["dx", "dw", "db"], grad(neuron, (0, 1, 2))(x, w, b), strict=True
                        )
                    },
                },
            )
        )
    for n, d, h in [(3, 3, 4), (5, 2, 3)]:
        x, y = normal(rng, n, d), normal(rng, n)
        w1, w2 = normal(rng, d, h, scale=0.7), normal(rng, h, scale=0.7)
        out.append(
            graph_case(
                f"mlp{n, d, h}",
                "mlp_loss",
                [x, y, w1, w2],
                ["loss", "dW1", "dW2"],
                lambda x=x, y=y, w1=w1, w2=w2: {
                    "loss": as_array(mlp_loss(w1, w2, x, y)),
                    **{
                        k: as_array(g)
                        for k, g in zip(
                            ["dW1", "dW2"], grad(mlp_loss, (0, 1))(w1, w2, x, y), strict=True
                        )
                    },
                },
            )
        )
    a = normal(rng, 6, scale=0.8)
    out.append(
        graph_case(
            "shared6",
            "shared_nodes",
            [a],
            ["out", "da"],
            lambda: {"out": as_array(shared(a)), "da": as_array(grad(shared)(a))},
        )
    )
    return out
