"""Drafts of custom questions the library tests send: a parameterized item, a small task."""

from __future__ import annotations

from typing import Any

SPEC = """\
functions:
  - "scale_forward(x, a) -> (out, cache)"
  - "scale_backward(dout, cache) -> (dx, da)"
inputs:
  x: {shape: [N, D]}
  a: {shape: [D], mean: 1.5, std: 0.5}
units:
  - id: scale
    kind: layer
    forward: scale_forward
    backward: scale_backward
    args: [x, a]
    wrt: [x, a]
    outputs: {out: [N, D]}
cases:
  public:
    - {seed: 31, dims: {N: 2, D: 3}}
  hidden:
    - {dims: {N: [1, 5], D: [2, 6]}}
"""

REFERENCE = """\
import numpy as np


def scale_forward(x, a):
    return x * a, (x, a)


def scale_backward(dout, cache):
    x, a = cache
    return dout * a, np.sum(dout * x, axis=0)
"""

# da forgets the factor x (the chain rule): its own numerical check fails.
BROKEN_REFERENCE = REFERENCE.replace("np.sum(dout * x, axis=0)", "np.sum(dout, axis=0)")
# da summed over the wrong axis: the gradient has the batch's shape, not a's.
WRONG_SHAPE_REFERENCE = REFERENCE.replace("np.sum(dout * x, axis=0)", "np.sum(dout * x, axis=1)")

STARTER = """\
import numpy as np


def scale_forward(x, a):
    out = None  # TODO
    return out, (x, a)


def scale_backward(dout, cache):
    x, a = cache
    dx, da = None, None  # TODO
    return dx, da
"""


def coding_draft(**overrides: Any) -> dict[str, Any]:
    return {
        "kind": "coding",
        "skills": ["backward_pass"],
        "difficulty": 1,
        "points": 4,
        "explanation": "Scale columns; da sums over the batch.",
        "title": "Scale each feature",
        "statement": "Write `scale_forward(x, a)` and `scale_backward(dout, cache)`.",
        "starter": STARTER,
        "reference": REFERENCE,
        "spec": SPEC,
        **overrides,
    }


def numeric_draft(**overrides: Any) -> dict[str, Any]:
    return {
        "kind": "numeric",
        "skills": ["chain_rule"],
        "difficulty": 2,
        "prompt": "Let y = {a} x². What is dy/dx at x = {x}?",
        "params": {"a": {"integers": [2, 9]}, "x": {"uniform": [0.5, 3], "decimals": 1}},
        "answer": "2 * a * x",
        "tolerance": {"rel": 0.001},
        "explanation": "The power rule: dy/dx = 2 a x.",
        **overrides,
    }


def choice_draft(**overrides: Any) -> dict[str, Any]:
    return {
        "kind": "single_choice",
        "skills": ["forward_pass"],
        "difficulty": 1,
        "prompt": "Which activation is zero for negative inputs?",
        "choices": [
            {"id": "a", "text": "ReLU"},
            {"id": "b", "text": "tanh"},
            {"id": "c", "text": "sigmoid"},
        ],
        "answer": "a",
        "explanation": "ReLU(x) = max(0, x).",
        **overrides,
    }
