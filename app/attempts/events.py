"""What an attempt's changes tell the outside: webhook events and the Greenhouse completion.

Called by the one function that makes each change, inside its transaction, so the event is
committed with the change or not at all.
"""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.orm import Session

from app.db import utcnow
from app.integrations import callbacks
from app.models import Attempt, AttemptStatus
from app.webhooks import payloads
from app.webhooks.events import WebhookEventType, emit

_CLOSED = {
    AttemptStatus.SUBMITTED: WebhookEventType.ATTEMPT_SUBMITTED,
    AttemptStatus.EXPIRED: WebhookEventType.ATTEMPT_EXPIRED,
}


def started(session: Session, attempt: Attempt) -> None:
    emit(
        session,
        organization_id=attempt.assessment.organization_id,
        type=WebhookEventType.ATTEMPT_STARTED,
        data=payloads.attempt_data(attempt),
    )


def closed(session: Session, attempt: Attempt) -> None:
    """Report a submitted or expired attempt, and its final score if nothing is left to grade."""
    emit(
        session,
        organization_id=attempt.assessment.organization_id,
        type=_CLOSED[AttemptStatus(attempt.status)],
        data=payloads.attempt_data(attempt),
    )
    graded_if_final(session, attempt)


def graded_if_final(session: Session, attempt: Attempt) -> bool:
    """Mark the attempt graded once its score is final (nothing pending); True the one time."""
    score = attempt.score
    if score is None or any(q["status"] == "pending" for q in score.per_question):
        return False
    session.flush()
    now = utcnow()
    # Conditional, so two gradings finishing together report the final score once.
    won = session.execute(
        update(Attempt)
        .where(Attempt.id == attempt.id, Attempt.graded_at.is_(None))
        .values(graded_at=now)
    ).rowcount  # type: ignore[attr-defined]
    if not won:
        return False
    attempt.graded_at = now
    organization_id = attempt.assessment.organization_id
    emit(
        session,
        organization_id=organization_id,
        type=WebhookEventType.ATTEMPT_GRADED,
        data=payloads.attempt_data(attempt, with_score=True),
    )
    callbacks.completion_due(session, attempt_id=attempt.id, at=now)
    return True
