"""Draw many forms of a parameterized numeric item at once, with its answer and mistakes."""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass

import numpy as np

from app.bank.array_expressions import Array, evaluate_arrays
from app.bank.expressions import ExpressionError
from app.bank.schemas import Integers, NumericItem, OneOf, ParamSpec

_MAX_REDRAW_ROUNDS = 50


class FormsError(ValueError):
    """The item's forms cannot be drawn or evaluated (a bad spec or expression)."""


@dataclass(frozen=True)
class Forms:
    """`size` forms: each param, the answer and each declared mistake, as aligned arrays."""

    size: int
    params: dict[str, Array]
    answer: Array
    mistakes: dict[str, Array]


def draw_forms(item: NumericItem, size: int) -> Forms:
    """Draw `size` forms from the item's param distributions, the law every attempt draws from.

    The generator is seeded from the item id, so validation gives the same figures every run.
    """
    seed = int.from_bytes(hashlib.sha256(f"forms:{item.id}".encode()).digest()[:8], "little")
    rng = np.random.default_rng(seed)
    params = {name: _draw(item.id, name, spec, rng, size) for name, spec in item.params.items()}
    env = dict(params)
    try:
        for name, source in item.let.items():
            env[name] = evaluate_arrays(source, env, size)
        if not isinstance(item.answer, str):
            raise FormsError(f"{item.id}: a parameterized item needs an answer expression")
        answer = evaluate_arrays(item.answer, env, size)
        mistakes = {
            name: evaluate_arrays(source, env, size) for name, source in item.mistakes.items()
        }
    except ExpressionError as exc:
        raise FormsError(f"{item.id}: {exc}") from None
    # The same snap as rendering: decimal inputs that cancel exactly leave float64 residue.
    answer = np.where(np.abs(answer) < 1e-12, 0.0, answer)
    return Forms(size, params, answer, mistakes)


def _draw(item_id: str, name: str, spec: ParamSpec, rng: np.random.Generator, size: int) -> Array:
    if isinstance(spec, Integers):
        low, high = spec.integers
        return rng.integers(low, high, endpoint=True, size=size).astype(np.float64)
    if isinstance(spec, OneOf):
        values = np.asarray(spec.choice, dtype=np.float64)
        return values[rng.integers(len(values), size=size)]
    scale: int = 10**spec.decimals
    low_k = math.ceil(round(spec.uniform[0] * scale, 6))
    high_k = math.floor(round(spec.uniform[1] * scale, 6))
    if low_k > high_k:
        raise FormsError(f"{item_id}: param {name}: no value with {spec.decimals} decimals")
    values = np.round(rng.integers(low_k, high_k, endpoint=True, size=size) / scale, spec.decimals)
    for _ in range(_MAX_REDRAW_ROUNDS):
        short = np.abs(values) < spec.min_abs
        if not short.any():
            return values
        redrawn = rng.integers(low_k, high_k, endpoint=True, size=int(short.sum())) / scale
        values[short] = np.round(redrawn, spec.decimals)
    raise FormsError(f"{item_id}: param {name}: could not draw values with |x| >= {spec.min_abs}")
