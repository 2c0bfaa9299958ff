"""Turn numeric items into per-attempt instances: draw params from a seed, compute the answer."""

from __future__ import annotations

import hashlib
import math
import re
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np

from app.bank.expressions import (
    RESERVED_NAMES,
    CompiledExpression,
    ExpressionError,
    compile_expression,
)
from app.bank.schemas import Integers, NumericItem, OneOf, ParamSpec, Tolerance, Uniform

_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
_IDENTIFIER = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,31}$")
# Rejection sampling for `min_abs` gives up after this many draws; a spec that needs more is
# reported by validation rather than looping.
_MAX_REDRAWS = 1000
# Bounds of a "sane" answer, and of a tolerance that means something: it must accept a reply
# rounded to ~4 significant digits (>= 1e-4 relative) and refuse a reply 10% off (<= 0.1 relative).
MAX_ANSWER_MAGNITUDE = 1e6
MIN_ANSWER_MAGNITUDE = 1e-6
MIN_RELATIVE_WIDTH = 1e-4
MAX_RELATIVE_WIDTH = 0.1
MIN_EXACT_WIDTH = 0.001
WELL_CONDITIONED_SEEDS = 200
_ZERO_SNAP = 1e-12


class InstanceError(ValueError):
    """A numeric item cannot be rendered (bad spec, bad expression, unknown placeholder)."""


@dataclass(frozen=True)
class NumericInstance:
    """What one candidate sees (`prompt`) and what is graded (`answer`, `tolerance`)."""

    item_id: str
    prompt: str
    answer: float
    tolerance: Tolerance
    params: dict[str, float] = field(default_factory=dict)
    unit: str | None = None


def derive_seed(attempt_seed: int, item_id: str) -> int:
    """Derive a per-question seed that is stable across processes and Python versions."""
    digest = hashlib.sha256(f"chainrule:{attempt_seed}:{item_id}".encode()).digest()
    return int.from_bytes(digest[:8], "little") >> 1  # fits a signed 64-bit column


def render_for_attempt(item: NumericItem, attempt_seed: int) -> NumericInstance:
    """Render `item` for an attempt, with the question's own seed derived from the attempt's."""
    return render_instance(item, derive_seed(attempt_seed, item.id))


def render_instance(item: NumericItem, seed: int) -> NumericInstance:
    """Draw params from `seed`, evaluate `let` in order then `answer`, and fill the prompt."""
    return _render_with_screen_answer(item, seed, as_shown=False)[0]


def solve(item: NumericItem, params: Mapping[str, float]) -> float:
    """Compute the answer for explicitly given param values (previews, hand-worked checks)."""
    if not item.is_parameterized:
        assert not isinstance(item.answer, str)  # the schema guarantees it
        return float(item.answer)
    plan = _plan(item)
    if set(params) != set(item.params):
        raise InstanceError(f"{item.id}: params must be exactly {sorted(item.params)}")
    answer, _ = _run(item.id, plan, {k: float(v) for k, v in params.items()}, set())
    return answer


def _render_with_screen_answer(
    item: NumericItem, seed: int, *, as_shown: bool = True
) -> tuple[NumericInstance, float]:
    """Render, and with `as_shown` also the answer from the lets at their printed precision.

    That second answer is what a candidate gets working from the numbers on screen, which
    validation compares with the exact answer. Both come from one draw of the params.
    """
    if not item.is_parameterized:
        assert not isinstance(item.answer, str)  # the schema guarantees it
        answer = float(item.answer)
        fixed = NumericInstance(item.id, item.prompt, answer, item.tolerance, {}, item.unit)
        return fixed, answer
    plan = _plan(item)
    rng = np.random.default_rng(seed)
    params = {name: _draw(name, spec, rng) for name, spec in item.params.items()}
    answer, shown = _run(item.id, plan, dict(params), set())
    from_screen = answer
    if as_shown and plan.placeholders & {name for name, _ in plan.lets}:
        from_screen, _ = _run(item.id, plan, dict(params), set(plan.placeholders))
    prompt = _PLACEHOLDER.sub(lambda m: shown[m.group(1)], item.prompt)
    instance = NumericInstance(item.id, prompt, answer, item.tolerance, params, item.unit)
    return instance, from_screen


