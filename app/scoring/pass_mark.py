"""An attempt's percent and whether it reached its assessment's pass mark."""

from __future__ import annotations

from app.models import Attempt

# Scores are sums of float shares: 0.29 * 100 is 28.999999999999996, which must pass a 29% mark.
TOLERANCE = 1e-6


def percent(score: float, max_score: float) -> float | None:
    """The share of the points earned, 0-100, or None when there were no points to earn."""
    return 100 * score / max_score if max_score > 0 else None


def passed(attempt: Attempt) -> bool | None:
    """True or False once the attempt is fully graded and its assessment has a pass mark."""
    mark, score = attempt.assessment.pass_mark_percent, attempt.score
    if mark is None or score is None or attempt.graded_at is None or score.max_score <= 0:
        return None
    return 100 * score.score + TOLERANCE >= mark * score.max_score
