"""Code history: every saved revision of a coding answer, deduplicated, the latest 200 kept.

The write rides on the autosave hot path, so it is one prebuilt statement: it inserts the
source (with its language) only when it differs from the last kept one, into a ring of
HISTORY_SLOTS slots per question and language (the newest overwrites the oldest), so the bound
holds without a DELETE and the latest draft in each language is never pushed out by another.
"""

from __future__ import annotations

import uuid
from typing import cast

from sqlalchemy import Insert, Integer, Table, bindparam, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from app.attempts import lookups
from app.errors import QuestionNotFoundError
from app.models import AnswerRevision

HISTORY_SLOTS = 200

_revision = cast(Table, AnswerRevision.__table__)
_statements: dict[str, Insert] = {}


def statement(dialect: str) -> Insert:
    """The history's insert, run after the answer's upsert in the same transaction."""
    built = _statements.get(dialect)
    if built is None:
        built = _statements[dialect] = _build(dialect)
    return built


def code_history(
    session: Session, *, attempt_id: uuid.UUID, question_id: str
) -> list[AnswerRevision]:
    """The kept revisions of one question of an attempt, oldest first."""
    if question_id not in lookups.question_specs(session, attempt_id):
        raise QuestionNotFoundError(f"The assessment has no question {question_id!r}.")
    return list(
        session.scalars(
            select(AnswerRevision)
            .where(
                AnswerRevision.attempt_id == attempt_id,
                AnswerRevision.question_id == question_id,
            )
            .order_by(AnswerRevision.seq)
        )
    )


def latest_drafts(session: Session, *, attempt_id: uuid.UUID) -> dict[str, dict[str, str]]:
    """The newest kept source of each coding question of an attempt, per language."""
    newest = (
        select(
            _revision.c.question_id,
            _revision.c.language,
            func.max(_revision.c.seq).label("seq"),
        )
        .where(_revision.c.attempt_id == attempt_id)
        .group_by(_revision.c.question_id, _revision.c.language)
        .subquery("newest")
    )
    rows = session.execute(
        select(_revision.c.question_id, _revision.c.language, _revision.c.source).join(
            newest,
            (_revision.c.attempt_id == attempt_id)
            & (_revision.c.question_id == newest.c.question_id)
            & (_revision.c.seq == newest.c.seq),
        )
    )
    drafts: dict[str, dict[str, str]] = {}
    for question_id, language, source in rows:
        drafts.setdefault(question_id, {})[language] = source
    return drafts


def _build(dialect: str) -> Insert:
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    attempt_id = bindparam("attempt_id", type_=_revision.c.attempt_id.type)
    question_id = bindparam("question_id", type_=_revision.c.question_id.type)
    source = bindparam("source", type_=_revision.c.source.type)
    language = bindparam("language", type_=_revision.c.language.type)
    mine = (_revision.c.attempt_id == attempt_id) & (_revision.c.question_id == question_id)
    # The question's last kept sequence number (0 before the first), found through the
    # unique (attempt_id, question_id, seq) index.
    last = (
        select(func.coalesce(func.max(_revision.c.seq), 0).label("seq"))
        .where(mine)
        .subquery("last")
    )
    # Is the newest kept row this very source and language? One lookup of that index by seq:
    # comparing against every kept row instead would read (and on PostgreSQL decompress) up to
    # 200 sources per save.
    unchanged = (
        select(_revision.c.seq)
        .where(
            mine,
            _revision.c.seq == last.c.seq,
            _revision.c.source == source,
            _revision.c.language == language,
        )
        .exists()
    )
    rows = (
        select(
            attempt_id,
            question_id,
            language,
            last.c.seq % HISTORY_SLOTS,
            last.c.seq + 1,
            bindparam("revision", type_=Integer),
            source,
            bindparam("now", type_=_revision.c.saved_at.type),
        )
        .select_from(last)
        .where(~unchanged)
    )
    statement = insert(_revision).from_select(
        [
            "attempt_id",
            "question_id",
            "language",
            "slot",
            "seq",
            "revision",
            "source",
            "saved_at",
        ],
        rows,
    )
    return statement.on_conflict_do_update(
        index_elements=["attempt_id", "question_id", "language", "slot"],
        set_={
            "seq": statement.excluded.seq,
            "revision": statement.excluded.revision,
            "source": statement.excluded.source,
            "saved_at": statement.excluded.saved_at,
        },
    )