def _run(
    item_id: str, plan: _Plan, env: dict[str, float], rounded: set[str]
) -> tuple[float, dict[str, str]]:
    """Evaluate lets then the answer over `env`; lets named in `rounded` continue as printed."""
    shown = {name: _format_param(value) for name, value in env.items()}
    for name, expression in plan.lets:
        env[name] = _evaluate(item_id, f"let {name}", expression, env)
        shown[name] = format_number(env[name])
        if name in rounded:
            env[name] = float(shown[name])
    answer = _evaluate(item_id, "answer", plan.answer, env)
    if abs(answer) < _ZERO_SNAP:
        # Decimal inputs that cancel exactly (0.1 + 0.2 - 0.3) leave float64 residue like 5e-17;
        # the true answer is 0, and a reply of 0 must be accepted under a relative tolerance.
        answer = 0.0
    return answer, shown


def is_correct(target: NumericInstance | NumericItem, value: float) -> bool:
    """Apply the Tolerance rule |value - answer| <= abs + rel * |answer|."""
    if isinstance(target, NumericItem):
        if target.is_parameterized:
            raise InstanceError(
                f"{target.id} is parameterized: grade against its rendered instance"
            )
        assert not isinstance(target.answer, str)
        answer, tolerance = float(target.answer), target.tolerance
    else:
        answer, tolerance = target.answer, target.tolerance
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    if not math.isfinite(value):
        return False
    bound = tolerance.abs + tolerance.rel * abs(answer)
    # A hair of slack so a reply exactly on the boundary (0.31 vs 0.30 +- 0.01) is not refused
    # because of binary rounding.
    return abs(value - answer) <= bound * (1 + 1e-9) + 1e-15


def well_conditioned(
    item: NumericItem, seeds: Iterable[int] = range(WELL_CONDITIONED_SEEDS)
) -> list[str]:
    """List what makes `item` unfit to grade; an empty list means it is fine for every seed."""
    if not item.is_parameterized:
        problem = _instance_problem(render_instance(item, 0))
        return [f"{item.id}: {problem}"] if problem else []
    try:
        _plan(item)
    except InstanceError as exc:
        return [str(exc)]
    problems: list[str] = []
    answers: set[float] = set()
    for seed in seeds:
        try:
            instance, from_screen = _render_with_screen_answer(item, seed)
        except InstanceError as exc:
            problems.append(f"seed {seed}: {exc}")
            break
        problem = _instance_problem(instance)
        if problem is None and not is_correct(instance, from_screen):
            problem = (
                f"working from the rounded numbers in the prompt gives {from_screen:g}, "
                f"outside the tolerance of the answer {instance.answer:g}"
            )
        if problem:
            problems.append(f"{item.id} seed {seed}: {problem} (prompt: {instance.prompt!r})")
            break
        answers.add(instance.answer)
    if not problems and item.is_parameterized and len(answers) < 2:
        problems.append(f"{item.id}: the answer is the same for every seed; params have no effect")
    return problems


def format_number(value: float) -> str:
    """Print a derived number readably: integers as such, others with 4 significant digits."""
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    magnitude = abs(value)
    if 1e-4 <= magnitude < 1e6:
        return str(np.format_float_positional(value, precision=4, fractional=False, trim="-"))
    return f"{value:.4g}"


def _format_param(value: float) -> str:
    # Params are drawn on a decimal grid, so the shortest repr is exact: the candidate sees the
    # very number the answer was computed from.
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    return str(np.format_float_positional(value, unique=True, trim="-"))


def _instance_problem(instance: NumericInstance) -> str | None:
    answer = instance.answer
    magnitude = abs(answer)
    if magnitude > MAX_ANSWER_MAGNITUDE:
        return f"the answer {answer:g} is absurdly large"
    if answer != 0 and magnitude < MIN_ANSWER_MAGNITUDE:
        return f"the answer {answer:g} is absurdly small"
    width = instance.tolerance.abs + instance.tolerance.rel * magnitude
    if answer != 0 and width > MAX_RELATIVE_WIDTH * magnitude:
        return f"the tolerance +-{width:g} is too loose for the answer {answer:g}"
    # Counts are typed exactly, so an integer answer may demand the exact integer.
    exact_count = answer == int(answer) and instance.tolerance.abs >= MIN_EXACT_WIDTH
    if width < MIN_RELATIVE_WIDTH * magnitude and not exact_count:
        return f"the tolerance +-{width:g} is too tight for the answer {answer:g}"
    return None


@dataclass(frozen=True)
class _Plan:
    lets: list[tuple[str, CompiledExpression]]
    answer: CompiledExpression
    placeholders: frozenset[str]


# Items are immutable and usually long-lived (a per-process cache of question versions), so the
# checked plan is kept per item object. The entry holds the item itself, so its id() cannot be
# reused by another object while the entry exists; the size bound keeps per-request items from
# growing it without limit.
_PLAN_CACHE: OrderedDict[int, tuple[NumericItem, _Plan]] = OrderedDict()
_PLAN_CACHE_SIZE = 2048


