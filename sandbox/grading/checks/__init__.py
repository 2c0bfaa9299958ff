"""The checks, one module per kind: small functions from arrays to results as data.

Each takes what the candidate's run returned (an array, or the text saying why there is none),
the reference's arrays and the task's tolerances, and returns one ``Outcome`` per check. The
checklist decides which checks run and what each is worth; nothing here knows about points.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy.typing as npt

from sandbox.grading.report import CheckStatus

Array = npt.NDArray[Any]
# What came back for one value: the array, or a message saying why none did
Got = Array | str


@dataclass(frozen=True)
class Outcome:
    """What one check found."""

    status: CheckStatus
    message: str = ""
    max_error: float | None = None
    shape: tuple[int, ...] | None = None
    expected_shape: tuple[int, ...] | None = None
    details: dict[str, float] = field(default_factory=dict)
    max_abs_error: float | None = None  # last: callers pass the fields above by position
