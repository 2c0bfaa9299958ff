"""Change an assessment after it is built: its settings, its questions, a copy of it, archiving.

Its questions and pools can change only while no candidate is invited: every invited candidate's
form was drawn from them and is stored with the attempt, and results compare candidates who
answered the same questions, so a different set of questions then is a new assessment (duplicate).
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from app.assessments import forms
from app.assessments.forms import Pool
from app.assessments.service import EmptyAssessmentError, get_assessment, pinned_versions
from app.db import utcnow
from app.errors import AssessmentNotFoundError, DomainError
from app.models import Assessment, AssessmentItem, AssessmentPool, Invitation

_TITLE_LIMIT = 200


class PreconditionFailedError(DomainError):
    status, code, title = 412, "precondition-failed", "The assessment changed meanwhile"


class QuestionsLockedError(DomainError):
    status, code, title = 409, "questions-locked", "Candidates are invited: the questions are set"


@dataclass(frozen=True)
class AssessmentSettings:
    """The settings a recruiter may change at any time; they apply to attempts not yet started
    (the time limit) or to everyone from now on (results shown, pass mark)."""

    title: str
    time_limit_minutes: int
    pass_mark_percent: int | None
    candidates_see_results: bool
    shuffle_questions: bool
    shuffle_choices: bool


@dataclass(frozen=True)
class FormChange:
    """The questions picked by hand (in order) and the pools that replace the current ones;
    `None` keeps that part as it is."""

    question_ids: Sequence[str] | None = None
    pools: Sequence[Pool] | None = None


def settings_of(assessment: Assessment) -> AssessmentSettings:
    return AssessmentSettings(
        title=assessment.title,
        time_limit_minutes=assessment.time_limit_minutes,
        pass_mark_percent=assessment.pass_mark_percent,
        candidates_see_results=assessment.candidates_see_results,
        shuffle_questions=assessment.shuffle_questions,
        shuffle_choices=assessment.shuffle_choices,
    )


def etag(assessment: Assessment) -> str:
    """A strong validator of what an update can change: settings, questions, pools, archiving."""
    state = {
        **settings_of(assessment).__dict__,
        "archived_at": assessment.archived_at.isoformat() if assessment.archived_at else None,
        "items": [str(i.question_version_id) for i in assessment.items],
        "pools": [[p.kind, p.skill, p.difficulty, p.count] for p in assessment.pools],
    }
    digest = hashlib.sha256(json.dumps(state, sort_keys=True).encode()).hexdigest()
    return f'"{digest[:32]}"'


def has_invitations(session: Session, assessment_id: uuid.UUID) -> bool:
    return bool(session.scalar(select(exists().where(Invitation.assessment_id == assessment_id))))


def update_assessment(
    session: Session,
    *,
    organization_id: uuid.UUID,
    assessment_id: uuid.UUID,
    changes: Mapping[str, Any],
    form: FormChange | None = None,
    if_match: str | None = None,
) -> Assessment:
    """Change settings (and, before any invitation, the questions and pools); with `if_match`,
    only if nobody changed the assessment since."""
    _lock(session, organization_id, assessment_id)
    assessment = get_assessment(
        session, organization_id=organization_id, assessment_id=assessment_id
    )
    if if_match is not None and if_match.strip() not in ("*", etag(assessment)):
        raise PreconditionFailedError(
            "Someone changed this assessment since you read it; read it again and retry.",
            etag=etag(assessment),
        )
    settings = replace(settings_of(assessment), **changes)
    for name, value in settings.__dict__.items():
        setattr(assessment, name, value)
    if form is not None:
        question_ids = [i.question.question_id for i in assessment.items]
        pools = forms.pools_of(assessment)
        wanted = (
            list(question_ids if form.question_ids is None else form.question_ids),
            list(pools if form.pools is None else form.pools),
        )
        if wanted != (question_ids, pools):
            _replace_form(session, assessment, *wanted)
    session.commit()
    return get_assessment(session, organization_id=organization_id, assessment_id=assessment_id)


def _lock(session: Session, organization_id: uuid.UUID, assessment_id: uuid.UUID) -> None:
    """Hold the row until commit, so two updates carrying the same ETag cannot both pass the
    check (read-check-write without it loses one of them on PostgreSQL)."""
    locked = session.scalar(
        select(Assessment.id)
        .where(Assessment.id == assessment_id, Assessment.organization_id == organization_id)
        .with_for_update()
    )
    if locked is None:
        raise AssessmentNotFoundError(f"No assessment {assessment_id}.")
    # What this session read before the lock may be stale: read it again under the lock.
    session.expire_all()


def _replace_form(
    session: Session, assessment: Assessment, question_ids: list[str], pools: list[Pool]
) -> None:
    if has_invitations(session, assessment.id):
        raise QuestionsLockedError(
            "Candidates are already invited to this assessment, so its questions and pools stay"
            " as they are; duplicate it to change them."
        )
    if not question_ids and not pools:
        raise EmptyAssessmentError("Pick questions or a pool.")
    fixed = pinned_versions(session, assessment, question_ids)
    if pools:
        on_offer = forms.questions_on_offer(session, assessment.organization_id)
        forms.check_pools(fixed, pools, on_offer)
    for old in [*assessment.items, *assessment.pools]:
        session.delete(old)
    session.flush()  # the (assessment, position) unique keys are free again
    assessment.items = [AssessmentItem(position=i, question=q) for i, q in enumerate(fixed)]
    assessment.pools = [
        AssessmentPool(
            position=i, kind=p.kind, skill=p.skill, difficulty=p.difficulty, count=p.count
        )
        for i, p in enumerate(pools)
    ]


def duplicate_assessment(
    session: Session, *, organization_id: uuid.UUID, assessment_id: uuid.UUID
) -> Assessment:
    """A new, open copy with the same questions (same versions), pools and settings."""
    source = get_assessment(session, organization_id=organization_id, assessment_id=assessment_id)
    copy = Assessment(
        organization_id=organization_id,
        title=f"Copy of {source.title}"[:_TITLE_LIMIT],
        time_limit_minutes=source.time_limit_minutes,
        template=source.template,
        form_seed=source.form_seed,
        pass_mark_percent=source.pass_mark_percent,
        candidates_see_results=source.candidates_see_results,
        shuffle_questions=source.shuffle_questions,
        shuffle_choices=source.shuffle_choices,
    )
    copy.items = [
        AssessmentItem(position=i.position, question_version_id=i.question_version_id)
        for i in source.items
    ]
    copy.pools = [
        AssessmentPool(
            position=p.position,
            kind=p.kind,
            skill=p.skill,
            difficulty=p.difficulty,
            count=p.count,
        )
        for p in source.pools
    ]
    session.add(copy)
    session.commit()
    return get_assessment(session, organization_id=organization_id, assessment_id=copy.id)


def archive_assessment(
    session: Session, *, organization_id: uuid.UUID, assessment_id: uuid.UUID
) -> Assessment:
    """Close the assessment: no new invitations or starts; started attempts run to their end."""
    assessment = get_assessment(
        session, organization_id=organization_id, assessment_id=assessment_id
    )
    if assessment.archived_at is None:
        assessment.archived_at = utcnow()
        session.commit()
    return assessment
