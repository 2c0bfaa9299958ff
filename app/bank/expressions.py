"""A safe evaluator for the arithmetic in parameterized items (`let` and `answer` expressions).

Custom questions are authored through the API, so this runs on untrusted text inside the web
process. It never calls `eval`/`exec`: the text is parsed with `ast` in eval mode, every node is
checked against a small whitelist, and the tree is turned into nested Python closures that only do
float64 arithmetic. Size, nesting and exponents are bounded so no input can take long or allocate
much.
"""

from __future__ import annotations

import ast
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache

MAX_SOURCE_CHARS = 500
MAX_NODES = 200
MAX_DEPTH = 24
# Python floats are IEEE float64 so `**` is constant-time; the bound keeps results in a sane range
# and refuses the `9 ** 9 ** 9` style of input outright.
MAX_EXPONENT = 1000.0
MAX_LITERAL = 1e12
MAX_LIST_ITEMS = 32

CONSTANTS: dict[str, float] = {"pi": math.pi, "e": math.e}

Env = Mapping[str, float]
_Eval = Callable[[Env], float]


def _quote(source: str) -> str:
    """Quote an expression for an error message, shortened so a huge input can't flood a log."""
    return repr(source if len(source) <= 60 else source[:57] + "...")


class ExpressionError(ValueError):
    """An expression is unsafe, malformed, or could not be evaluated to a finite number."""


def _sigmoid(x: float) -> float:
    # Two branches so neither exp() overflows for large |x|.
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    z = math.exp(x)
    return z / (1.0 + z)


def _round(x: float, ndigits: float = 0.0) -> float:
    if ndigits != int(ndigits) or not 0 <= ndigits <= 12:
        raise ExpressionError("round() takes a whole number of digits between 0 and 12")
    return float(round(x, int(ndigits)))


@dataclass(frozen=True)
class _Function:
    impl: Callable[..., float]
    min_args: int
    max_args: int | None  # None: any number (also accepts one literal list)
    takes_list: bool = False


def _sum(*xs: float) -> float:
    return math.fsum(xs)


def _mean(*xs: float) -> float:
    return math.fsum(xs) / len(xs)


FUNCTIONS: dict[str, _Function] = {
    "exp": _Function(math.exp, 1, 1),
    "log": _Function(math.log, 1, 1),
    "log2": _Function(math.log2, 1, 1),
    "log10": _Function(math.log10, 1, 1),
    "sqrt": _Function(math.sqrt, 1, 1),
    "tanh": _Function(math.tanh, 1, 1),
    "sin": _Function(math.sin, 1, 1),
    "cos": _Function(math.cos, 1, 1),
    "sigmoid": _Function(_sigmoid, 1, 1),
    "relu": _Function(lambda x: x if x > 0 else 0.0, 1, 1),
    "abs": _Function(abs, 1, 1),
    "floor": _Function(lambda x: float(math.floor(x)), 1, 1),
    "ceil": _Function(lambda x: float(math.ceil(x)), 1, 1),
    "round": _Function(_round, 1, 2),
    "min": _Function(lambda *xs: min(xs), 1, None, takes_list=True),
    "max": _Function(lambda *xs: max(xs), 1, None, takes_list=True),
    "sum": _Function(_sum, 1, None, takes_list=True),
    "mean": _Function(_mean, 1, None, takes_list=True),
}

RESERVED_NAMES = frozenset(CONSTANTS) | frozenset(FUNCTIONS)

