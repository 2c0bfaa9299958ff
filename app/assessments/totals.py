"""What an assessment's form adds up to: questions per candidate, their points, and what each
pool can draw from; and how many candidates were invited and finished."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.assessments import forms
from app.assessments.forms import Pool
from app.models import Assessment, Attempt, AttemptStatus, Invitation, QuestionVersion
from app.questions import service as questions

_FINISHED = (AttemptStatus.SUBMITTED, AttemptStatus.EXPIRED)


@dataclass(frozen=True)
class PoolOffer:
    pool: Pool
    available: int  # questions on offer the pool admits, those picked by hand left out
    min_points: float
    max_points: float

    @property
    def is_short(self) -> bool:
        return self.available < self.pool.count


@dataclass(frozen=True)
class FormTotals:
    """Every candidate answers `question_count` questions; a pool drawing questions of different
    points makes forms differ, between `min_points` and `max_points`."""

    question_count: int
    min_points: float
    max_points: float
    pools: list[PoolOffer]


@dataclass(frozen=True)
class Activity:
    invited: int = 0
    completed: int = 0


def form_totals(
    fixed: Sequence[QuestionVersion], pools: Sequence[Pool], on_offer: Sequence[QuestionVersion]
) -> FormTotals:
    taken = {q.question_id for q in fixed}
    offers = []
    for pool in pools:
        points = sorted(q.points for q in on_offer if pool.admits(q) and q.question_id not in taken)
        n = min(pool.count, len(points))
        low, high = sum(points[:n]), sum(points[len(points) - n :])
        offers.append(PoolOffer(pool, len(points), low, high))
    fixed_points = sum(q.points for q in fixed)
    return FormTotals(
        question_count=len(fixed) + sum(p.count for p in pools),
        min_points=fixed_points + sum(o.min_points for o in offers),
        max_points=fixed_points + sum(o.max_points for o in offers),
        pools=offers,
    )


def assessment_totals(session: Session, assessment: Assessment) -> FormTotals:
    pools = forms.pools_of(assessment)
    on_offer = forms.questions_on_offer(session, assessment.organization_id) if pools else []
    return form_totals([i.question for i in assessment.items], pools, on_offer)


def totals_of(
    session: Session, organization_id: uuid.UUID, assessments: Sequence[Assessment]
) -> dict[uuid.UUID, FormTotals]:
    """Totals of many assessments of one organization, reading the questions on offer once."""
    needs_offer = any(a.pools for a in assessments)
    on_offer = forms.questions_on_offer(session, organization_id) if needs_offer else []
    return {
        a.id: form_totals([i.question for i in a.items], forms.pools_of(a), on_offer)
        for a in assessments
    }


def activity_of(session: Session, assessment_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Activity]:
    """Invitations sent and attempts finished (submitted or out of time), per assessment."""
    if not assessment_ids:
        return {}
    invited: dict[uuid.UUID, int] = dict(
        session.execute(
            select(Invitation.assessment_id, func.count())
            .where(Invitation.assessment_id.in_(assessment_ids))
            .group_by(Invitation.assessment_id)
        ).all()
    )
    completed: dict[uuid.UUID, int] = dict(
        session.execute(
            select(Attempt.assessment_id, func.count())
            .where(Attempt.assessment_id.in_(assessment_ids), Attempt.status.in_(_FINISHED))
            .group_by(Attempt.assessment_id)
        ).all()
    )
    return {i: Activity(invited.get(i, 0), completed.get(i, 0)) for i in assessment_ids}


@dataclass(frozen=True)
class Draft:
    """A form being built: the questions picked (pinned versions kept), ids not found, totals."""

    selected: list[QuestionVersion]
    unknown: list[str]
    totals: FormTotals


def draft_totals(
    session: Session,
    *,
    organization_id: uuid.UUID,
    assessment: Assessment | None,
    question_ids: Sequence[str],
    pools: Sequence[Pool],
) -> Draft:
    """What a form in the builder adds up to before it is saved."""
    kept = {i.question.question_id: i.question for i in assessment.items} if assessment else {}
    current = questions.current_versions(
        session,
        organization_id=organization_id,
        question_ids=[q for q in question_ids if q not in kept],
    )
    found = {**current, **kept}
    selected = [found[q] for q in question_ids if q in found]
    on_offer = forms.questions_on_offer(session, organization_id) if pools else []
    return Draft(
        selected=selected,
        unknown=[q for q in question_ids if q not in found],
        totals=form_totals(selected, pools, on_offer),
    )
