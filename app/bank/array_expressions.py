"""Evaluate bank expressions over numpy arrays: thousands of forms of an item in one pass.

Validation draws thousands of forms per item; evaluating the scalar closures once per form would
cost seconds per CI run. An expression is first checked by `compile_expression` (the same
whitelist and limits), then its tree is turned into numpy operations with the same meaning.
Errors do not raise here: a form whose value is undefined (log of 0, division by 0) comes out as
NaN or inf, and callers treat non-finite values as a problem of that form.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Mapping
from functools import lru_cache

import numpy as np
from numpy.typing import NDArray

from app.bank.expressions import CONSTANTS, MAX_EXPONENT, compile_expression

Array = NDArray[np.float64]
ArrayEnv = Mapping[str, Array]
_ArrayEval = Callable[[ArrayEnv], Array]


def _sigmoid(x: Array) -> Array:
    # exp of a non-positive number only, so large |x| neither overflows nor warns.
    z = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + z), z / (1.0 + z))


def _round(x: Array, digits: Array | None = None) -> Array:
    # Python's round() and numpy's both round half to even; digits is a literal in practice.
    return np.round(x) if digits is None else np.round(x, int(np.asarray(digits).flat[0]))


def _reduce(op: Callable[[Array, Array], Array]) -> Callable[..., Array]:
    def reduced(*xs: Array) -> Array:
        result = xs[0]
        for x in xs[1:]:
            result = op(result, x)
        return result

    return reduced


def _mean(*xs: Array) -> Array:
    return np.asarray(_reduce(np.add)(*xs) / len(xs), dtype=np.float64)


def _power(base: Array, exponent: Array) -> Array:
    # The scalar evaluator refuses these; NaN marks the form as undefined instead.
    bad = (np.abs(exponent) > MAX_EXPONENT) | ((base < 0) & (exponent != np.round(exponent)))
    result = np.power(np.where(bad, 1.0, base), np.where(bad, 1.0, exponent))
    return np.where(bad, np.nan, result)


_FUNCTIONS: dict[str, Callable[..., Array]] = {
    "exp": np.exp,
    "log": np.log,
    "log2": np.log2,
    "log10": np.log10,
    "sqrt": np.sqrt,
    "tanh": np.tanh,
    "sin": np.sin,
    "cos": np.cos,
    "sigmoid": _sigmoid,
    "relu": lambda x: np.maximum(x, 0.0),
    "abs": np.abs,
    "floor": np.floor,
    "ceil": np.ceil,
    "round": _round,
    "min": _reduce(np.minimum),
    "max": _reduce(np.maximum),
    "sum": _reduce(np.add),
    "mean": _mean,
}

_BINARY: dict[type[ast.operator], Callable[[Array, Array], Array]] = {
    ast.Add: np.add,
    ast.Sub: np.subtract,
    ast.Mult: np.multiply,
    ast.Div: np.divide,
    ast.FloorDiv: np.floor_divide,
    ast.Mod: np.mod,
    ast.Pow: _power,
}


def evaluate_arrays(source: str, env: ArrayEnv, size: int) -> Array:
    """Evaluate `source` for every form at once; names bind to arrays of length `size`."""
    fn = _compile(source, frozenset(env))
    with np.errstate(all="ignore"):
        result = fn(env)
    return np.broadcast_to(np.asarray(result, dtype=np.float64), (size,)).copy()


@lru_cache(maxsize=4096)
def _compile(source: str, names: frozenset[str]) -> _ArrayEval:
    compile_expression(source, names=names)  # the whitelist and limits; raises ExpressionError
    return _node(ast.parse(source.strip(), mode="eval").body)


def _node(node: ast.AST) -> _ArrayEval:
    if isinstance(node, ast.Constant):
        number = np.float64(float(node.value))  # type: ignore[arg-type]
        return lambda _env: np.asarray(number)
    if isinstance(node, ast.Name):
        name = node.id
        if name in CONSTANTS:
            constant = np.float64(CONSTANTS[name])
            return lambda _env: np.asarray(constant)
        return lambda env: env[name]
    if isinstance(node, ast.UnaryOp):
        operand = _node(node.operand)
        if isinstance(node.op, ast.USub):
            return lambda env: -operand(env)
        return operand
    if isinstance(node, ast.BinOp):
        left, right, op = _node(node.left), _node(node.right), _BINARY[type(node.op)]
        return lambda env: op(left(env), right(env))
    # compile_expression admitted only calls of whitelisted functions by name.
    assert isinstance(node, ast.Call)
    assert isinstance(node.func, ast.Name)
    args = node.args
    if len(args) == 1 and isinstance(args[0], ast.List):
        args = args[0].elts
    compiled = [_node(arg) for arg in args]
    impl = _FUNCTIONS[node.func.id]
    return lambda env: impl(*(arg(env) for arg in compiled))
