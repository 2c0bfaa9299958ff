"""An app that may call 127.0.0.1, an organization with an admin key, and outbound helpers."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Connection
from sqlalchemy.orm import Session, sessionmaker

from app.sealing import Sealer
from app.settings import Settings
from app.webhooks.outbound import outbound_client
from tests import factories
from tests.apps import AppPool, on_session
from tests.queues import InlineQueue


@pytest.fixture
def loopback_settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"webhook_allow_private_targets": True})


@pytest.fixture
def loopback_app(
    apps: AppPool, loopback_settings: Settings, session: Session, queue: InlineQueue
) -> FastAPI:
    app = apps.borrow(loopback_settings)
    on_session(app, session)
    app.state.grading_queue = queue
    return app


@pytest.fixture
def api(loopback_app: FastAPI) -> TestClient:
    return TestClient(loopback_app, raise_server_exceptions=True)


@pytest.fixture
def sessions(connection: Connection) -> sessionmaker[Session]:
    # The delivery pass opens and commits its own sessions; savepoints keep them in the rollback.
    return sessionmaker(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )


@pytest.fixture
def sealer(settings: Settings) -> Sealer:
    """Opens what the app seals: the same SECRET_KEY."""
    return Sealer(settings.secret_key.get_secret_value())


@pytest.fixture
def outbound() -> Iterator[httpx.Client]:
    with outbound_client(allow_private=True) as client:
        yield client


@dataclass
class Org:
    headers: dict[str, str]
    assessment_id: str


@pytest.fixture
def org(session: Session) -> Org:
    """An organization (admin key) with a one-question assessment that grades at submit."""
    made = factories.make_org(session)
    question = factories.make_question(
        session, factories.single_choice("hooks-one", "chain_rule", answer="a")
    )
    assessment = factories.make_assessment(session, made.organization, [question])
    return Org({"Authorization": f"Bearer {made.api_key}"}, str(assessment.id))
