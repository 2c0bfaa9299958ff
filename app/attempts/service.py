"""Taking an assessment (overview, start, submit) and reading attempts back for recruiters."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, joinedload, selectinload

from app.assessments import service as assessments
from app.attempts import events as attempt_events
from app.attempts import flags, history, integrity, lifecycle, lookups, results
from app.attempts.presentation import candidate_question
from app.db import utcnow
from app.errors import AttemptNotFoundError, AttemptSubmittedError
from app.grading.queue import GradingQueue
from app.models import (
    Answer,
    AnswerRevision,
    Assessment,
    Attempt,
    AttemptItem,
    AttemptStatus,
    Score,
)
from app.pagination import Page, oldest_first


@dataclass(frozen=True)
class CandidateView:
    attempt: Attempt
    questions: list[dict[str, Any]] | None  # only once started
    # question id -> {response, revision}, and for coding answers {drafts: {language: source}}
    answers: dict[str, dict[str, Any]]
    flagged: list[str] = field(default_factory=list)
    result: Score | None = None  # only when the assessment shows it and all is graded


def overview(session: Session, *, token: str) -> CandidateView:
    """What the candidate sees on opening the link; questions and saved answers once started."""
    attempt = _attempt_for_token(session, token)
    lifecycle.ensure_not_revoked(attempt)
    lifecycle.close_if_expired(session, attempt)
    if attempt.status == AttemptStatus.INVITED:
        lifecycle.ensure_invitation_valid(attempt)
        return CandidateView(attempt, None, {})
    return _started_view(session, attempt)


def start(session: Session, *, token: str) -> CandidateView:
    """Start the clock (once; starting again returns the same deadline)."""
    attempt = _attempt_for_token(session, token)
    if attempt.status == AttemptStatus.INVITED:
        lifecycle.ensure_invitation_valid(attempt)
        now = utcnow()
        # The candidate's accommodation (extra time) lengthens their own clock only.
        minutes = attempt.assessment.time_limit_minutes + attempt.invitation.extra_minutes
        # Starting twice at once keeps the first clock: the second request loses the race.
        if lifecycle.transition(
            session,
            attempt,
            old=AttemptStatus.INVITED,
            status=AttemptStatus.STARTED,
            started_at=now,
            deadline=now + timedelta(minutes=minutes),
        ):
            attempt_events.started(session, attempt)
        session.commit()
    else:
        lifecycle.ensure_writable(session, attempt, utcnow())
    return _started_view(session, attempt)


def submit(session: Session, *, token: str, queue: GradingQueue) -> Attempt:
    """Finish the attempt, score what can be scored now and queue the code for grading."""
    attempt = _attempt_for_token(session, token)
    lifecycle.ensure_writable(session, attempt, utcnow())
    submission_ids = lifecycle.close(session, attempt, status=AttemptStatus.SUBMITTED, at=utcnow())
    if submission_ids is None:
        raise AttemptSubmittedError("This attempt was just submitted by another request.")
    session.commit()
    for submission_id in submission_ids:
        queue.enqueue(submission_id, final=True)
    return attempt


def get_attempt(session: Session, *, organization_id: uuid.UUID, attempt_id: uuid.UUID) -> Attempt:
    """Return an attempt of this organization, closing it first if its deadline passed."""
    attempt = session.scalar(_org_attempts(organization_id).where(Attempt.id == attempt_id))
    if attempt is None:
        raise AttemptNotFoundError(f"No attempt {attempt_id}.")
    lifecycle.close_if_expired(session, attempt)
    return attempt


@dataclass(frozen=True)
class AttemptDetail:
    attempt: Attempt
    integrity: integrity.IntegritySummary


def attempt_detail(
    session: Session, *, organization_id: uuid.UUID, attempt_id: uuid.UUID
) -> AttemptDetail:
    """An attempt of this organization with its integrity signals."""
    attempt = get_attempt(session, organization_id=organization_id, attempt_id=attempt_id)
    return AttemptDetail(attempt, integrity.summary(session, attempt))


def code_history(
    session: Session, *, organization_id: uuid.UUID, attempt_id: uuid.UUID, question_id: str
) -> list[AnswerRevision]:
    """The kept revisions of a question's code in an attempt of this organization, oldest first."""
    attempt = get_attempt(session, organization_id=organization_id, attempt_id=attempt_id)
    return history.code_history(
        session,
        attempt_id=attempt.id,
        question_id=question_id,
    )


def list_results(
    session: Session,
    *,
    organization_id: uuid.UUID,
    assessment_id: uuid.UUID,
    cursor: str | None,
    limit: int,
    filters: results.ResultsFilter | None = None,
) -> Page[results.ResultRow]:
    """One row per attempt of an assessment, oldest invitation first, narrowed by `filters`."""
    assessment = assessments.get_assessment(
        session, organization_id=organization_id, assessment_id=assessment_id
    )
    query = results.filtered_attempts(assessment, filters or results.ResultsFilter())
    page = oldest_first(session, query, Attempt, cursor, limit)
    return Page(results.rows_of(session, page.items), page.next_cursor)


def answers_of(session: Session, attempt_id: uuid.UUID) -> dict[str, Answer]:
    return {
        a.question_id: a
        for a in session.scalars(select(Answer).where(Answer.attempt_id == attempt_id))
    }


def _org_attempts(organization_id: uuid.UUID) -> Select[Attempt]:
    return (
        select(Attempt)
        .join(Assessment, Assessment.id == Attempt.assessment_id)
        .where(Assessment.organization_id == organization_id)
        .options(joinedload(Attempt.candidate), joinedload(Attempt.score))
    )


def _attempt_for_token(session: Session, token: str) -> Attempt:
    ref = lookups.attempt_ref(session, token)
    attempt = session.scalar(
        select(Attempt)
        .where(Attempt.id == ref.attempt_id)
        .options(
            joinedload(Attempt.invitation),
            joinedload(Attempt.assessment),
            selectinload(Attempt.items).joinedload(AttemptItem.question),
        )
    )
    if attempt is None:
        raise AttemptNotFoundError()
    return attempt


def _started_view(session: Session, attempt: Attempt) -> CandidateView:
    shuffle = attempt.assessment.shuffle_choices
    questions = [candidate_question(i.question, attempt.seed, shuffle) for i in attempt.items]
    drafts = history.latest_drafts(session, attempt_id=attempt.id)
    answers = {
        qid: {"response": a.response, "revision": a.revision}
        | ({"drafts": drafts[qid]} if qid in drafts else {})
        for qid, a in answers_of(session, attempt.id).items()
    }
    return CandidateView(
        attempt,
        questions,
        answers,
        flagged=flags.flagged_questions(session, attempt.id),
        result=visible_result(attempt),
    )


def visible_result(attempt: Attempt) -> Score | None:
    """The score a candidate may see: after the end, if allowed, once nothing is still grading."""
    score = attempt.score
    if (
        score is None
        or not attempt.assessment.candidates_see_results
        or attempt.status not in (AttemptStatus.SUBMITTED, AttemptStatus.EXPIRED)
    ):
        return None
    if any(q["status"] == "pending" for q in score.per_question):
        return None
    return score
