"""Change an assessment after it is built: its settings, a copy of it, archiving it.

Its questions and pools stay as built: every invited candidate's form was drawn from them and is
stored with the attempt, so a different set of questions is a new assessment (duplicate it).
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy.orm import Session

from app.assessments.service import get_assessment
from app.db import utcnow
from app.errors import DomainError
from app.models import Assessment, AssessmentItem, AssessmentPool

_TITLE_LIMIT = 200


class PreconditionFailedError(DomainError):
    status, code, title = 412, "precondition-failed", "The assessment changed meanwhile"


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
    """A strong validator of what an update can change (settings and archiving)."""
    state = {
        **settings_of(assessment).__dict__,
        "archived_at": assessment.archived_at.isoformat() if assessment.archived_at else None,
    }
    digest = hashlib.sha256(json.dumps(state, sort_keys=True).encode()).hexdigest()
    return f'"{digest[:32]}"'


def update_settings(
    session: Session,
    *,
    organization_id: uuid.UUID,
    assessment_id: uuid.UUID,
    changes: Mapping[str, Any],
    if_match: str | None = None,
) -> Assessment:
    """Change some settings; with `if_match`, only if nobody changed the assessment since."""
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
    session.commit()
    return assessment


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
