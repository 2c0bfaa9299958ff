"""List, search and fetch the questions an organization may use: the bank's and its own."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from app.errors import QuestionNotFoundError
from app.models import QuestionVersion
from app.pagination import Page, decode_cursor, encode_cursor, page_size

SOURCES = ("bank", "custom")
_MAX_TEXT_QUERY = 200


def search_questions(
    session: Session,
    organization_id: uuid.UUID,
    *,
    skill: str | None = None,
    difficulty: int | None = None,
    kind: str | None = None,
    text: str | None = None,
    source: str | None = None,
    include_archived: bool = False,
) -> list[QuestionVersion]:
    """Every current question this organization may use that matches, in id order.

    `text` matches, case-insensitively, words anywhere in the id, prompt, title, statement,
    choices and tags (every word must appear). Archived custom questions only with
    `include_archived`.
    """
    query = _visible_current(organization_id, include_archived=include_archived).order_by(
        QuestionVersion.question_id
    )
    if kind is not None:
        query = query.where(QuestionVersion.kind == kind)
    if difficulty is not None:
        query = query.where(QuestionVersion.difficulty == difficulty)
    if source is not None:
        query = query.where(QuestionVersion.source == source)
    return list(_matching(session.scalars(query), skill=skill, text=text))


def list_questions(
    session: Session,
    *,
    organization_id: uuid.UUID,
    skill: str | None = None,
    kind: str | None = None,
    difficulty: int | None = None,
    text: str | None = None,
    source: str | None = None,
    include_archived: bool = False,
    cursor: str | None = None,
    limit: int = 50,
) -> Page[QuestionVersion]:
    """Return current questions in id order, filtered, one page after `cursor`."""
    after = decode_cursor(cursor, 1)
    rows = search_questions(
        session,
        organization_id,
        skill=skill,
        difficulty=difficulty,
        kind=kind,
        text=text,
        source=source,
        include_archived=include_archived,
    )
    if after is not None:
        rows = [q for q in rows if q.question_id > after[0]]
    size = page_size(limit)
    items = rows[:size]
    next_cursor = encode_cursor(items[-1].question_id) if len(rows) > size else None
    return Page(items, next_cursor)


def get_question(
    session: Session, *, organization_id: uuid.UUID, question_id: str
) -> QuestionVersion:
    """The current version of a question, archived ones included (they still have a page)."""
    question = session.scalar(
        _visible_current(organization_id, include_archived=True).where(
            QuestionVersion.question_id == question_id
        )
    )
    if question is None:
        raise QuestionNotFoundError(f"No question {question_id!r}.")
    return question


def current_versions(
    session: Session, *, organization_id: uuid.UUID, question_ids: list[str]
) -> dict[str, QuestionVersion]:
    """Map each visible, unarchived id among `question_ids` to its current version."""
    rows = session.scalars(
        _visible_current(organization_id).where(QuestionVersion.question_id.in_(question_ids))
    )
    return {q.question_id: q for q in rows}


def searchable_text(question: QuestionVersion) -> str:
    """The words a text search looks through, lower-cased."""
    content = question.content
    parts = [
        question.question_id,
        str(content.get("prompt") or ""),
        str(content.get("title") or ""),
        str(content.get("statement") or ""),
        *(str(c.get("text", "")) for c in content.get("choices") or []),
        *(str(t) for t in content.get("tags") or []),
    ]
    return " ".join(parts).lower()


def _matching(
    rows: Iterable[QuestionVersion], *, skill: str | None, text: str | None
) -> Iterable[QuestionVersion]:
    # Skills are a JSON list and text spans several content fields; the bank is small enough
    # (a few hundred rows) to filter here, the same way on SQLite and PostgreSQL.
    words = (text or "")[:_MAX_TEXT_QUERY].lower().split()
    for q in rows:
        if skill is not None and skill not in q.skills:
            continue
        if words:
            haystack = searchable_text(q)
            if not all(w in haystack for w in words):
                continue
        yield q


def _visible_current(
    organization_id: uuid.UUID, *, include_archived: bool = False
) -> Select[QuestionVersion]:
    query = select(QuestionVersion).where(
        QuestionVersion.is_current.is_(True),
        or_(
            QuestionVersion.organization_id.is_(None),
            QuestionVersion.organization_id == organization_id,
        ),
    )
    if not include_archived:
        query = query.where(QuestionVersion.archived_at.is_(None))
    return query
