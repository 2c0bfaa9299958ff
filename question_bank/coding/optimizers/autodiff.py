"""Plain-numpy truth for the optimizers (no gradient to take): the update rules over four steps."""

from collections.abc import Callable
from types import ModuleType

import numpy as np

from app.grading.autodiff import Case, Outputs, as_array, normal


def momentum(w: np.ndarray, dws: list[np.ndarray], lr: float, mu: float) -> Outputs:
    v = np.zeros_like(w)
    for dw in dws:
        v = mu * v - lr * dw
        w = w + v
    return {"w": w, "velocity": v}


def rmsprop(w: np.ndarray, dws: list[np.ndarray], lr: float, decay: float) -> Outputs:
    s = np.zeros_like(w)
    for dw in dws:
        s = decay * s + (1 - decay) * dw * dw
        w = w - lr * dw / (np.sqrt(s) + 1e-8)
    return {"w": w, "cache": s}


def adam(w: np.ndarray, dws: list[np.ndarray], lr: float, b1: float, b2: float) -> Outputs:
    m, v = np.zeros_like(w), np.zeros_like(w)
    for t, dw in enumerate(dws, start=1):
        m = b1 * m + (1 - b1) * dw
        v = b2 * v + (1 - b2) * dw * dw
        w = w - lr * (m / (1 - b1**t)) / (np.sqrt(v / (1 - b2**t)) + 1e-8)
    return {"w": w, "m": m, "v": v, "t": np.array(float(len(dws)))}


def chained(
    fn: str,
    config: dict[str, float],
    w0: np.ndarray,
    dws: list[np.ndarray],
    truth: Callable[[], Outputs],
) -> Case:
    """`fn(w, dw, config) -> (next_w, config)` fed its own output; empty config = the defaults."""

    def run(module: ModuleType) -> Outputs:
        w, cfg = w0.copy(), dict(config)
        for dw in dws:
            w, cfg = getattr(module, fn)(w, dw.copy(), cfg)
        return {"w": as_array(w)} | {key: as_array(cfg[key]) for key in truth() if key != "w"}

    return Case(f"{fn}{sorted(config.items())}", run, truth)


def cases(rng: np.random.Generator) -> list[Case]:
    w0 = normal(rng, 4, 5)
    dws = [normal(rng, 4, 5) for _ in range(4)]
    return [
        chained("sgd_momentum", {}, w0, dws, lambda: momentum(w0, dws, 1e-2, 0.9)),
        chained(
            "sgd_momentum",
            {"learning_rate": 0.1, "momentum": 0.5},
            w0,
            dws,
            lambda: momentum(w0, dws, 0.1, 0.5),
        ),
        chained("rmsprop", {}, w0, dws, lambda: rmsprop(w0, dws, 1e-2, 0.99)),
        chained(
            "rmsprop",
            {"learning_rate": 0.05, "decay_rate": 0.9},
            w0,
            dws,
            lambda: rmsprop(w0, dws, 0.05, 0.9),
        ),
        chained("adam", {}, w0, dws, lambda: adam(w0, dws, 1e-3, 0.9, 0.999)),
        chained(
            "adam",
            {"learning_rate": 0.02, "beta1": 0.8, "beta2": 0.99},
            w0,
            dws,
            lambda: adam(w0, dws, 0.02, 0.8, 0.99),
        ),
    ]