_BINARY: dict[type[ast.operator], tuple[str, Callable[[float, float], float]]] = {
    ast.Add: ("+", lambda a, b: a + b),
    ast.Sub: ("-", lambda a, b: a - b),
    ast.Mult: ("*", lambda a, b: a * b),
    ast.Div: ("/", lambda a, b: a / b),
    ast.FloorDiv: ("//", lambda a, b: float(a // b)),
    ast.Mod: ("%", lambda a, b: a % b),
}

# Readable names for the node types people most often try, so the error says what was refused.
_REFUSED: dict[type[ast.AST], str] = {
    ast.Attribute: "attribute access",
    ast.Subscript: "subscripts",
    ast.Lambda: "lambdas",
    ast.ListComp: "comprehensions",
    ast.SetComp: "comprehensions",
    ast.DictComp: "comprehensions",
    ast.GeneratorExp: "generator expressions",
    ast.Dict: "dict literals",
    ast.Set: "set literals",
    ast.Tuple: "tuples",
    ast.Starred: "star arguments",
    ast.NamedExpr: "assignment expressions",
    ast.Await: "await",
    ast.Yield: "yield",
    ast.YieldFrom: "yield",
    ast.JoinedStr: "strings",
    ast.FormattedValue: "strings",
    ast.Compare: "comparisons",
    ast.BoolOp: "boolean operators",
    ast.IfExp: "conditional expressions",
    ast.Slice: "slices",
}


@dataclass(frozen=True)
class CompiledExpression:
    """A checked expression; `evaluate` may be called many times with different bindings."""

    source: str
    names: frozenset[str]
    _fn: _Eval = field(repr=False, compare=False)

    def evaluate(self, env: Env) -> float:
        """Evaluate in float64 with `env` binding every name; raise ExpressionError otherwise."""
        missing = sorted(self.names - env.keys())
        if missing:
            raise ExpressionError(f"{_quote(self.source)}: no value for {', '.join(missing)}")
        try:
            value = self._fn(env)
        except ExpressionError:
            raise
        except ZeroDivisionError:
            raise ExpressionError(f"{_quote(self.source)}: division by zero") from None
        except OverflowError:
            raise ExpressionError(f"{_quote(self.source)}: the result overflows float64") from None
        except ValueError as exc:  # math domain errors: log(0), sqrt(-1), ...
            raise ExpressionError(f"{_quote(self.source)}: {exc}") from None
        if not math.isfinite(value):
            raise ExpressionError(f"{_quote(self.source)}: the result is not finite ({value})")
        return value


def compile_expression(source: str, *, names: Iterable[str] | None = None) -> CompiledExpression:
    """Check and compile `source`; with `names`, any other variable is refused up front."""
    allowed = None if names is None else frozenset(names)
    return _compile_cached(source, allowed)


def evaluate(source: str, env: Env) -> float:
    """Compile (cached) and evaluate `source` once."""
    return compile_expression(source, names=env.keys()).evaluate(env)


@lru_cache(maxsize=4096)
def _compile_cached(source: str, allowed: frozenset[str] | None) -> CompiledExpression:
    if not isinstance(source, str):
        raise ExpressionError("an expression must be text")
    if len(source) > MAX_SOURCE_CHARS:
        raise ExpressionError(
            f"the expression is too long ({len(source)} > {MAX_SOURCE_CHARS} chars)"
        )
    if not source.strip():
        raise ExpressionError("the expression is empty")
    # Checked on the raw text before parsing so pathological nesting never reaches the parser.
    depth = 0
    for ch in source:
        depth += ch in "([{"
        depth -= ch in ")]}"
        if depth > MAX_DEPTH:
            raise ExpressionError(f"the expression is nested too deeply (more than {MAX_DEPTH})")
    try:
        tree = ast.parse(source.strip(), mode="eval")
    except SyntaxError as exc:
        raise ExpressionError(f"{_quote(source)} is not a valid expression: {exc.msg}") from None
    except (RecursionError, MemoryError, ValueError):
        raise ExpressionError(f"{_quote(source)} could not be parsed safely") from None
    compiler = _Compiler(source, allowed)
    fn = compiler.compile(tree.body, 1)
    return CompiledExpression(source, frozenset(compiler.names), fn)


class _Compiler:
    def __init__(self, source: str, allowed: frozenset[str] | None) -> None:
        self.source = source
        self.allowed = allowed
        self.names: set[str] = set()
        self.nodes = 0

    def fail(self, node: ast.AST, what: str) -> ExpressionError:
        col = getattr(node, "col_offset", None)
        where = f" (at column {col + 1})" if col is not None else ""
        return ExpressionError(f"{_quote(self.source)}: {what}{where}")

    def compile(self, node: ast.AST, depth: int) -> _Eval:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise self.fail(node, f"the expression is too large (more than {MAX_NODES} nodes)")
        if depth > MAX_DEPTH:
            raise self.fail(node, f"the expression is nested too deeply (more than {MAX_DEPTH})")
        if isinstance(node, ast.Constant):
            return self._constant(node)
        if isinstance(node, ast.Name):
            return self._name(node)
        if isinstance(node, ast.UnaryOp):
            return self._unary(node, depth)
        if isinstance(node, ast.BinOp):
            return self._binary(node, depth)
        if isinstance(node, ast.Call):
            return self._call(node, depth)
        if isinstance(node, ast.List):
            raise self.fail(node, "a list is only allowed as the argument of sum, mean, min or max")
        what = _REFUSED.get(type(node), f"{type(node).__name__} nodes")
        raise self.fail(node, f"{what} not allowed")

    def _constant(self, node: ast.Constant) -> _Eval:
        value = node.value
        if isinstance(value, bool) or not isinstance(value, int | float):
            kind = "strings" if isinstance(value, str | bytes) else f"{type(value).__name__} values"
            raise self.fail(node, f"{kind} not allowed; only numbers")
        if not math.isfinite(float(value)) or abs(value) > MAX_LITERAL:
            raise self.fail(node, f"the number literal is too large (limit {MAX_LITERAL:g})")
        number = float(value)
        return lambda _env: number

    def _name(self, node: ast.Name) -> _Eval:
        name = node.id
        if name in CONSTANTS:
            number = CONSTANTS[name]
            return lambda _env: number
        if name in FUNCTIONS:
            raise self.fail(node, f"{name} is a function; call it as {name}(...)")
        if name.startswith("_"):
            raise self.fail(node, f"the name {name!r} is not allowed")
        if self.allowed is not None and name not in self.allowed:
            raise self.fail(node, f"unknown name {name!r}")
        self.names.add(name)
        return lambda env: float(env[name])

    def _unary(self, node: ast.UnaryOp, depth: int) -> _Eval:
        operand = self.compile(node.operand, depth + 1)
        if isinstance(node.op, ast.USub):
            return lambda env: -operand(env)
        if isinstance(node.op, ast.UAdd):
            return operand
        raise self.fail(node, f"the operator {type(node.op).__name__} is not allowed")

    def _binary(self, node: ast.BinOp, depth: int) -> _Eval:
        left = self.compile(node.left, depth + 1)
        right = self.compile(node.right, depth + 1)
        if isinstance(node.op, ast.Pow):
            exponent_node = node.right
            if (
                isinstance(exponent_node, ast.Constant)
                and isinstance(exponent_node.value, int | float)
                and abs(exponent_node.value) > MAX_EXPONENT
            ):
                raise self.fail(node, f"the exponent is too large (limit {MAX_EXPONENT:g})")
            where = _quote(self.source)

            def power(env: Env) -> float:
                base, exponent = left(env), right(env)
                if abs(exponent) > MAX_EXPONENT:
                    too_large = f"the exponent {exponent:g} is too large (limit {MAX_EXPONENT:g})"
                    raise ExpressionError(f"{where}: {too_large}")
                result = base**exponent
                if isinstance(result, complex):
                    raise ExpressionError(f"{where}: a negative number to a fractional power")
                return float(result)

            return power
        entry = _BINARY.get(type(node.op))
        if entry is None:
            raise self.fail(node, f"the operator {type(node.op).__name__} is not allowed")
        op = entry[1]
        return lambda env: op(left(env), right(env))

    def _call(self, node: ast.Call, depth: int) -> _Eval:
        if isinstance(node.func, ast.Attribute):
            raise self.fail(node, "attribute access not allowed (no method calls)")
        if not isinstance(node.func, ast.Name):
            raise self.fail(node, "only calls of whitelisted functions by name are allowed")
        name = node.func.id
        spec = FUNCTIONS.get(name)
        if spec is None:
            raise self.fail(node, f"the function {name!r} is not allowed")
        if node.keywords:
            raise self.fail(node, f"{name}() takes no keyword arguments")
        args = node.args
        if spec.takes_list and len(args) == 1 and isinstance(args[0], ast.List):
            args = args[0].elts
            if not args:
                raise self.fail(node, f"{name}() needs a non-empty list")
        if len(args) > MAX_LIST_ITEMS:
            raise self.fail(node, f"{name}() takes at most {MAX_LIST_ITEMS} arguments")
        if len(args) < spec.min_args or (spec.max_args is not None and len(args) > spec.max_args):
            expected = (
                f"{spec.min_args}" if spec.min_args == spec.max_args else f"{spec.min_args} or more"
            )
            if spec.max_args is not None and spec.max_args != spec.min_args:
                expected = f"{spec.min_args} to {spec.max_args}"
            raise self.fail(node, f"{name}() takes {expected} argument(s), got {len(args)}")
        compiled = [self.compile(arg, depth + 1) for arg in args]
        impl = spec.impl

        def call(env: Env) -> float:
            return float(impl(*(arg(env) for arg in compiled)))

        return call
