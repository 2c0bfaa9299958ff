"""/api/v1/assessments: compose, read, change, duplicate, archive."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Header, Query, Response, status

from app.access.policy import Action
from app.access.principal import ForbiddenError, Principal
from app.api import schemas, views
from app.api.assessment_schemas import AssessmentPatch, PoolIn
from app.api.idempotency import GuardedPosts
from app.api.problems import problem_responses
from app.assessments import editing, totals
from app.assessments import service as assessments
from app.assessments.editing import FormChange, PreconditionFailedError, QuestionsLockedError
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
from app.models import Assessment

router = APIRouter(prefix="/assessments", tags=["assessments"], route_class=GuardedPosts)


def _pool(pool: PoolIn) -> Pool:
    return Pool(pool.kind, pool.skill.value, pool.difficulty, pool.count)


def _read(session: SessionDep, assessment: Assessment) -> schemas.AssessmentRead:
    return views.assessment(
        assessment,
        totals.assessment_totals(session, assessment),
        totals.activity_of(session, [assessment.id])[assessment.id],
    )


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
        pools=[_pool(p) for p in body.pools],
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
    return _read(session, assessment)


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
    sums = totals.totals_of(session, principal.organization_id, page.items)
    activity = totals.activity_of(session, [a.id for a in page.items])
    return schemas.AssessmentPage(
        items=[views.assessment(a, sums[a.id], activity[a.id]) for a in page.items],
        next_cursor=page.next_cursor,
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
    return _read(session, assessment)


@router.patch(
    "/{assessment_id}",
    responses=problem_responses(
        UnauthorizedError,
        ForbiddenError,
        AssessmentNotFoundError,
        PreconditionFailedError,
        QuestionsLockedError,
        UnknownQuestionsError,
        DuplicateQuestionsError,
        EmptyAssessmentError,
        PoolUnavailableError,
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
    """Change settings, or the questions and pools before any invitation; `If-Match` guards."""
    form = None
    if body.question_ids is not None or body.pools is not None:
        pools = None if body.pools is None else [_pool(p) for p in body.pools]
        form = FormChange(question_ids=body.question_ids, pools=pools)
    assessment = editing.update_assessment(
        session,
        organization_id=principal.organization_id,
        assessment_id=assessment_id,
        changes=body.changes(),
        form=form,
        if_match=if_match,
    )
    response.headers["ETag"] = editing.etag(assessment)
    return _read(session, assessment)


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
    copy = editing.duplicate_assessment(
        session, organization_id=principal.organization_id, assessment_id=assessment_id
    )
    return _read(session, copy)


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
    archived = editing.archive_assessment(
        session, organization_id=principal.organization_id, assessment_id=assessment_id
    )
    return _read(session, archived)
