"""/api/v1/take/{token}: the candidate's side, authorized by the invitation token alone."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from app.api import schemas, views
from app.api.idempotency import GuardedPosts
from app.api.problems import problem_responses
from app.attempts import flags, integrity
from app.attempts import service as attempts
from app.deps import AutosaveDep, GradingQueueDep, PracticeDep, SessionDep, SettingsDep
from app.errors import (
    AnswerTooLargeError,
    AssessmentClosedError,
    AttemptExpiredError,
    AttemptNotStartedError,
    AttemptSubmittedError,
    InvalidRequestError,
    InvalidResponseError,
    InvitationExpiredError,
    InvitationNotFoundError,
    InvitationRevokedError,
    MalformedRequestError,
    QuestionNotFoundError,
    RevisionConflictError,
)
from app.grading import runs
from app.grading.runs import (
    NotACodingQuestionError,
    RunInProgressError,
    RunLimit,
    RunNotFoundError,
    RunRateLimitedError,
)

router = APIRouter(prefix="/take/{token}", tags=["take"], route_class=GuardedPosts)

_STATE_PROBLEMS = (
    AttemptExpiredError,
    AttemptSubmittedError,
    InvitationNotFoundError,
    InvitationRevokedError,
)


@router.get(
    "",
    responses=problem_responses(
        InvitationNotFoundError,
        InvitationExpiredError,
        InvitationRevokedError,
        AssessmentClosedError,
    ),
)
def get_take(token: str, session: SessionDep) -> schemas.TakeRead:
    """The overview; the questions and saved answers once started."""
    return views.take(attempts.overview(session, token=token))


@router.post(
    "/start",
    responses=problem_responses(*_STATE_PROBLEMS, InvitationExpiredError, AssessmentClosedError),
)
def start_take(token: str, session: SessionDep) -> schemas.TakeRead:
    """Start the clock; returns the deadline and the questions."""
    return views.take(attempts.start(session, token=token))


@router.put(
    "/answers/{question_id}",
    responses=problem_responses(
        *_STATE_PROBLEMS,
        AttemptNotStartedError,
        QuestionNotFoundError,
        InvalidResponseError,
        InvalidRequestError,
        MalformedRequestError,
        RevisionConflictError,
        AnswerTooLargeError,
    ),
)
async def put_answer(
    token: str, question_id: str, body: schemas.AnswerPut, autosave: AutosaveDep
) -> schemas.AnswerSaved:
    """Save a response (autosave); returns its new revision."""
    saved = await autosave.save(
        token=token,
        question_id=question_id,
        response=body.response,
        base_revision=body.base_revision,
    )
    return schemas.AnswerSaved(
        question_id=saved.question_id, revision=saved.revision, saved_at=saved.saved_at
    )


@router.put(
    "/flags/{question_id}",
    responses=problem_responses(
        *_STATE_PROBLEMS, AttemptNotStartedError, QuestionNotFoundError, InvalidRequestError
    ),
)
def put_flag(
    token: str, question_id: str, body: schemas.FlagPut, session: SessionDep
) -> schemas.FlagRead:
    """Flag a question for review, or clear the flag; kept with the attempt."""
    flagged = flags.set_flag(session, token=token, question_id=question_id, flagged=body.flagged)
    return schemas.FlagRead(question_id=question_id, flagged=flagged)


@router.post(
    "/events",
    responses=problem_responses(
        *_STATE_PROBLEMS, AttemptNotStartedError, InvalidRequestError, MalformedRequestError
    ),
)
def post_events(
    token: str, body: schemas.EventsCreate, session: SessionDep
) -> schemas.EventsRecorded:
    """Record a batch of integrity events; past the attempt's cap they are counted, not stored."""
    recorded = integrity.record_events(
        session,
        token=token,
        events=[
            integrity.NewEvent(e.type, e.at, e.question_id, e.length, e.duration_ms)
            for e in body.events
        ],
    )
    return schemas.EventsRecorded(accepted=recorded.accepted, dropped=recorded.dropped)


@router.post("/submit", responses=problem_responses(*_STATE_PROBLEMS, AttemptNotStartedError))
def submit_take(token: str, session: SessionDep, queue: GradingQueueDep) -> schemas.TakeRead:
    """Finish the attempt; grading happens after."""
    attempts.submit(session, token=token, queue=queue)
    return views.take(attempts.overview(session, token=token))


@router.post(
    "/answers/{question_id}/run",
    status_code=202,
    responses=problem_responses(
        *_STATE_PROBLEMS,
        AttemptNotStartedError,
        QuestionNotFoundError,
        NotACodingQuestionError,
        RunInProgressError,
        RunRateLimitedError,
        AnswerTooLargeError,
        InvalidResponseError,
        InvalidRequestError,
    ),
)
def run_public_checks(
    token: str,
    question_id: str,
    body: schemas.RunCreate,
    session: SessionDep,
    queue: GradingQueueDep,
    settings: SettingsDep,
) -> schemas.RunRead:
    """Run the public checks on `source`; poll the run it returns."""
    submission = runs.request_run(
        session,
        token=token,
        question_id=question_id,
        source=body.source,
        language=body.language,
        limit=RunLimit.from_settings(settings),
    )
    queue.enqueue(submission.id, final=False)
    return views.run(submission)


@router.get("/practice", responses=problem_responses(InvitationNotFoundError))
def get_practice(token: str, session: SessionDep, practice: PracticeDep) -> schemas.PracticeRead:
    """The unscored practice task: try the editor and the checks before the clock starts."""
    return views.practice(runs.practice_task(session, token=token, practice=practice))


@router.post(
    "/practice/run",
    status_code=202,
    responses=problem_responses(
        *_STATE_PROBLEMS,
        InvitationExpiredError,
        RunInProgressError,
        RunRateLimitedError,
        AnswerTooLargeError,
        InvalidResponseError,
        InvalidRequestError,
    ),
)
def run_practice(
    token: str,
    body: schemas.RunCreate,
    session: SessionDep,
    queue: GradingQueueDep,
    settings: SettingsDep,
    practice: PracticeDep,
) -> schemas.RunRead:
    """Run the practice task's public checks (never scored); poll the run it returns."""
    submission = runs.request_practice_run(
        session,
        token=token,
        source=body.source,
        language=body.language,
        practice=practice,
        limit=RunLimit.from_settings(settings),
    )
    queue.enqueue(submission.id, final=False)
    return views.run(submission)


@router.get(
    "/runs/{run_id}", responses=problem_responses(InvitationNotFoundError, RunNotFoundError)
)
def get_run(token: str, run_id: uuid.UUID, session: SessionDep) -> schemas.RunRead:
    """A run's status and, once graded, its public report."""
    return views.run(runs.get_run(session, token=token, run_id=run_id))
