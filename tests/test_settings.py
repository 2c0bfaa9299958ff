"""Settings that size things together."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError
from sqlalchemy import Engine

from app.main import create_app
from app.settings import Settings


def test_grading_threads_follow_the_judge_slots_unless_set() -> None:
    # Two fixed threads left six of eight slots idle.
    assert Settings(judge_slots=8).grading_threads == 8
    assert Settings(judge_slots=1).grading_threads == 1
    assert Settings(judge_slots=8, grading_workers=3).grading_threads == 3


def test_a_threadpool_no_larger_than_the_request_connections_is_refused() -> None:
    # Measured: 0 requests served when every thread waits for a connection (CONVENTIONS §11).
    with pytest.raises(ValidationError, match="THREADPOOL_SIZE"):
        Settings(threadpool_size=15, db_pool_size=10, db_max_overflow=5)
    assert Settings(threadpool_size=16, db_pool_size=10, db_max_overflow=5).threadpool_size == 16


def test_a_grading_process_gets_a_connection_per_grading_thread() -> None:
    assert Settings(judge_slots=4).grading_connections == 7
    assert Settings(judge_slots=4, grading_workers=1).grading_connections == 4


def test_an_embedded_api_adds_its_grading_connections_to_the_request_pool(
    settings: Settings, engine: Engine
) -> None:
    with TestClient(create_app(settings)) as client:
        pool = client.app.state.engine.pool  # type: ignore[attr-defined]
        assert pool.size() == settings.db_pool_size + settings.grading_connections
