"""/api/v1/questions: the bank and the organization's custom questions."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from app.access.policy import Action
from app.access.principal import ForbiddenError, Principal
from app.api import schemas, views
from app.api.problems import problem_responses
from app.bank.schemas import QuestionKind
from app.deps import SessionDep, allowed
from app.errors import InvalidCursorError, QuestionNotFoundError, UnauthorizedError
from app.questions import service as questions
from app.skills import Skill

router = APIRouter(prefix="/questions", tags=["questions"])


@router.get("", responses=problem_responses(UnauthorizedError, ForbiddenError, InvalidCursorError))
def list_questions(
    session: SessionDep,
    principal: Annotated[Principal, allowed(Action.QUESTIONS_READ)],
    skill: Skill | None = None,
    kind: QuestionKind | None = None,
    difficulty: Annotated[int | None, Query(ge=1, le=3)] = None,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> schemas.QuestionPage:
    """List current questions, filtered by skill, kind and difficulty."""
    page = questions.list_questions(
        session,
        organization_id=principal.organization_id,
        skill=skill,
        kind=kind,
        difficulty=difficulty,
        cursor=cursor,
        limit=limit,
    )
    return schemas.QuestionPage(
        items=[views.question(q) for q in page.items], next_cursor=page.next_cursor
    )


@router.get(
    "/{question_id}",
    responses=problem_responses(UnauthorizedError, ForbiddenError, QuestionNotFoundError),
)
def get_question(
    question_id: str,
    session: SessionDep,
    principal: Annotated[Principal, allowed(Action.QUESTIONS_READ)],
) -> schemas.QuestionRead:
    """Get the current version of one question."""
    return views.question(
        questions.get_question(
            session, organization_id=principal.organization_id, question_id=question_id
        )
    )
