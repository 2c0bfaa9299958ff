"""/api/v1/questions: the bank and the organization's custom questions."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Query, Response

from app.access.policy import Action
from app.access.principal import ForbiddenError, Principal
from app.api import question_bodies as bodies
from app.api import schemas, views
from app.api.idempotency import GuardedPosts
from app.api.problems import problem_responses
from app.bank.schemas import QuestionKind
from app.deps import CheckQueueDep, SessionDep, allowed
from app.errors import (
    InvalidCursorError,
    InvalidRequestError,
    QuestionNotFoundError,
    UnauthorizedError,
)
from app.questions import authoring
from app.questions import service as questions
from app.questions.errors import (
    QuestionArchivedError,
    QuestionChangedError,
    QuestionInvalidError,
    QuestionNotCustomError,
    ValidationNotFoundError,
)
from app.skills import Skill

router = APIRouter(prefix="/questions", tags=["questions"], route_class=GuardedPosts)
_WRITE_PROBLEMS = (UnauthorizedError, ForbiddenError, QuestionInvalidError, InvalidRequestError)


@router.get("", responses=problem_responses(UnauthorizedError, ForbiddenError, InvalidCursorError))
def list_questions(
    session: SessionDep,
    principal: Annotated[Principal, allowed(Action.QUESTIONS_READ)],
    skill: Skill | None = None,
    kind: QuestionKind | None = None,
    difficulty: Annotated[int | None, Query(ge=1, le=3)] = None,
    text: Annotated[str | None, Query(max_length=200, description="words to find")] = None,
    source: Annotated[str | None, Query(pattern="^(bank|custom)$")] = None,
    include_archived: bool = False,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> schemas.QuestionPage:
    """List current questions, filtered by skill, kind, difficulty, source and text."""
    page = questions.list_questions(
        session,
        organization_id=principal.organization_id,
        skill=skill,
        kind=kind,
        difficulty=difficulty,
        text=text,
        source=source,
        include_archived=include_archived,
        cursor=cursor,
        limit=limit,
    )
    return schemas.QuestionPage(
        items=[views.question(q) for q in page.items], next_cursor=page.next_cursor
    )


@router.post("", status_code=201, responses=problem_responses(*_WRITE_PROBLEMS))
def create_question(
    draft: bodies.QuestionDraftIn,
    response: Response,
    session: SessionDep,
    checks: CheckQueueDep,
    principal: Annotated[Principal, allowed(Action.QUESTIONS_WRITE)],
) -> bodies.QuestionAuthored:
    """Add a custom question; a coding task answers 202 and waits for the judge's check."""
    done = authoring.create_question(
        session, organization_id=principal.organization_id, draft=draft
    )
    return _authored(session, done, response, checks)


@router.get(
    "/{question_id}",
    responses=problem_responses(UnauthorizedError, ForbiddenError, QuestionNotFoundError),
)
def get_question(
    question_id: str,
    response: Response,
    session: SessionDep,
    principal: Annotated[Principal, allowed(Action.QUESTIONS_READ)],
) -> bodies.QuestionDetail:
    """Get the current version of one question; its ETag guards edits (`PUT` with If-Match)."""
    q = questions.get_question(
        session, organization_id=principal.organization_id, question_id=question_id
    )
    latest = authoring.latest_validation(
        session, organization_id=principal.organization_id, question_id=question_id
    )
    response.headers["ETag"] = authoring.etag(
        session, organization_id=principal.organization_id, question_id=question_id
    )
    return bodies.detail(q, views.question(q), latest)


@router.put(
    "/{question_id}",
    responses=problem_responses(
        *_WRITE_PROBLEMS,
        QuestionNotFoundError,
        QuestionNotCustomError,
        QuestionArchivedError,
        QuestionChangedError,
    ),
)
def update_question(
    question_id: str,
    draft: bodies.QuestionDraftIn,
    response: Response,
    session: SessionDep,
    checks: CheckQueueDep,
    principal: Annotated[Principal, allowed(Action.QUESTIONS_WRITE)],
    if_match: Annotated[str | None, Header()] = None,
) -> bodies.QuestionAuthored:
    """Edit a custom question (a new version; attempts keep theirs); `If-Match` guards."""
    done = authoring.update_question(
        session,
        organization_id=principal.organization_id,
        question_id=question_id,
        draft=draft,
        if_match=if_match,
    )
    authored = _authored(session, done, response, checks)
    response.headers["ETag"] = authoring.etag(
        session, organization_id=principal.organization_id, question_id=question_id
    )
    return authored


@router.post(
    "/{question_id}/archive",
    responses=problem_responses(
        UnauthorizedError, ForbiddenError, QuestionNotFoundError, QuestionNotCustomError
    ),
)
def archive_question(
    question_id: str,
    session: SessionDep,
    principal: Annotated[Principal, allowed(Action.QUESTIONS_WRITE)],
) -> bodies.QuestionDetail:
    """Archive a custom question: out of the library and new assessments; pinned ones keep it."""
    q = authoring.archive_question(
        session, organization_id=principal.organization_id, question_id=question_id
    )
    return bodies.detail(q, views.question(q), None)


@router.get(
    "/{question_id}/validation",
    responses=problem_responses(UnauthorizedError, ForbiddenError, ValidationNotFoundError),
)
def get_validation(
    question_id: str,
    session: SessionDep,
    principal: Annotated[Principal, allowed(Action.QUESTIONS_READ)],
) -> bodies.ValidationRead:
    """The latest check by the judge of a custom coding task (poll it after a 202)."""
    latest = authoring.latest_validation(
        session, organization_id=principal.organization_id, question_id=question_id
    )
    if latest is None:
        raise ValidationNotFoundError(f"No check of {question_id!r}.")
    return bodies.validation(latest)


def _authored(
    session: SessionDep,
    done: authoring.Authored,
    response: Response,
    checks: CheckQueueDep,
) -> bodies.QuestionAuthored:
    if done.validation is not None:
        checks.enqueue(done.validation.id)  # after the commit: the queue carries only the id
        response.status_code = 202
        session.refresh(done.validation)
        return bodies.QuestionAuthored(
            question_id=done.question_id,
            status="validating",
            question=None,
            validation=bodies.validation(done.validation),
        )
    assert done.version is not None  # a concept question is made at once
    return bodies.QuestionAuthored(
        question_id=done.question_id,
        status="ready",
        question=bodies.detail(done.version, views.question(done.version), None),
        validation=None,
    )
