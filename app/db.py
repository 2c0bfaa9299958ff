"""Engine, sessions and the declarative base shared by every model."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, DateTime, Engine, MetaData, create_engine, event
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

from app.settings import Settings

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


# A pooled PostgreSQL connection idle this long is pinged before use (see _ping_when_idle).
PING_AFTER_IDLE_SECONDS = 10.0
_IDLE_SINCE = "chainrule_idle_since"

# An execution option (and Connection.info key) marking a session's transactions as reads.
READ_ONLY = "chainrule_read_only"


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC in Python on every backend.

    SQLite has no time zones: values are stored as naive UTC text, so that SQL comparisons
    (deadline > now) stay correct, and are made aware again when read.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use aware UTC datetimes")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(
        self,
        value: datetime | None,
        dialect: Dialect,  # noqa: ARG002 (part of the TypeDecorator interface)
    ) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


def make_engine(settings: Settings) -> Engine:
    """Build the engine; on SQLite turn on foreign keys, WAL and explicit BEGIN handling."""
    url = settings.database_url
    if settings.is_sqlite:
        _ensure_sqlite_dir(url)
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": 30},
            pool_size=settings.db_pool_size,
            max_overflow=settings.db_max_overflow,
        )
        _configure_sqlite(engine)
        return engine
    engine = create_engine(
        url, pool_size=settings.db_pool_size, max_overflow=settings.db_max_overflow
    )
    _ping_when_idle(engine)
    return engine


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    """Sessions for use cases that write: on SQLite each transaction takes the write lock."""
    return sessionmaker(bind=engine, expire_on_commit=False)


def make_read_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    """Sessions for reads: on SQLite a deferred, query-only transaction that never waits on writers.

    A read that must write after all (an attempt found past its deadline) calls begin_write().
    """
    options = {READ_ONLY: True} if engine.dialect.name == "sqlite" else {}
    return sessionmaker(bind=engine, expire_on_commit=False, execution_options=options)


def begin_write(session: Session) -> None:
    """Make the session's next statements run in a write transaction (no-op when they already do).

    SQLite cannot safely upgrade a read transaction: once another writer has committed since it
    began, the upgrade fails at once with SQLITE_BUSY_SNAPSHOT (busy_timeout does not wait for
    that). So the read transaction ends here, and an IMMEDIATE one begins that waits its turn.
    Rows read before stay loaded; writes after this must be conditional on what they read.
    """
    if not session.execution_options.get(READ_ONLY):
        return
    if session.in_transaction():
        if not session.connection().get_execution_options().get(READ_ONLY):
            return  # already writing
        session.commit()  # a query-only transaction has nothing to commit: this only ends it
    session.connection(execution_options={READ_ONLY: False})


def end_read(session: Session) -> None:
    """End a transaction that only read, so its connection goes back to the pool now.

    For dependencies, which run in a trip through the thread pool of their own: a request must
    not hold a connection while it waits for the route's thread (app.one_hop). What was loaded
    stays loaded (the sessions keep rows on commit), and a transaction that wrote nothing
    commits nothing. The next statement begins a new transaction.
    """
    if session.in_transaction():
        session.commit()


def _ensure_sqlite_dir(url: str) -> None:
    path = url.split("///", 1)[-1]
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)


def _ping_when_idle(engine: Engine) -> None:
    """Check a pooled connection before handing it out, when it has sat idle a while.

    SQLAlchemy's pool_pre_ping checks on every checkout, and with psycopg that is three round
    trips (autocommit on, SELECT 1, autocommit off): as many as an autosave's own. A connection
    used moments ago is trusted; if the server went away since, the request that finds out
    gets a 503 and the pool replaces every connection older than the failure (SQLAlchemy's
    disconnect handling), so one request per process pays, not every request.
    """

    @event.listens_for(engine, "checkin")
    def _checked_in(_dbapi_connection: Any, record: Any) -> None:
        record.info[_IDLE_SINCE] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checked_out(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        idle_since = record.info.get(_IDLE_SINCE)
        if idle_since is None or time.monotonic() - idle_since < PING_AFTER_IDLE_SECONDS:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as exc:
            raise DisconnectionError from exc  # the pool retries with a new connection


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # pysqlite's own BEGIN handling breaks SAVEPOINT and transactional tests; SQLAlchemy's
        # documented workaround: turn it off here and emit BEGIN ourselves below.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # Writers: IMMEDIATE takes the write lock up front, since a deferred transaction that
        # later writes can fail with SQLITE_BUSY at once instead of waiting. Readers: a deferred
        # BEGIN reads a WAL snapshot without any lock, and query_only makes an accidental write
        # fail loudly rather than upgrade (see begin_write).
        read_only = bool(conn.get_execution_options().get(READ_ONLY))
        if conn.info.get(READ_ONLY) is not read_only:  # the pragma stays set on the connection
            conn.exec_driver_sql(f"PRAGMA query_only={int(read_only)}")
            conn.info[READ_ONLY] = read_only
        conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")
