"""/api/v1/assessments: compose, read, change, duplicate, archive."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Header, Query, Response, status

from app.access.policy import Action
from app.access.principal import ForbiddenError, Principal
from app.api import schemas, views
from app.api.assessment_schemas import AssessmentPatch
from app.api.problems import problem_responses
from app.assessments import editing
from app.assessments import service as assessments
from app.assessments.editing import PreconditionFailedError
from app.assessments.forms import Pool, PoolUnavailableError
from app.assessments.service import (
    AssessmentDraft,
    DuplicateQuestionsError,
    EmptyAssessmentError,
    TemplateUnavailableError,
    UnknownQuestionsError,
    UnknownTemplateError,
)
from app.bank.templates import role_templates
from app.deps import SessionDep, SettingsDep, allowed
from app.errors import (
    AssessmentNotFoundError,
    InvalidCursorError,
    InvalidRequestError,
    UnauthorizedError,
)

router = APIRouter(prefix="/assessments", tags=["assessments"])


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(
        UnauthorizedError,
        ForbiddenError,
        UnknownQuestionsError,
        DuplicateQuestionsError,
        UnknownTemplateError,
        TemplateUnavailableError,
        EmptyAssessmentError,
        PoolUnavailableError,
        InvalidRequestError,
    ),
)
def create_assessment(
    body: schemas.AssessmentCreate,
    session: SessionDep,
    settings: SettingsDep,
    principal: Annotated[Principal, allowed(Action.ASSESSMENT_WRITE)],
) -> schemas.AssessmentRead:
    """Create an assessment from question ids or from a role template."""
    draft = AssessmentDraft(
        title=body.title,
        question_ids=body.question_ids or [],
        template=body.template,
        pools=[Pool(p.kind, p.skill.value, p.difficulty, p.count) for p in body.pools],
        time_limit_minutes=body.time_limit_minutes,
        pass_mark_percent=body.pass_mark_percent,
        candidates_see_results=body.candidates_see_results,
        shuffle_questions=body.shuffle_questions,
        shuffle_choices=body.shuffle_choices,
    )
    assessment = assessments.compose_assessment(
        session,
        organization_id=principal.organization_id,
        draft=draft,
        templates=role_templates(settings.bank_dir / "templates"),
    )
    return views.assessment(assessment)


@router.get("", responses=problem_responses(UnauthorizedError, ForbiddenError, InvalidCursorError))
def list_assessments(
    session: SessionDep,
    principal: Annotated[Principal, allowed(Action.ASSESSMENT_READ)],
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> schemas.AssessmentPage:
    """List the organization's assessments, newest first."""
    page = assessments.list_assessments(
        session, organization_id=principal.organization_id, cursor=cursor, limit=limit
    )
    return schemas.AssessmentPage(
        items=[views.assessment(a) for a in page.items], next_cursor=page.next_cursor
    )


@router.get(
    "/{assessment_id}",
    responses=problem_responses(UnauthorizedError, ForbiddenError, AssessmentNotFoundError),
)
def get_assessment(
    assessment_id: uuid.UUID,
    session: SessionDep,
    response: Response,
    principal: Annotated[Principal, allowed(Action.ASSESSMENT_READ)],
) -> schemas.AssessmentRead:
    """Get one assessment with its questions and pools; its ETag guards updates."""
    assessment = assessments.get_assessment(
        session, organization_id=principal.organization_id, assessment_id=assessment_id
    )
    response.headers["ETag"] = editing.etag(assessment)
    return views.assessment(assessment)


@router.patch(
    "/{assessment_id}",
    responses=problem_responses(
        UnauthorizedError,
        ForbiddenError,
        AssessmentNotFoundError,
        PreconditionFailedError,
        InvalidRequestError,
    ),
)
def update_assessment(
    assessment_id: uuid.UUID,
    body: AssessmentPatch,
    session: SessionDep,
    response: Response,
    principal: Annotated[Principal, allowed(Action.ASSESSMENT_WRITE)],
    if_match: Annotated[str | None, Header()] = None,
) -> schemas.AssessmentRead:
    """Change settings (title, time limit, pass mark, results, shuffles); `If-Match` guards."""
    assessment = editing.update_settings(
        session,
        organization_id=principal.organization_id,
        assessment_id=assessment_id,
        changes=body.changes(),
        if_match=if_match,
    )
    response.headers["ETag"] = editing.etag(assessment)
    return views.assessment(assessment)


@router.post(
    "/{assessment_id}/duplicate",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(UnauthorizedError, ForbiddenError, AssessmentNotFoundError),
)
def duplicate_assessment(
    assessment_id: uuid.UUID,
    session: SessionDep,
    principal: Annotated[Principal, allowed(Action.ASSESSMENT_WRITE)],
) -> schemas.AssessmentRead:
    """Copy an assessment (questions, pools, settings) into a new open one."""
    return views.assessment(
        editing.duplicate_assessment(
            session, organization_id=principal.organization_id, assessment_id=assessment_id
        )
    )


@router.post(
    "/{assessment_id}/archive",
    responses=problem_responses(UnauthorizedError, ForbiddenError, AssessmentNotFoundError),
)
def archive_assessment(
    assessment_id: uuid.UUID,
    session: SessionDep,
    principal: Annotated[Principal, allowed(Action.ASSESSMENT_WRITE)],
) -> schemas.AssessmentRead:
    """Close an assessment: no new invitations or starts; started attempts run to their end."""
    return views.assessment(
        editing.archive_assessment(
            session, organization_id=principal.organization_id, assessment_id=assessment_id
        )
    )
