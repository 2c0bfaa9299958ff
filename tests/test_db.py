"""SQLite sessions: reads never wait on the write lock; a read that must write does so safely."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import Engine, select, text, update
from sqlalchemy.exc import OperationalError

from app.attempts import service as attempts
from app.db import Base, begin_write, make_engine, make_read_sessionmaker, make_sessionmaker, utcnow
from app.models import Attempt, AttemptStatus
from app.settings import Settings
from tests import factories


@pytest.fixture
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """A SQLite file of its own (whatever TEST_DATABASE_URL says): these are SQLite's locks."""
    path = tmp_path_factory.mktemp("db") / "sessions_test.db"
    engine = make_engine(Settings(database_url=f"sqlite:///{path}"))
    Base.metadata.create_all(engine)
    yield engine
    engine.dispose()


def _other_writer(engine: Engine) -> sqlite3.Connection:
    """A second connection that takes the write lock and keeps it until rolled back or committed."""
    conn = sqlite3.connect(str(engine.url.database), timeout=0, isolation_level=None)
    conn.execute("BEGIN IMMEDIATE")
    conn.execute("INSERT INTO organization (id, name, created_at) VALUES ('x', 'held', '2026')")
    return conn


def test_read_session_reads_while_another_writer_holds_the_lock(engine: Engine) -> None:
    writer = _other_writer(engine)
    try:
        with make_read_sessionmaker(engine)() as session:
            # With BEGIN IMMEDIATE this would wait (busy_timeout) for the writer to finish.
            session.connection().exec_driver_sql("PRAGMA busy_timeout=0")
            assert session.scalar(text("SELECT count(*) FROM organization")) == 0
    finally:
        writer.rollback()
        writer.close()


def test_read_session_refuses_to_write(engine: Engine) -> None:
    with make_read_sessionmaker(engine)() as session, pytest.raises(OperationalError) as caught:
        session.execute(
            text("INSERT INTO organization (id, name, created_at) VALUES ('y', 'n', 'x')")
        )
    assert "readonly" in str(caught.value)


def test_begin_write_writes_after_another_writer_committed(engine: Engine) -> None:
    with make_read_sessionmaker(engine)() as session:
        assert session.scalar(text("SELECT count(*) FROM organization")) == 0  # snapshot taken
        writer = _other_writer(engine)
        writer.commit()  # an in-place upgrade of the read transaction would now fail
        writer.close()
        begin_write(session)
        session.execute(
            text("INSERT INTO organization (id, name, created_at) VALUES ('z', 'n', 'x')")
        )
        session.commit()
        # The next transaction is a read again.
        assert session.scalar(text("SELECT count(*) FROM organization")) == 2
        with pytest.raises(OperationalError):
            session.execute(text("DELETE FROM organization"))


def test_overview_closes_an_expired_attempt_on_a_read_session(engine: Engine) -> None:
    with make_sessionmaker(engine)() as session:
        question = factories.make_question(session, factories.single_choice("db-one", "chain_rule"))
        org = factories.make_org(session)
        assessment = factories.make_assessment(session, org.organization, [question])
        invitation = factories.make_invitation(session, org.organization, assessment)
        attempts.start(session, token=invitation.token)
        session.execute(
            update(Attempt)
            .where(Attempt.id == invitation.attempt.id)
            .values(deadline=utcnow() - timedelta(minutes=1))
        )
        session.commit()
    with make_read_sessionmaker(engine)() as session:
        view = attempts.overview(session, token=invitation.token)
        assert view.attempt.status == AttemptStatus.EXPIRED
    with make_sessionmaker(engine)() as session:
        stored = session.scalar(select(Attempt.status).where(Attempt.id == invitation.attempt.id))
        assert stored == AttemptStatus.EXPIRED
