"""Plain-numpy truth for the gradient checker (no autodiff applies: the task *is* numerical).

Centered differences are re-derived here with copies instead of in-place edits, on the fixtures'
own functions, so the reference's loop, restore and 2h are checked against an independent
implementation; the planted gradients' relative errors follow from it.
"""

from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import numpy as np

from app.grading.autodiff import Case, Outputs, as_array, normal, with_fixtures

FIXTURES = Path(__file__).with_name("fixtures.py")
H = 1e-5


def centered(f: Callable[[np.ndarray], float], x: np.ndarray) -> np.ndarray:
    grad = np.empty_like(x)
    for i in range(x.size):
        up, down = x.copy(), x.copy()
        up.flat[i] = x.flat[i] + H
        down.flat[i] = x.flat[i] - H
        grad.flat[i] = (f(up) - f(down)) / (2 * H)
    return grad


def max_rel(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))))


def cases(rng: np.random.Generator) -> list[Case]:
    fx = with_fixtures(ModuleType("no_solution"), FIXTURES)
    functions = {
        "numerical_quartic": fx._f_quartic,
        "numerical_softplus": fx._f_softplus_rows,
        "numerical_coupled": fx._f_coupled,
    }
    planted = [
        (fx._f_quartic, fx._grad_quartic_missing_neighbour),
        (fx._f_softplus_rows, fx._grad_softplus_sigmoid_of_minus_x),
        (fx._f_coupled, fx._grad_coupled_half),
    ]
    out = []
    for n, d in [(3, 4), (2, 5), (4, 3)]:
        x = normal(rng, n, d, scale=0.8)

        def run(module: ModuleType, x: np.ndarray = x) -> Outputs:
            wrapped = with_fixtures(module, FIXTURES)
            result = {name: as_array(getattr(wrapped, name)(x.copy())) for name in functions}
            return result | {"planted": as_array(wrapped.planted_bugs(x.copy()))}

        def truth(x: np.ndarray = x) -> Outputs:
            result = {name: as_array(centered(f, x)) for name, f in functions.items()}
            errors = [max_rel(centered(f, x), g(x.copy())) for f, g in planted]
            return result | {"planted": as_array(errors)}

        out.append(Case(f"x{n, d}", run, truth))
    return out
