"""State transitions happen once, even when two requests read the same old state."""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.orm import Session

from app.attempts import lifecycle
from app.db import utcnow
from app.models import Attempt, AttemptStatus
from tests import factories


def _started(session: Session) -> Attempt:
    org = factories.make_org(session)
    q = factories.make_question(session, factories.single_choice("lc-q", "chain_rule"))
    attempt = factories.make_invitation(
        session, org.organization, factories.make_assessment(session, org.organization, [q])
    ).attempt
    attempt.status = AttemptStatus.STARTED
    attempt.started_at = attempt.deadline = utcnow()
    session.flush()
    return attempt


def test_close_loses_to_a_request_that_closed_first(session: Session) -> None:
    attempt = _started(session)
    # Another request submits between our read and our write: our object still says started.
    session.execute(
        update(Attempt)
        .where(Attempt.id == attempt.id)
        .values(status=AttemptStatus.SUBMITTED, submitted_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    assert attempt.status == AttemptStatus.STARTED
    assert lifecycle.close(session, attempt, status=AttemptStatus.EXPIRED, at=utcnow()) is None
    assert attempt.status == AttemptStatus.SUBMITTED
    assert attempt.score is None, "the loser neither scores nor queues anything"


def test_close_wins_once(session: Session) -> None:
    attempt = _started(session)
    assert lifecycle.close(session, attempt, status=AttemptStatus.SUBMITTED, at=utcnow()) == []
    assert attempt.status == AttemptStatus.SUBMITTED
    assert attempt.score is not None
    assert lifecycle.close(session, attempt, status=AttemptStatus.EXPIRED, at=utcnow()) is None
