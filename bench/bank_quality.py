"""Benchmark the quality rules of `chainrule bank validate` on the shipped concept bank.

The rules look at 2,000 forms of every parameterized numeric item (answer, declared mistakes,
tolerance). The baseline renders each form the way an attempt does (one seeded draw, scalar
expressions) and evaluates each mistake per form; the validator draws all forms at once and
evaluates every expression over numpy arrays. Also timed: the whole concept validation (loading,
the 200-seed render check, the quality rules). Prints a table with ratios against the baseline.

    .venv/bin/python bench/bank_quality.py
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import contextlib

from app.bank.expressions import compile_expression
from app.bank.instances import is_correct, render_instance
from app.bank.loader import load_concepts
from app.bank.quality import FORMS_PER_ITEM, numeric_quality
from app.bank.schemas import NumericItem
from app.bank.validation import validate_concepts

CONCEPTS = Path(__file__).resolve().parents[1] / "question_bank" / "concepts"


def scalar_quality(item: NumericItem) -> float:
    """The baseline: per-seed rendering and scalar evaluation of every mistake."""
    names = [*item.params, *item.let]
    mistakes = [compile_expression(m, names=names) for m in item.mistakes.values()]
    lets = [(n, compile_expression(t, names=names)) for n, t in item.let.items()]
    accepted = 0
    for seed in range(FORMS_PER_ITEM):
        instance = render_instance(item, seed)
        env = dict(instance.params)
        for name, expression in lets:
            env[name] = expression.evaluate(env)
        for mistake in mistakes:
            with contextlib.suppress(ValueError):
                accepted += is_correct(instance, mistake.evaluate(env))
    return accepted


def timed(fn: Callable[[], object], repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    items = [
        c.item
        for c in load_concepts(CONCEPTS)
        if isinstance(c.item, NumericItem) and c.item.is_parameterized
    ]
    rows = [
        (
            f"quality rules, scalar per seed ({len(items)} items x {FORMS_PER_ITEM})",
            timed(lambda: [scalar_quality(i) for i in items], repeat=1),
        ),
        (
            f"quality rules, numpy forms ({len(items)} items x {FORMS_PER_ITEM})",
            timed(lambda: [numeric_quality(i) for i in items]),
        ),
        (
            "whole concept validation (load, 200-seed check, rules)",
            timed(lambda: validate_concepts(CONCEPTS), repeat=2),
        ),
    ]
    baseline = rows[0][1]
    print(f"{'what':62} {'seconds':>8} {'vs baseline':>12}")
    for label, seconds in rows:
        print(f"{label:62} {seconds:8.3f} {seconds / baseline:11.3f}x")


if __name__ == "__main__":
    main()
