"""The percentile within an assessment and the cohort's per-skill profile."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from app.models import AttemptStatus
from app.reports.cohort import percentile_rank, standing
from tests.factories import make_invitation, make_org
from tests.reports.world import Taken, finish_attempt, report_assessment


@pytest.mark.parametrize(
    ("value", "population", "expected"),
    [
        (5.0, [5.0], 50.0),  # alone: half of a tie with itself
        (10.0, [0.0, 5.0, 10.0], 83.3),
        (0.0, [0.0, 5.0, 10.0], 16.7),
        (5.0, [5.0, 5.0, 5.0, 5.0], 50.0),
        (7.0, [1.0, 2.0, 3.0, 9.0], 75.0),
    ],
)
def test_percentile_rank_counts_ties_half(
    value: float, population: list[float], expected: float
) -> None:
    assert percentile_rank(value, population) == expected


def test_the_cohort_is_the_finished_scored_attempts_of_the_assessment(session: Session) -> None:
    org = make_org(session)
    assessment = report_assessment(session, org.organization)
    other = report_assessment(session, org.organization)
    done = [
        finish_attempt(
            session,
            make_invitation(session, org.organization, assessment).attempt,
            Taken(fraction=f),
        )
        for f in (1.0, 0.5, 0.0, 0.25)
    ]
    # Neither an attempt in progress nor one of another assessment counts.
    in_progress = make_invitation(session, org.organization, assessment).attempt
    in_progress.status = AttemptStatus.STARTED
    finish_attempt(session, make_invitation(session, org.organization, other).attempt, Taken())
    session.flush()

    best = standing(session, done[0])
    assert best.cohort_size == 4
    assert best.percentile == 87.5  # 3 below, itself a tie: (3 + 0.5) / 4
    backward = next(s for s in best.skills if s.skill == "backward_pass")
    assert backward.fraction == 1.0
    assert backward.cohort_mean == pytest.approx((1.0 + 0.5 + 0.0 + 0.25) / 4)
    assert (backward.cohort_low, backward.cohort_high) == pytest.approx((0.1875, 0.625))

    waiting = standing(session, in_progress)
    assert waiting.percentile is None
    assert waiting.skills == []
