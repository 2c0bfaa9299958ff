"""The autosave's way to the database, chosen once per process: the hottest write (issue 13).

- SessionAutosave runs answers.save_answer on a session in a worker thread, as a sync route
  would: SQLite (the embedded default, whose one write lock may have to be waited for, which
  must not block the event loop), and the tests, whose requests share the test's session.
- AsyncpgAutosave serves PostgreSQL: the same statements, compiled once for asyncpg and
  prepared once per connection, run on the event loop: no thread hop, no ORM execution. A
  concept answer is one round trip (one statement, committed by itself); a coding answer's
  two statements are one transaction. A session in a thread serves the cold paths only: a
  token or form not cached yet, and a save the upsert refused (saying why may close an
  attempt found past its deadline).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from functools import cache, partial
from typing import Any, NoReturn, Protocol

import anyio.to_thread
import asyncpg
from sqlalchemy import Insert, make_url
from sqlalchemy.dialects.postgresql.asyncpg import dialect as asyncpg_dialect
from sqlalchemy.orm import Session, sessionmaker

from app.attempts import answers, history, lookups
from app.attempts.answers import AnswerWrite, SavedAnswer
from app.attempts.responses import QuestionSpec
from app.errors import DatabaseUnavailableError

log = logging.getLogger(__name__)

# What a lost or refused connection raises (the server restarting, unreachable, or full); an
# acquire that finds no free connection in time raises TimeoutError.
_CONNECTION_LOST = (
    OSError,
    TimeoutError,
    asyncpg.PostgresConnectionError,
    asyncpg.exceptions.OperatorInterventionError,
    asyncpg.exceptions.TooManyConnectionsError,
)
ACQUIRE_TIMEOUT_SECONDS = 10.0


class Autosave(Protocol):
    async def save(
        self,
        *,
        token: str,
        question_id: str,
        response: dict[str, Any],
        base_revision: int | None,
    ) -> SavedAnswer: ...

    async def close(self) -> None: ...


class SessionAutosave:
    def __init__(self, sessions: Callable[[], AbstractContextManager[Session]]) -> None:
        self._sessions = sessions

    async def save(
        self,
        *,
        token: str,
        question_id: str,
        response: dict[str, Any],
        base_revision: int | None,
    ) -> SavedAnswer:
        def run() -> SavedAnswer:
            with self._sessions() as session:
                return answers.save_answer(
                    session,
                    token=token,
                    question_id=question_id,
                    response=response,
                    base_revision=base_revision,
                )

        return await anyio.to_thread.run_sync(run)

    async def close(self) -> None:
        return None


@dataclass(frozen=True)
class _Compiled:
    """A statement as asyncpg takes it: SQL with $n placeholders, and the names in order."""

    sql: str
    names: tuple[str, ...]
    literals: dict[str, Any]  # values the statement itself holds (a status, a constant)

    @classmethod
    def of(cls, statement: Insert) -> _Compiled:
        compiled = statement.compile(dialect=asyncpg_dialect())  # type: ignore[no-untyped-call]
        return cls(compiled.string, tuple(compiled.positiontup or ()), compiled.params)

    def args(self, params: dict[str, Any]) -> list[Any]:
        return [params[n] if n in params else self.literals[n] for n in self.names]


@cache
def _upsert(*, checked: bool) -> _Compiled:
    return _Compiled.of(answers.upsert_statement("postgresql", checked=checked))


@cache
def _history() -> _Compiled:
    return _Compiled.of(history.statement("postgresql"))


class AsyncpgAutosave:
    def __init__(
        self, pool: asyncpg.Pool, *, writes: sessionmaker[Session], reads: sessionmaker[Session]
    ) -> None:
        self._pool = pool
        self._writes = writes
        self._reads = reads

    @classmethod
    async def open(
        cls,
        database_url: str,
        *,
        size: int,
        writes: sessionmaker[Session],
        reads: sessionmaker[Session],
    ) -> AsyncpgAutosave:
        """A pool of up to `size` connections, opened as requests need them (none at start:
        the API starts while the database is still coming up, as with the sync engine)."""
        dsn = make_url(database_url).set(drivername="postgresql")
        pool = await asyncpg.create_pool(
            dsn.render_as_string(hide_password=False),
            min_size=0,
            max_size=size,
            timeout=ACQUIRE_TIMEOUT_SECONDS,  # to connect
            init=_json_as_python,
            reset=_nothing_to_reset,
        )
        return cls(pool, writes=writes, reads=reads)

    async def save(
        self,
        *,
        token: str,
        question_id: str,
        response: dict[str, Any],
        base_revision: int | None,
    ) -> SavedAnswer:
        ref, specs = await self._form(token)
        write = answers.check_write(
            ref, specs, question_id=question_id, response=response, base_revision=base_revision
        )
        try:
            revision = await self._write(write)
        except _CONNECTION_LOST as exc:
            # Every pooled connection may be as dead as this one: replace them all, so that
            # once the server is back only this request has paid.
            await self._pool.expire_connections()
            log.warning("database unavailable on autosave: %s", type(exc).__name__)
            raise DatabaseUnavailableError() from exc
        if revision is None:
            await anyio.to_thread.run_sync(self._refuse, write)
        return write.saved(revision)

    async def _write(self, write: AnswerWrite) -> int | None:
        upsert = _upsert(checked=write.base_revision is not None)
        async with self._pool.acquire(timeout=self._acquire_timeout()) as conn:
            # A concept answer's one statement commits by itself; a coding answer's two are one
            # transaction, the upsert's row lock ordering concurrent saves of its history.
            async with conn.transaction() if write.coding else nullcontext():
                revision: int | None = await conn.fetchval(
                    upsert.sql, *upsert.args(write.upsert_params())
                )
                if write.coding and revision is not None:
                    kept = _history()
                    await conn.execute(kept.sql, *kept.args(write.history_params(revision)))
            return revision

    def _acquire_timeout(self) -> float | None:
        """None when a connection is idle, so taken at once: asyncpg runs an acquire with a
        timeout as a task of its own, which cost a save more CPU than its round trip."""
        return None if self._pool.get_idle_size() else ACQUIRE_TIMEOUT_SECONDS

    async def _form(self, token: str) -> tuple[lookups.AttemptRef, dict[str, QuestionSpec]]:
        """The attempt and its form: from the process's cache, else read in a thread."""
        ref = lookups.cached_attempt_ref(token)
        specs = lookups.cached_question_specs(ref.attempt_id) if ref else None
        if ref is not None and specs is not None:
            return ref, specs
        return await anyio.to_thread.run_sync(partial(self._load_form, token))

    def _load_form(self, token: str) -> tuple[lookups.AttemptRef, dict[str, QuestionSpec]]:
        with self._reads() as session:
            ref = lookups.attempt_ref(session, token)
            return ref, lookups.question_specs(session, ref.attempt_id)

    def _refuse(self, write: AnswerWrite) -> NoReturn:
        with self._writes() as session:
            answers.refuse(session, write)

    async def close(self) -> None:
        await self._pool.close()


async def _json_as_python(conn: asyncpg.Connection) -> None:
    """json parameters and columns as Python values, serialized as SQLAlchemy's JSON type does."""
    await conn.set_type_codec("json", encoder=json.dumps, decoder=json.loads, schema="pg_catalog")


async def _nothing_to_reset(_conn: asyncpg.Connection) -> None:
    """Released connections skip asyncpg's reset query (RESET ALL, UNLISTEN *, ...), a round trip
    per save: these connections never change session state. An open transaction is still ended."""


async def open_autosave(
    database_url: str,
    *,
    pool_size: int,
    writes: sessionmaker[Session],
    reads: sessionmaker[Session],
) -> Autosave:
    """AsyncpgAutosave on PostgreSQL, SessionAutosave on SQLite."""
    if make_url(database_url).get_backend_name() == "postgresql":
        return await AsyncpgAutosave.open(database_url, size=pool_size, writes=writes, reads=reads)
    return SessionAutosave(writes)
