"""An attempt's standing in its assessment: the percentile and the cohort's per-skill profile.

The cohort is every finished attempt (submitted or expired) of the assessment that has a score,
the candidate's own included, so a report reads the same whoever is looked at.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Attempt, AttemptStatus, Score

FINISHED = (AttemptStatus.SUBMITTED, AttemptStatus.EXPIRED)


@dataclass(frozen=True)
class SkillStanding:
    skill: str
    score: float
    max_score: float
    fraction: float  # the candidate's share of the skill's points, 0..1
    cohort_mean: float | None  # the cohort's mean share, None with no finished attempt
    cohort_low: float | None  # the cohort's lower and upper quartile of the share
    cohort_high: float | None


@dataclass(frozen=True)
class Standing:
    cohort_size: int
    percentile: float | None  # None until this attempt is finished and scored
    skills: list[SkillStanding]


def standing(session: Session, attempt: Attempt) -> Standing:
    """Where this attempt stands among the finished attempts of its assessment."""
    cohort = list(
        session.execute(
            select(Score.attempt_id, Score.score, Score.per_skill)
            .join(Attempt, Attempt.id == Score.attempt_id)
            .where(Attempt.assessment_id == attempt.assessment_id, Attempt.status.in_(FINISHED))
        )
    )
    totals = [row.score for row in cohort]
    mine = attempt.score
    finished = mine is not None and attempt.status in FINISHED
    percentile = percentile_rank(mine.score, totals) if finished and mine is not None else None
    own = mine.per_skill if mine is not None else {}
    skills = []
    for skill, cell in own.items():
        shares = [_share(row.per_skill[skill]) for row in cohort if skill in (row.per_skill or {})]
        low, high = _quartiles(shares)
        skills.append(
            SkillStanding(
                skill=skill,
                score=cell["score"],
                max_score=cell["max_score"],
                fraction=_share(cell),
                cohort_mean=statistics.fmean(shares) if shares else None,
                cohort_low=low,
                cohort_high=high,
            )
        )
    return Standing(cohort_size=len(cohort), percentile=percentile, skills=skills)


def percentile_rank(value: float, population: list[float]) -> float:
    """The share of the population below `value`, ties counted half (0..100)."""
    if not population:
        return 0.0
    below = sum(1 for v in population if v < value)
    equal = sum(1 for v in population if v == value)
    return round(100.0 * (below + 0.5 * equal) / len(population), 1)


def _share(cell: dict[str, float]) -> float:
    return cell["score"] / cell["max_score"] if cell["max_score"] else 0.0


def _quartiles(values: list[float]) -> tuple[float | None, float | None]:
    if not values:
        return None, None
    if len(values) == 1:
        return values[0], values[0]
    q = statistics.quantiles(values, n=4, method="inclusive")
    return q[0], q[2]
