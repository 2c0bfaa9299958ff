"""Issue 13, the candidate's hot paths in the embedded mode (SQLite), on a real server:

- the take page's reads take no write lock: they answer while another connection holds it;
- an autosave is one short write transaction: one BEGIN IMMEDIATE and one statement, no more.
(SQLite only: these tests run in the SQLite pass, like the rest of tests/scaled.)
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, delete, event, text

from app.models import Answer
from app.settings import Settings
from tests import factories
from tests.committed import CommittedAttempt, committed_attempt
from tests.live import live_server

QUESTIONS = [factories.single_choice("hot-one", "chain_rule")]
REQUEST_THREAD = "AnyIO worker thread"  # where the server runs sync routes


@pytest.fixture
def served(engine: Engine, settings: Settings) -> Iterator[tuple[CommittedAttempt, str]]:
    with committed_attempt(engine, QUESTIONS) as attempt:
        with live_server(settings) as base:
            yield attempt, base
        with engine.begin() as conn:  # committed_attempt removes the rest
            conn.execute(delete(Answer).where(Answer.attempt_id == attempt.attempt_id))


@contextmanager
def statements_of_requests() -> Iterator[list[str]]:
    """Every SQL statement the server's request threads send, on any engine."""
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if threading.current_thread().name.startswith(REQUEST_THREAD):
            seen.append(statement.strip().split(None, 1)[0].upper() + _rest(statement))

    event.listen(Engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(Engine, "before_cursor_execute", record)


def _rest(statement: str) -> str:
    return " IMMEDIATE" if statement.strip().upper() == "BEGIN IMMEDIATE" else ""


def _save(base: str, token: str, choice: str, timeout: float = 30) -> httpx.Response:
    return httpx.put(
        f"{base}/api/v1/take/{token}/answers/hot-one",
        json={"response": {"choice": choice}},
        timeout=timeout,
    )


def test_take_reads_answer_while_another_connection_holds_the_write_lock(
    served: tuple[CommittedAttempt, str], engine: Engine
) -> None:
    attempt, base = served
    assert _save(base, attempt.token, "a").status_code == 200
    with engine.begin() as writer:  # BEGIN IMMEDIATE: the database's one write lock
        writer.execute(text("UPDATE attempt SET seed = seed WHERE 0 = 1"))
        # The lock is real: a save waits for it (busy_timeout is 30 s)...
        with pytest.raises(httpx.ReadTimeout):
            _save(base, attempt.token, "b", timeout=3)
        # ...while the take page and the API's reads answer at once.
        for path in (f"/take/{attempt.token}", f"/api/v1/take/{attempt.token}"):
            read = httpx.get(f"{base}{path}", timeout=5)
            assert read.status_code == 200, path


def test_an_autosave_is_one_write_transaction_and_a_read_takes_none(
    served: tuple[CommittedAttempt, str],
) -> None:
    attempt, base = served
    assert _save(base, attempt.token, "a").status_code == 200  # warms the per-process caches
    with statements_of_requests() as seen:
        for choice in "bcab":
            assert _save(base, attempt.token, choice).status_code == 200
    assert [s for s in seen if s.startswith("BEGIN")] == ["BEGIN IMMEDIATE"] * 4
    assert [s for s in seen if not s.startswith(("BEGIN", "PRAGMA"))] == ["INSERT"] * 4
    with statements_of_requests() as seen:
        for path in (f"/take/{attempt.token}", f"/api/v1/take/{attempt.token}"):
            assert httpx.get(f"{base}{path}", timeout=30).status_code == 200
    assert "BEGIN IMMEDIATE" not in seen
    assert [s for s in seen if s.startswith(("INSERT", "UPDATE", "DELETE"))] == []
