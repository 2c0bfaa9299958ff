"""Both ways to autosave keep one contract (app/attempts/autosave.py): SessionAutosave on every
database, and AsyncpgAutosave, the one a served PostgreSQL process uses, when the suite's
database is PostgreSQL (the PostgreSQL pass). Rows are committed, since asyncpg's connections
are its own (tests/committed.py); a served process's autosave on PostgreSQL, its outage included,
is in tests/scaled/test_database_restart.py.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable, Iterator
from typing import Any, TypeVar

import pytest
from sqlalchemy import Engine, delete, select

from app.attempts.autosave import AsyncpgAutosave, Autosave, SessionAutosave
from app.db import make_read_sessionmaker, make_sessionmaker
from app.errors import (
    AttemptExpiredError,
    AttemptNotStartedError,
    AttemptSubmittedError,
    InvalidResponseError,
    InvitationNotFoundError,
    QuestionNotFoundError,
    RevisionConflictError,
)
from app.models import Answer, AnswerRevision, AttemptStatus
from app.settings import Settings
from tests import factories
from tests.committed import CommittedAttempt, committed_attempt

T = TypeVar("T")
QUESTIONS = [
    factories.single_choice("as-one", "chain_rule"),
    factories.coding("as-code", "chain_rule"),
]
ON_POSTGRESQL = os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql")
KINDS = ["session", "asyncpg"] if ON_POSTGRESQL else ["session"]


@pytest.fixture(params=KINDS)
def kind(request: pytest.FixtureRequest) -> str:
    kind: str = request.param
    return kind


def _with_autosave(
    kind: str, settings: Settings, engine: Engine, steps: Callable[[Autosave], Awaitable[T]]
) -> T:
    """Open the kind's autosave on the suite's database, run `steps` with it, close it."""

    async def run() -> T:
        writes, reads = make_sessionmaker(engine), make_read_sessionmaker(engine)
        autosave: Autosave = (
            SessionAutosave(writes)
            if kind == "session"
            else await AsyncpgAutosave.open(
                settings.database_url, size=2, writes=writes, reads=reads
            )
        )
        try:
            return await steps(autosave)
        finally:
            await autosave.close()

    return asyncio.run(run())


@pytest.fixture
def attempt(engine: Engine) -> Iterator[CommittedAttempt]:
    with committed_attempt(engine, QUESTIONS) as attempt:
        yield attempt
        _forget_answers(engine, attempt)


def _forget_answers(engine: Engine, attempt: CommittedAttempt) -> None:
    with engine.begin() as conn:  # committed_attempt removes the rest
        for model in (AnswerRevision, Answer):
            conn.execute(delete(model).where(model.attempt_id == attempt.attempt_id))


def _stored(engine: Engine, attempt: CommittedAttempt, question_id: str) -> tuple[int, Any]:
    with engine.connect() as conn:
        row = conn.execute(
            select(Answer.revision, Answer.response).where(
                Answer.attempt_id == attempt.attempt_id, Answer.question_id == question_id
            )
        ).one()
    return row.revision, row.response


def _kept_sources(engine: Engine, attempt: CommittedAttempt) -> list[tuple[str, str, int]]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(AnswerRevision.source, AnswerRevision.language, AnswerRevision.revision)
            .where(AnswerRevision.attempt_id == attempt.attempt_id)
            .order_by(AnswerRevision.seq)
        )
        return [tuple(row) for row in rows]  # type: ignore[misc]


def test_saves_count_revisions_and_refuse_a_stale_base(
    kind: str, settings: Settings, engine: Engine, attempt: CommittedAttempt
) -> None:
    async def steps(autosave: Autosave) -> list[int]:
        save = lambda choice, base=None: autosave.save(  # noqa: E731
            token=attempt.token,
            question_id="as-one",
            response={"choice": choice},
            base_revision=base,
        )
        revisions = [(await save("a")).revision, (await save("b")).revision]
        revisions.append((await save("c", base=2)).revision)
        with pytest.raises(RevisionConflictError):
            await save("a", base=2)
        return revisions

    assert _with_autosave(kind, settings, engine, steps) == [1, 2, 3]
    assert _stored(engine, attempt, "as-one") == (3, {"choice": "c"})


def test_a_coding_answer_keeps_each_changed_source_once(
    kind: str, settings: Settings, engine: Engine, attempt: CommittedAttempt
) -> None:
    async def steps(autosave: Autosave) -> list[int]:
        revisions = []
        for source, language in (("v1", "python"), ("v1", "python"), ("v2", "python")):
            saved = await autosave.save(
                token=attempt.token,
                question_id="as-code",
                response={"source": source, "language": language},
                base_revision=None,
            )
            revisions.append(saved.revision)
        return revisions

    assert _with_autosave(kind, settings, engine, steps) == [1, 2, 3]
    assert _stored(engine, attempt, "as-code") == (3, {"source": "v2", "language": "python"})
    assert _kept_sources(engine, attempt) == [("v1", "python", 1), ("v2", "python", 3)]


@pytest.mark.parametrize(
    ("question_id", "response", "problem"),
    [
        ("nope", {"choice": "a"}, QuestionNotFoundError),
        ("as-one", {"choice": "z"}, InvalidResponseError),
        ("as-one", {"value": 1}, InvalidResponseError),
    ],
)
def test_a_wrong_question_or_response_writes_nothing(
    kind: str,
    settings: Settings,
    engine: Engine,
    attempt: CommittedAttempt,
    question_id: str,
    response: dict[str, Any],
    problem: type[Exception],
) -> None:
    async def steps(autosave: Autosave) -> None:
        with pytest.raises(problem):
            await autosave.save(
                token=attempt.token,
                question_id=question_id,
                response=response,
                base_revision=None,
            )

    _with_autosave(kind, settings, engine, steps)
    with engine.connect() as conn:
        assert (
            conn.execute(select(Answer).where(Answer.attempt_id == attempt.attempt_id)).all() == []
        )


@pytest.mark.parametrize(
    ("status", "problem"),
    [
        (AttemptStatus.SUBMITTED, AttemptSubmittedError),
        (AttemptStatus.EXPIRED, AttemptExpiredError),
        (AttemptStatus.INVITED, AttemptNotStartedError),
    ],
)
def test_an_attempt_that_takes_no_answers_says_why(
    kind: str, settings: Settings, engine: Engine, status: AttemptStatus, problem: type[Exception]
) -> None:
    with committed_attempt(engine, QUESTIONS, status=status) as closed:

        async def steps(autosave: Autosave) -> None:
            with pytest.raises(problem):
                await autosave.save(
                    token=closed.token,
                    question_id="as-one",
                    response={"choice": "a"},
                    base_revision=None,
                )

        _with_autosave(kind, settings, engine, steps)
        with engine.connect() as conn:
            assert (
                conn.execute(select(Answer).where(Answer.attempt_id == closed.attempt_id)).all()
                == []
            )


def test_an_unknown_token_is_not_found(kind: str, settings: Settings, engine: Engine) -> None:
    async def steps(autosave: Autosave) -> None:
        with pytest.raises(InvitationNotFoundError):
            await autosave.save(
                token="no-such-token-0123456789",
                question_id="as-one",
                response={"choice": "a"},
                base_revision=None,
            )

    _with_autosave(kind, settings, engine, steps)
