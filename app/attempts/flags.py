"""Questions flagged for review, kept with the attempt so a reload or another device sees them."""

from __future__ import annotations

import uuid
from typing import cast

from sqlalchemy import Table, delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from app.attempts import lifecycle, lookups
from app.db import utcnow
from app.errors import QuestionNotFoundError
from app.models import Attempt, QuestionFlag

_flag = cast(Table, QuestionFlag.__table__)


def set_flag(session: Session, *, token: str, question_id: str, flagged: bool) -> bool:
    """Flag or unflag one question of a started attempt; setting the same state again is a no-op."""
    ref = lookups.attempt_ref(session, token)
    if question_id not in lookups.question_specs(session, ref.attempt_id):
        raise QuestionNotFoundError(f"The assessment has no question {question_id!r}.")
    attempt = session.get(Attempt, ref.attempt_id)
    assert attempt is not None, "a resolved token always names an attempt"
    now = utcnow()
    lifecycle.ensure_writable(session, attempt, now)
    if flagged:
        insert = (
            postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
        )
        # Two tabs flagging at once both succeed: the second insert is ignored, not an error.
        session.execute(
            insert(_flag)
            .values(attempt_id=attempt.id, question_id=question_id, flagged_at=now)
            .on_conflict_do_nothing()
        )
    else:
        session.execute(
            delete(QuestionFlag).where(
                QuestionFlag.attempt_id == attempt.id, QuestionFlag.question_id == question_id
            )
        )
    session.commit()
    return flagged


def flagged_questions(session: Session, attempt_id: uuid.UUID) -> list[str]:
    """The flagged question ids of an attempt, in the order they were flagged."""
    return list(
        session.scalars(
            select(QuestionFlag.question_id)
            .where(QuestionFlag.attempt_id == attempt_id)
            .order_by(QuestionFlag.flagged_at, QuestionFlag.question_id)
        )
    )
