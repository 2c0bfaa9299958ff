"""/api/v1/preview/{token}: the test page's calls in a preview, answered without storing.

The routes mirror /api/v1/take/{token} so the candidate's own page and script run unchanged;
the signed token is the credential, and every answer is checked as the real test checks it.
"""

from __future__ import annotations

from fastapi import APIRouter

from app.api import schemas
from app.api.idempotency import GuardedPosts
from app.api.preview_schemas import PreviewRead
from app.api.problems import problem_responses
from app.assessments import preview
from app.assessments.forms import PoolUnavailableError
from app.assessments.preview import (
    PreviewExpiredError,
    PreviewNotFoundError,
    PreviewRunsUnavailableError,
    PreviewView,
)
from app.db import utcnow
from app.deps import SessionDep, SettingsDep
from app.errors import (
    AnswerTooLargeError,
    AssessmentNotFoundError,
    AttemptExpiredError,
    InvalidRequestError,
    InvalidResponseError,
    MalformedRequestError,
    QuestionNotFoundError,
)
from app.settings import Settings

router = APIRouter(prefix="/preview/{token}", tags=["preview"], route_class=GuardedPosts)

_TOKEN_PROBLEMS = (
    PreviewNotFoundError,
    PreviewExpiredError,
    AssessmentNotFoundError,
    PoolUnavailableError,
)


def _secret(settings: Settings) -> str:
    return settings.secret_key.get_secret_value()


def _read(view: PreviewView, status: str = "started") -> PreviewRead:
    a = view.assessment
    coding = sum(q.kind == "coding" for q in view.form)
    covered = {s for q in view.form for s in q.skills}
    return PreviewRead(
        status=status,
        server_time=utcnow(),
        assessment=schemas.TakeAssessment(
            title=a.title,
            time_limit_minutes=view.ticket.time_limit_minutes,
            question_count=len(view.form),
            skills=sorted(covered),
            concept_count=len(view.form) - coding,
            coding_count=coding,
            candidates_see_results=a.candidates_see_results,
        ),
        started_at=view.ticket.started_at,
        deadline=view.ticket.deadline,
        questions=view.questions,
        answers={},
        flagged=[],
    )


@router.get("", responses=problem_responses(*_TOKEN_PROBLEMS))
def get_preview(token: str, session: SessionDep, settings: SettingsDep) -> PreviewRead:
    """The preview's questions and clock, as a started attempt's."""
    return _read(preview.open_preview(session, secret=_secret(settings), token=token))


@router.put(
    "/answers/{question_id}",
    responses=problem_responses(
        *_TOKEN_PROBLEMS,
        AttemptExpiredError,
        QuestionNotFoundError,
        InvalidResponseError,
        InvalidRequestError,
        MalformedRequestError,
        AnswerTooLargeError,
    ),
)
def put_preview_answer(
    token: str,
    question_id: str,
    body: schemas.AnswerPut,
    session: SessionDep,
    settings: SettingsDep,
) -> schemas.AnswerSaved:
    """Check a response as the test would; nothing is stored."""
    preview.check_answer(
        session,
        secret=_secret(settings),
        token=token,
        question_id=question_id,
        response=body.response,
    )
    revision = (body.base_revision or 0) + 1
    return schemas.AnswerSaved(question_id=question_id, revision=revision, saved_at=utcnow())


@router.put(
    "/flags/{question_id}",
    responses=problem_responses(*_TOKEN_PROBLEMS, QuestionNotFoundError, InvalidRequestError),
)
def put_preview_flag(
    token: str, question_id: str, body: schemas.FlagPut, session: SessionDep, settings: SettingsDep
) -> schemas.FlagRead:
    """Flag a question for review in the page; nothing is stored."""
    view = preview.open_preview(session, secret=_secret(settings), token=token)
    if all(q.question_id != question_id for q in view.form):
        raise QuestionNotFoundError(f"The assessment has no question {question_id!r}.")
    return schemas.FlagRead(question_id=question_id, flagged=body.flagged)


@router.post(
    "/events",
    responses=problem_responses(*_TOKEN_PROBLEMS, InvalidRequestError, MalformedRequestError),
)
def post_preview_events(
    token: str, body: schemas.EventsCreate, settings: SettingsDep
) -> schemas.EventsRecorded:
    """Integrity events of a preview are dropped: it is not a candidate's attempt."""
    preview.read_token(_secret(settings), token)
    return schemas.EventsRecorded(accepted=0, dropped=len(body.events))


@router.post("/submit", responses=problem_responses(*_TOKEN_PROBLEMS))
def submit_preview(token: str, session: SessionDep, settings: SettingsDep) -> PreviewRead:
    """End the preview; nothing is graded or kept."""
    view = preview.open_preview(session, secret=_secret(settings), token=token)
    return _read(view, status="submitted")


@router.post(
    "/answers/{question_id}/run",
    status_code=202,
    responses=problem_responses(*_TOKEN_PROBLEMS, PreviewRunsUnavailableError, InvalidRequestError),
)
def run_preview_checks(token: str, question_id: str, settings: SettingsDep) -> schemas.RunRead:
    """Refused: public checks need a stored submission, and a preview stores nothing."""
    preview.read_token(_secret(settings), token)
    preview.refuse_run(question_id)
