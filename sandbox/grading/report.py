"""Verdicts, check results and grade reports, with the views candidates and recruiters see."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Literal

Audience = Literal["candidate", "recruiter"]


class Verdict(StrEnum):
    """What the candidate's code did, as a whole."""

    PASSED = "passed"
    FAILED = "failed"
    ERROR = "error"
    TIMEOUT = "timeout"
    MEMORY_LIMIT = "memory_limit"
    OUTPUT_LIMIT = "output_limit"
    REJECTED = "rejected"


class CheckStatus(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    ERROR = "error"  # the candidate's code raised, or returned something that is not an array
    WARNING = "warning"  # reported, never costs points (e.g. inputs modified in place)


@dataclass(frozen=True)
class CheckResult:
    """One scored (or warning) check of one case: a forward output, a gradient, a property."""

    case: str
    hidden: bool
    unit: str
    name: str
    status: CheckStatus
    points: float
    max_points: float
    message: str = ""
    max_error: float | None = None
    max_abs_error: float | None = None
    shape: tuple[int, ...] | None = None
    expected_shape: tuple[int, ...] | None = None
    # recruiter-only numbers (errors of each sub-check); never reference values
    details: dict[str, float] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        """True when the check passed or only warns."""
        return self.status in (CheckStatus.PASSED, CheckStatus.WARNING)

    def to_dict(self, *, details: bool) -> dict[str, Any]:
        """Return the JSON form; `details` adds the recruiter-only sub-check errors."""
        out: dict[str, Any] = {
            "case": self.case,
            "unit": self.unit,
            "name": self.name,
            "status": self.status.value,
            "points": round(self.points, 6),
            "max_points": round(self.max_points, 6),
            "message": self.message,
            "max_error": _finite(self.max_error),
            "max_abs_error_bound": _decade_above(self.max_abs_error),
            "shape": list(self.shape) if self.shape is not None else None,
            "expected_shape": list(self.expected_shape)
            if self.expected_shape is not None
            else None,
        }
        if details:
            out["max_abs_error"] = _finite(self.max_abs_error)
            out["hidden"] = self.hidden
            out["details"] = {k: _finite(v) for k, v in self.details.items()}
        return out


def _decade_above(error: float | None) -> float | str | None:
    """The smallest power of ten at or above an absolute error: what the candidate sees of it.

    The exact figure would hand over a reference value: code that returns zeros has an absolute
    error equal to the largest reference entry. Its decade says how far off the code is, and
    nothing a memo could use.
    """
    if error is None or error == 0.0 or not math.isfinite(error):
        return _finite(error)
    return float(10.0 ** math.ceil(math.log10(error)))


def _finite(value: float | None) -> float | str | None:
    if value is None:
        return None
    return value if math.isfinite(value) else str(value)


@dataclass(frozen=True)
class GradeReport:
    """The graded outcome of one submission."""

    task_id: str
    task_version: str
    verdict: Verdict
    score: float
    max_score: float
    checks: list[CheckResult]
    message: str
    hidden_ran: bool
    stdout: str = ""
    seconds: float = 0.0

    def to_dict(self, audience: Audience = "candidate") -> dict[str, Any]:
        """Return the JSON view for `audience`.

        The candidate view details public checks only; hidden cases appear as pass/fail counts,
        and printed output is dropped whenever hidden cases ran (it could echo hidden inputs).
        """
        recruiter = audience == "recruiter"
        shown = [c for c in self.checks if recruiter or not c.hidden]
        hidden = [c for c in self.checks if c.hidden and c.max_points > 0]
        out: dict[str, Any] = {
            "task_id": self.task_id,
            "task_version": self.task_version,
            "verdict": self.verdict.value,
            "score": round(self.score, 6),
            "max_score": round(self.max_score, 6),
            "message": self.message,
            "checks": [c.to_dict(details=recruiter) for c in shown],
            "hidden": {
                "total": len(hidden),
                "passed": sum(1 for c in hidden if c.passed),
                "failed": sum(1 for c in hidden if not c.passed),
            },
        }
        if recruiter or not self.hidden_ran:
            out["stdout"] = self.stdout
        if recruiter:
            out["seconds"] = round(self.seconds, 4)
        return out
