"""/api/v1/attempts: an attempt's status, score and per-question results."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter

from app.access.policy import Action
from app.access.principal import ForbiddenError, Principal
from app.api import schemas, views
from app.api.idempotency import GuardedPosts
from app.api.problems import problem_responses
from app.attempts import service as attempts
from app.deps import SessionDep, allowed
from app.errors import AttemptNotFoundError, QuestionNotFoundError, UnauthorizedError
from app.reports import cohort

router = APIRouter(prefix="/attempts", tags=["attempts"], route_class=GuardedPosts)


@router.get(
    "/{attempt_id}",
    responses=problem_responses(UnauthorizedError, ForbiddenError, AttemptNotFoundError),
)
def get_attempt(
    attempt_id: uuid.UUID,
    session: SessionDep,
    principal: Annotated[Principal, allowed(Action.RESULTS_READ)],
) -> schemas.AttemptRead:
    """Get an attempt's score, per-skill breakdown and standing, per-question results, signals."""
    detail = attempts.attempt_detail(
        session, organization_id=principal.organization_id, attempt_id=attempt_id
    )
    standing = cohort.standing(session, detail.attempt)
    return views.attempt(detail.attempt, detail.integrity, standing)


@router.get(
    "/{attempt_id}/questions/{question_id}/history",
    responses=problem_responses(
        UnauthorizedError, ForbiddenError, AttemptNotFoundError, QuestionNotFoundError
    ),
)
def get_code_history(
    attempt_id: uuid.UUID,
    question_id: str,
    session: SessionDep,
    principal: Annotated[Principal, allowed(Action.RESULTS_READ)],
) -> schemas.CodeHistoryRead:
    """Every kept revision of a coding answer, oldest first, to replay how the code evolved."""
    revisions = attempts.code_history(
        session,
        organization_id=principal.organization_id,
        attempt_id=attempt_id,
        question_id=question_id,
    )
    return schemas.CodeHistoryRead(
        items=[
            schemas.CodeRevisionRead(
                revision=r.revision, saved_at=r.saved_at, source=r.source, language=r.language
            )
            for r in revisions
        ]
    )
