"""Keep drawn cases off kinks: hinge labels chosen so no margin is near 0, and `kinks:` parsed.

A hinge margin `s[i, j] - s[i, y[i]] + delta` at 0 has no derivative, and within the probe step
of 0 the central difference straddles the kink: the reference would fail its own check. Scores
come from float inputs (`x`, or `X @ W`) that cannot be nudged one entry at a time, but the
labels can be chosen: a row whose drawn label leaves a margin within `gap` of 0 gets the first
label, in a random order, that leaves every margin of that row at least `gap` away. One always
exists: with the row's lowest score as the label, every margin is at least `delta`.
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping
from functools import reduce
from typing import Any

import numpy as np
import numpy.typing as npt

from sandbox.grading.tasks import HingeSpec, KinkSpec, TaskError, TaskSpec

Array = npt.NDArray[Any]


def parse_off_hinge(raw: Any, name: str, dtype: str) -> HingeSpec | None:
    """Read an input's `off_hinge: {scores: [X, W], delta: 1.0, gap: 1.0e-3}`."""
    if raw is None:
        return None
    where = f"input {name}: off_hinge"
    if dtype != "int64" or not isinstance(raw, dict):
        raise TaskError(f"{where} applies to int64 labels and is a mapping")
    unknown = set(raw) - {"scores", "delta", "gap"}
    if unknown:
        raise TaskError(f"{where}: unknown keys {sorted(unknown)}")
    scores = raw.get("scores")
    if not isinstance(scores, list) or not scores or not all(isinstance(s, str) for s in scores):
        raise TaskError(f"{where}: scores must list the float inputs whose product gives them")
    spec = HingeSpec(
        scores=tuple(scores), delta=float(raw.get("delta", 1.0)), gap=float(raw.get("gap", 1e-3))
    )
    if not 0 < spec.gap < spec.delta:
        raise TaskError(f"{where}: need 0 < gap < delta")
    return spec


def check_off_hinge(task: TaskSpec) -> None:
    """Every constrained label input names float inputs of the task as its scores."""
    for spec in task.inputs.values():
        if spec.off_hinge is None:
            continue
        for name in spec.off_hinge.scores:
            if name not in task.inputs or task.inputs[name].dtype != "float64":
                raise TaskError(
                    f"input {spec.name}: off_hinge scores {name!r} is not a float input"
                )


def relabel_off_hinges(
    task: TaskSpec, inputs: MutableMapping[str, Array], rng: np.random.Generator
) -> None:
    """Replace, in place, each constrained label that leaves a hinge margin near its kink."""
    for name, spec in task.inputs.items():
        if spec.off_hinge is not None:
            inputs[name] = labels_off_hinge(
                inputs[name], _scores(spec.off_hinge, inputs), spec.off_hinge, rng
            )


def labels_off_hinge(
    labels: Array, scores: Array, spec: HingeSpec, rng: np.random.Generator
) -> Array:
    """Labels with every row's margins at least `spec.gap` from 0 (unsafe rows relabelled)."""
    n, classes = scores.shape
    if labels.shape != (n,) or (labels.size and not (labels.min() >= 0 and labels.max() < classes)):
        raise TaskError(
            f"off_hinge: labels of shape {labels.shape} do not index scores {scores.shape}"
        )
    out = labels.copy()
    for i in range(n):
        if _row_safe(scores[i], int(out[i]), spec):
            continue
        # The permutation holds the row's lowest-scored class, whose margins are all >= delta.
        out[i] = next(c for c in rng.permutation(classes) if _row_safe(scores[i], int(c), spec))
    return out


def hinge_margins(scores: Array, labels: Array, delta: float) -> Array:
    """The margins `s[i, j] - s[i, y[i]] + delta` of the wrong classes, flattened."""
    n = scores.shape[0]
    margins = scores - scores[np.arange(n), labels][:, None] + delta
    wrong = np.ones(scores.shape, dtype=bool)
    wrong[np.arange(n), labels] = False
    return np.asarray(margins[wrong])


def _row_safe(row: Array, label: int, spec: HingeSpec) -> bool:
    margins = np.delete(row - row[label] + spec.delta, label)
    return bool(np.all(np.abs(margins) >= spec.gap))


def _scores(spec: HingeSpec, inputs: Mapping[str, Array]) -> Array:
    first, *rest = (inputs[name] for name in spec.scores)
    flat = first.reshape(first.shape[0], -1)
    return np.asarray(reduce(np.matmul, rest, flat), dtype=np.float64)


def parse_kinks(raw: Any) -> KinkSpec | None:
    """Read a task's `kinks: {call: NAME, args: [...], margin: FLOAT}` (see KinkSpec)."""
    if raw is None:
        return None
    if not isinstance(raw, dict) or set(raw) - {"call", "args", "margin"}:
        raise TaskError("kinks: expected {call: NAME, args: [...], margin: FLOAT}")
    call, args = raw.get("call"), raw.get("args") or []
    if not isinstance(call, str) or not call.isidentifier() or call.startswith("_"):
        raise TaskError("kinks: call must name a public function of kinks.py")
    if not isinstance(args, list) or not all(isinstance(a, str) for a in args):
        raise TaskError("kinks: args must be a list of input and param names")
    margin = float(raw.get("margin", 1e-3))
    if margin <= 0:
        raise TaskError("kinks: margin must be positive")
    return KinkSpec(call=call, args=tuple(args), margin=margin)
