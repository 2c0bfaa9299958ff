"""Test database and app fixtures: migrate once, then one rolled-back transaction per test."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from app.cli import alembic_config
from app.db import make_engine
from app.grading.judge import build_runner
from app.grading.practice import load_practice
from app.settings import Settings
from sandbox import Runner
from tests.apps import AppPool, on_session
from tests.queues import InlineCheckQueue, InlineQueue

# scripts/test runs the suite in pytest-xdist workers. The served-process tests (browser and
# scaled mode) share servers per session and run one after the other on one worker, first, as
# they take the longest; every other module goes, whole, to whichever worker is free.
SERVED = ("tests/e2e/", "tests/scaled/")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if os.environ.get("PYTEST_XDIST_WORKER"):
        items.sort(key=lambda item: not item.nodeid.startswith(SERVED))  # stable: order kept


def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    # xdist's own loadgroup reads its marks into Item._nodeid, which pytest 9 no longer has.
    from xdist.scheduler import LoadScopeScheduling

    class ServedTogether(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            path = nodeid.split("::")[0]
            return "served" if path.startswith(SERVED) else path

    return ServedTogether(config, log)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = os.environ.get("TEST_DATABASE_URL") or (
        f"sqlite:///{tmp_path_factory.mktemp('db') / 'chainrule_test.db'}"
    )
    name = Path(make_url(url).database or "").stem
    if not name.endswith("_test"):
        pytest.exit(f"refusing to run tests against {name!r}: its name must end in _test")
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker and make_url(url).get_backend_name() == "postgresql":
        url = _worker_database(url, f"{name.removesuffix('_test')}_{worker}_test")
    return url


def _worker_database(url: str, name: str) -> str:
    """A PostgreSQL database of the worker's own beside `url`'s (created if missing)."""
    admin = create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        found = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
        if found.first() is None:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(url).set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url, public_base_url="http://testserver")


@pytest.fixture(scope="session")
def engine(settings: Settings) -> Iterator[Engine]:
    engine = make_engine(settings)
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:  # a clean slate, whatever an earlier run left
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    command.upgrade(alembic_config(settings), "head")
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def judge(settings: Settings) -> Iterator[Runner]:
    """The sandbox runner the service itself would build (warm isolated slots by default)."""
    runner = build_runner(settings)
    yield runner
    runner.close()


@pytest.fixture
def connection(engine: Engine) -> Iterator[Connection]:
    with engine.connect() as conn:
        transaction = conn.begin()
        yield conn
        transaction.rollback()


@pytest.fixture
def session(connection: Connection) -> Iterator[Session]:
    with Session(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    ) as session:
        yield session


@pytest.fixture
def queue(session: Session, judge: Runner, settings: Settings) -> InlineQueue:
    return InlineQueue(session, judge, load_practice(settings))


@pytest.fixture
def checks(session: Session, judge: Runner) -> InlineCheckQueue:
    return InlineCheckQueue(session, judge)


@pytest.fixture(scope="session")
def apps() -> AppPool:
    return AppPool()


@pytest.fixture
def app(
    apps: AppPool,
    settings: Settings,
    session: Session,
    queue: InlineQueue,
    checks: InlineCheckQueue,
) -> FastAPI:
    app = apps.borrow(settings)
    on_session(app, session)
    app.state.grading_queue = queue
    app.state.check_queue = checks
    return app


@pytest.fixture
def client(app: FastAPI) -> TestClient:
    # No lifespan: requests use the test's session; a second connection would wait on its lock.
    return TestClient(app, raise_server_exceptions=True)