def _plan(item: NumericItem) -> _Plan:
    """Return the item's checked plan, from the cache when this very item was seen before."""
    entry = _PLAN_CACHE.get(id(item))
    if entry is not None and entry[0] is item:
        return entry[1]
    plan = _make_plan(item)
    _PLAN_CACHE[id(item)] = (item, plan)
    while len(_PLAN_CACHE) > _PLAN_CACHE_SIZE:
        _PLAN_CACHE.popitem(last=False)
    return plan


def _make_plan(item: NumericItem) -> _Plan:
    """Compile an item's expressions (cached by text) and check its names and placeholders."""
    if not isinstance(item.answer, str):
        raise InstanceError(f"{item.id}: a parameterized item needs an answer expression")
    known: list[str] = []
    for name in [*item.params, *item.let]:
        if not _IDENTIFIER.match(name):
            raise InstanceError(f"{item.id}: {name!r} is not a valid name (letters, digits, _)")
        if name in RESERVED_NAMES:
            raise InstanceError(f"{item.id}: {name!r} is a function or constant name")
        if name in known:
            raise InstanceError(f"{item.id}: {name!r} is both a param and a let")
        known.append(name)
    for name, spec in item.params.items():
        _check_spec(item.id, name, spec)
    lets: list[tuple[str, CompiledExpression]] = []
    bound = list(item.params)
    try:
        for name, text in item.let.items():
            # Only names bound so far: a let may use params and earlier lets, in order.
            lets.append((name, compile_expression(text, names=bound)))
            bound.append(name)
        answer = compile_expression(item.answer, names=bound)
    except ExpressionError as exc:
        raise InstanceError(f"{item.id}: {exc}") from None
    placeholders = set(_PLACEHOLDER.findall(item.prompt))
    unknown = sorted(placeholders - set(bound))
    if unknown:
        raise InstanceError(f"{item.id}: the prompt names unknown placeholders {unknown}")
    hidden = sorted(set(item.params) - _visible(placeholders, lets))
    if hidden:
        raise InstanceError(f"{item.id}: params {hidden} never appear in the prompt")
    return _Plan(lets, answer, frozenset(placeholders))


def _visible(placeholders: set[str], lets: list[tuple[str, CompiledExpression]]) -> set[str]:
    """Names the candidate can read: placeholders, and what shown lets were computed from."""
    visible = set(placeholders)
    for name, expression in reversed(lets):
        if name in visible:
            visible |= expression.names
    return visible


def _check_spec(item_id: str, name: str, spec: ParamSpec) -> None:
    if isinstance(spec, Uniform):
        low, high = spec.uniform
        if not (math.isfinite(low) and math.isfinite(high) and low <= high):
            raise InstanceError(f"{item_id}: param {name}: uniform needs finite low <= high")
        if low < -1e6 or high > 1e6:
            raise InstanceError(f"{item_id}: param {name}: uniform range beyond +-1e6")
    elif isinstance(spec, Integers):
        low_i, high_i = spec.integers
        if low_i > high_i or low_i < -(10**6) or high_i > 10**6:
            raise InstanceError(f"{item_id}: param {name}: integers needs low <= high within 1e6")
    elif not spec.choice or len(spec.choice) > 1000:
        raise InstanceError(f"{item_id}: param {name}: choice needs 1 to 1000 values")


def _draw(name: str, spec: ParamSpec, rng: np.random.Generator) -> float:
    if isinstance(spec, Integers):
        low, high = spec.integers
        return float(rng.integers(low, high, endpoint=True))
    if isinstance(spec, OneOf):
        return float(spec.choice[int(rng.integers(len(spec.choice)))])
    # Draw an integer number of grid steps so the value is exactly representable with
    # `decimals` digits and never falls outside [low, high] after rounding.
    scale: int = 10**spec.decimals
    low_k = math.ceil(round(spec.uniform[0] * scale, 6))
    high_k = math.floor(round(spec.uniform[1] * scale, 6))
    if low_k > high_k:
        raise InstanceError(f"param {name}: no value with {spec.decimals} decimals in range")
    for _ in range(_MAX_REDRAWS):
        value = round(int(rng.integers(low_k, high_k, endpoint=True)) / scale, spec.decimals)
        if abs(value) >= spec.min_abs:
            return value
    raise InstanceError(f"param {name}: could not draw a value with |x| >= {spec.min_abs}")


def _evaluate(
    item_id: str, what: str, expression: CompiledExpression, env: dict[str, float]
) -> float:
    try:
        return expression.evaluate(env)
    except ExpressionError as exc:
        raise InstanceError(f"{item_id}: {what}: {exc}") from None
