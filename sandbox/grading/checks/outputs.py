"""Checks of returned values: forward outputs and state against the reference, their shapes,
and inputs left as they were."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from sandbox.grading import numerics
from sandbox.grading.checks import Array, Got, Outcome
from sandbox.grading.messages import mismatch
from sandbox.grading.report import CheckStatus


def values(labels: Sequence[str], got: Sequence[Got], expected: numerics.Expected) -> list[Outcome]:
    """Compare each returned value with the reference's (mixed tolerance, one numpy pass)."""
    cmps = numerics.compare_expected(expected, [None if isinstance(g, str) else g for g in got])
    out = []
    for label, g, cmp in zip(labels, got, cmps, strict=True):
        if isinstance(g, str):
            out.append(Outcome(CheckStatus.ERROR, g))
        elif cmp is None:
            out.append(Outcome(CheckStatus.ERROR, f"{label}: no value came back"))
        else:
            out.append(judged(label, cmp, g))
    return out


def judged(label: str, cmp: numerics.Comparison, value: Array) -> Outcome:
    """Turn one comparison into an outcome (a shape off only by size-1 dims does not fail it)."""
    return Outcome(
        CheckStatus.PASSED if cmp.ok else CheckStatus.FAILED,
        "" if cmp.ok else mismatch(label, cmp, value),
        max_error=cmp.rel_error,
        max_abs_error=cmp.max_abs_error,
        shape=cmp.actual_shape,
        expected_shape=cmp.expected_shape,
    )


def shapes(names: Sequence[str], got: Sequence[Got], want: Sequence[Array]) -> Outcome:
    """Pass when every value came back with exactly the documented (the reference's) shape.

    Values whose shape differs only by dimensions of size 1 keep their value credit; this is
    the one check they fail, and its message says so.
    """
    problems, missing = [], []
    for name, g, w in zip(names, got, want, strict=True):
        if isinstance(g, str):
            missing.append(name)
            continue
        have, expected = np.shape(g), np.shape(w)
        if have == expected or (expected == () and have == (1,)):
            continue
        same = np.size(g) == np.size(w) and _squeezed(have) == _squeezed(expected)
        problems.append(
            f"{name} has shape {have}, expected {expected}"
            + (" (the values are right: only dimensions of size 1 differ)" if same else "")
        )
    if problems:
        return Outcome(
            CheckStatus.FAILED,
            "; ".join(problems) + ". Return the shapes the statement gives (e.g. reshape, or "
            "sum without keepdims=True).",
        )
    if missing:
        return Outcome(
            CheckStatus.ERROR, f"not checked: no value came back for {', '.join(missing)}"
        )
    return Outcome(CheckStatus.PASSED)


def _squeezed(shape: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(d for d in shape if d != 1)


Named = Sequence[tuple[str, Array | None, Array]]


def unmodified_all(units: Sequence[tuple[str, Named]]) -> list[Outcome | None]:
    """Warn per unit (who, [(input, value after the calls, original)]) about inputs modified in
    place; all units' inputs compared in one numpy pass."""
    kept = [
        (u, n, a, o) for u, (_, named) in enumerate(units) for n, a, o in named if a is not None
    ]
    same = numerics.all_equal([a for *_, a, _ in kept], [o for *_, o in kept])
    changed: list[list[str]] = [[] for _ in units]
    for (u, n, _, _), ok in zip(kept, same, strict=True):
        if not ok:
            changed[u].append(n)
    return [
        Outcome(
            CheckStatus.WARNING,
            f"{who} modified {', '.join(names)} in place. The grader passes copies so it cost "
            "nothing here, but in a network this corrupts values other layers still use.",
        )
        if names
        else None
        for (who, _), names in zip(units, changed, strict=True)
    ]
