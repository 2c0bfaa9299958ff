"""Properties every analytic backward has: linear in dout, zero for a zero dout, repeatable.

Each function takes items (function, gradient name, the plain call's gradient, the property
call's gradient or why none came back), each property call made on a cache from a fresh
forward, and returns per item a problem (or None) and the measured error (or None).
"""

from __future__ import annotations

from collections.abc import Sequence

from sandbox.grading import numerics
from sandbox.grading.checks import Array, Got

Item = tuple[str, str, Array, Got]
Found = tuple[str | None, float | None]

# A zero dout must give gradients this small relative to the plain call's (round-off of 0 * x).
ZERO_DOUT_RTOL = 1e-12


def _missing(
    items: Sequence[Item], what: str
) -> tuple[list[Found], list[tuple[int, str, str, Array, Array]]]:
    # A property call that returned nothing is that property's problem; the rest are compared.
    found: list[Found] = [
        (f"{what}, {g}", None) if isinstance(g, str) else (None, None) for *_, g in items
    ]
    got = [(i, fn, n, p, g) for i, (fn, n, p, g) in enumerate(items) if not isinstance(g, str)]
    return found, got


def linear_in_dout(items: Sequence[Item | None], twice: numerics.Expected) -> list[Found]:
    """Doubling dout must double every gradient.

    Compared with twice the reference's gradient (``twice``, aligned with ``items``; None for a
    gradient without this property): for a gradient that matches the reference, as a credited
    one must, that is the same test as against twice its own value, with the reference's side
    flattened once per (task, seed).
    """
    found: list[Found] = [(None, None)] * len(items)
    doubled: list[Array | None] = []
    for i, item in enumerate(items):
        value = None if item is None else item[3]
        if isinstance(value, str):
            found[i] = (f"with dout doubled, {value}", None)
            value = None
        doubled.append(value)
    for i, cmp in enumerate(numerics.compare_expected(twice, doubled)):
        item = items[i]
        if cmp is None or item is None:
            continue
        fn, name, *_ = item
        problem = f"{fn} is not linear in dout: doubling dout does not double {name}"
        found[i] = (None if cmp.ok else problem, cmp.rel_error)
    return found


def zero_for_zero_dout(items: Sequence[Item]) -> list[Found]:
    """A zero dout must give zero gradients."""
    found, got = _missing(items, "with a zero dout")
    peaks = numerics.max_abs_all([g for *_, g in got] + [p for *_, p, _ in got])
    for j, (i, fn, name, plain, zeroed) in enumerate(got):
        zero_err, size = peaks[j], peaks[len(got) + j]
        ok = zeroed.shape == plain.shape and zero_err <= ZERO_DOUT_RTOL * max(size, 1.0)
        found[i] = (None if ok else f"{fn} returns a non-zero {name} for a zero dout", zero_err)
    return found


def repeatable(items: Sequence[Item]) -> list[Found]:
    """Calling again with the same inputs must give bit-identical gradients."""
    found, got = _missing(items, "on a repeated call")
    same = numerics.all_equal([g for *_, g in got], [p for *_, p, _ in got])
    for (i, fn, name, _, _), ok in zip(got, same, strict=True):
        if not ok:
            problem = f"calling {fn} a second time with the same inputs gives another {name}"
            found[i] = (problem, None)
    return found
