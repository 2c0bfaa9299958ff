"""List and fetch the questions an organization may use: the bank's and its own."""

from __future__ import annotations

import uuid

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from app.errors import QuestionNotFoundError
from app.models import QuestionVersion
from app.pagination import Page, decode_cursor, encode_cursor, page_size


def list_questions(
    session: Session,
    *,
    organization_id: uuid.UUID,
    skill: str | None = None,
    kind: str | None = None,
    difficulty: int | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> Page[QuestionVersion]:
    """Return current questions in id order, filtered, one page after `cursor`."""
    after = decode_cursor(cursor, 1)
    query = _visible_current(organization_id).order_by(QuestionVersion.question_id)
    if kind is not None:
        query = query.where(QuestionVersion.kind == kind)
    if difficulty is not None:
        query = query.where(QuestionVersion.difficulty == difficulty)
    if after is not None:
        query = query.where(QuestionVersion.question_id > after[0])
    size = page_size(limit)
    # Skills are a JSON list; the bank is small enough to filter them here, the same way on
    # SQLite and PostgreSQL.
    rows = [q for q in session.scalars(query) if skill is None or skill in q.skills]
    items = rows[:size]
    next_cursor = encode_cursor(items[-1].question_id) if len(rows) > size else None
    return Page(items, next_cursor)


def get_question(
    session: Session, *, organization_id: uuid.UUID, question_id: str
) -> QuestionVersion:
    question = session.scalar(
        _visible_current(organization_id).where(QuestionVersion.question_id == question_id)
    )
    if question is None:
        raise QuestionNotFoundError(f"No question {question_id!r}.")
    return question


def current_versions(
    session: Session, *, organization_id: uuid.UUID, question_ids: list[str]
) -> dict[str, QuestionVersion]:
    """Map each visible id among `question_ids` to its current version."""
    rows = session.scalars(
        _visible_current(organization_id).where(QuestionVersion.question_id.in_(question_ids))
    )
    return {q.question_id: q for q in rows}


def _visible_current(organization_id: uuid.UUID) -> Select[QuestionVersion]:
    return select(QuestionVersion).where(
        QuestionVersion.is_current.is_(True),
        or_(
            QuestionVersion.organization_id.is_(None),
            QuestionVersion.organization_id == organization_id,
        ),
    )
