"""Saving an answer: the hottest write in the product, one prebuilt statement per save.

The statement inserts or updates the answer only while the attempt is started and before its
deadline, and (when the client names the revision it edited) only if that is still the stored
revision: state checks and the write are one atomic SQL statement, with no ORM round trips.
A coding answer adds one more prebuilt statement, which keeps its code history.
save_answer runs them on a session; app/attempts/autosave.py runs them on asyncpg as well.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NoReturn, cast

from sqlalchemy import Insert, Integer, Table, bindparam, literal, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from app.attempts import history, lifecycle, lookups
from app.attempts.responses import QuestionSpec, normalize_response
from app.bank.schemas import QuestionKind
from app.db import utcnow
from app.errors import QuestionNotFoundError, RevisionConflictError
from app.models import Answer, Attempt, AttemptStatus

_answer = cast(Table, Answer.__table__)
_attempt = cast(Table, Attempt.__table__)


@dataclass(frozen=True)
class SavedAnswer:
    question_id: str
    revision: int
    saved_at: datetime


@dataclass(frozen=True)
class AnswerWrite:
    """One save, its question found and its response normalized: what the statements write."""

    attempt_id: uuid.UUID
    question_id: str
    response: dict[str, Any]
    base_revision: int | None
    coding: bool
    now: datetime

    def upsert_params(self) -> dict[str, Any]:
        return {
            "answer_id": uuid.uuid4(),
            "attempt_id": self.attempt_id,
            "question_id": self.question_id,
            "response": self.response,
            "now": self.now,
            "base": self.base_revision,
        }

    def history_params(self, revision: int) -> dict[str, Any]:
        return {
            "attempt_id": self.attempt_id,
            "question_id": self.question_id,
            "revision": revision,
            "source": self.response["source"],
            "language": self.response["language"],
            "now": self.now,
        }

    def saved(self, revision: int) -> SavedAnswer:
        return SavedAnswer(self.question_id, revision, self.now)


def check_write(
    ref: lookups.AttemptRef,
    specs: dict[str, QuestionSpec],
    *,
    question_id: str,
    response: dict[str, Any],
    base_revision: int | None,
) -> AnswerWrite:
    """The write a save makes, or the problem with its question or response."""
    spec = specs.get(question_id)
    if spec is None:
        raise QuestionNotFoundError(f"The assessment has no question {question_id!r}.")
    return AnswerWrite(
        attempt_id=ref.attempt_id,
        question_id=question_id,
        response=normalize_response(spec, response),
        base_revision=base_revision,
        coding=spec.kind is QuestionKind.CODING,
        now=utcnow(),
    )


def refuse(session: Session, write: AnswerWrite) -> NoReturn:
    """The cold path, when the upsert wrote nothing: say why (not started, over, or conflict)."""
    lifecycle.refuse_write(session, write.attempt_id, write.now)
    raise RevisionConflictError(
        f"Revision {write.base_revision} is no longer current.", question_id=write.question_id
    )


def save_answer(
    session: Session,
    *,
    token: str,
    question_id: str,
    response: dict[str, Any],
    base_revision: int | None,
) -> SavedAnswer:
    """Upsert the response; refuse it after submit or deadline, or on a stale base revision."""
    ref = lookups.attempt_ref(session, token)
    write = check_write(
        ref,
        lookups.question_specs(session, ref.attempt_id),
        question_id=question_id,
        response=response,
        base_revision=base_revision,
    )
    dialect = session.get_bind().dialect.name
    statement = upsert_statement(dialect, checked=base_revision is not None)
    revision = session.connection().execute(statement, write.upsert_params()).scalar()
    if revision is None:
        refuse(session, write)
    if write.coding:
        # Same transaction: the upsert's row lock orders concurrent saves of this answer.
        session.connection().execute(
            history.statement(dialect), write.history_params(int(revision))
        )
    session.commit()
    return write.saved(int(revision))


_statements: dict[tuple[str, bool], Insert] = {}


def upsert_statement(dialect: str, *, checked: bool) -> Insert:
    """The answer's upsert; `checked` adds the stale-revision condition."""
    key = (dialect, checked)
    if key not in _statements:
        _statements[key] = _build_upsert(dialect, checked=checked)
    return _statements[key]


def _build_upsert(dialect: str, *, checked: bool) -> Insert:
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    now = bindparam("now", type_=_answer.c.updated_at.type)
    open_attempt = select(
        bindparam("answer_id", type_=_answer.c.id.type),
        _attempt.c.id,
        bindparam("question_id", type_=_answer.c.question_id.type),
        bindparam("response", type_=_answer.c.response.type),
        literal(1, Integer),
        now,
    ).where(
        _attempt.c.id == bindparam("attempt_id", type_=_attempt.c.id.type),
        _attempt.c.status == AttemptStatus.STARTED.value,
        _attempt.c.deadline > now,
    )
    statement = insert(_answer).from_select(
        ["id", "attempt_id", "question_id", "response", "revision", "updated_at"], open_attempt
    )
    where = _answer.c.revision == bindparam("base", type_=Integer) if checked else None
    return statement.on_conflict_do_update(
        index_elements=["attempt_id", "question_id"],
        set_={
            "response": statement.excluded.response,
            "revision": _answer.c.revision + 1,
            "updated_at": statement.excluded.updated_at,
        },
        where=where,
    ).returning(_answer.c.revision)
