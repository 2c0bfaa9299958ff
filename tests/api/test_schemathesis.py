"""Schemathesis against the served /openapi.json: no server error, no answer off the schema.

Every check schemathesis has runs (status codes, content types, headers, bodies, negative
data rejected, positive data accepted, unsupported methods, ...). The fixtures give it a valid
admin API key and a started candidate attempt, and swap known ids into its path parameters
half the time, so requests reach past 401/404 into the routes themselves (the candidate
endpoints included). Bounded (examples per operation, no deadline, fixed seed) to stay fast.
"""

from __future__ import annotations

import uuid
import zlib
from datetime import timedelta
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig
from sqlalchemy.orm import Session
from starlette.types import ASGIApp, Receive, Scope, Send

from app.db import utcnow
from app.grading.queue import HeldQueue
from app.main import create_app
from app.models import ApiKey, AttemptStatus
from app.settings import Settings
from tests import factories

MAX_EXAMPLES = 10


@pytest.fixture
def world(session: Session) -> dict[str, Any]:
    org = factories.make_org(session, "Fuzzed")
    questions = [
        factories.make_question(session, factories.single_choice("st-single", "forward_pass")),
        factories.make_question(
            session,
            {
                "id": "st-num",
                "kind": "numeric",
                "skills": ["chain_rule"],
                "difficulty": 1,
                "prompt": "2+2?",
                "explanation": "4",
                "answer": 4.0,
                "tolerance": {"abs": 0.1},
            },
        ),
        factories.make_question(session, factories.coding("st-code", "backward_pass")),
    ]
    assessment = factories.make_assessment(session, org.organization, questions)
    invited = factories.make_invitation(session, org.organization, assessment)
    attempt = invited.attempt
    now = utcnow()
    attempt.status = AttemptStatus.STARTED
    attempt.started_at, attempt.deadline = now, now + timedelta(hours=1)
    key = session.query(ApiKey).filter_by(organization_id=org.organization.id).one()
    session.flush()
    return {
        "auth": {"Authorization": f"Bearer {org.api_key}"},
        "ids": {
            "token": invited.token,
            "assessment_id": str(assessment.id),
            "attempt_id": str(attempt.id),
            "question_id": "st-code",
            "api_key_id": str(key.id),
        },
        "question_ids": ["st-single", "st-num", "st-code"],
    }


class _TestApp:
    """What schemathesis calls: the running test's app (on its rolled-back session), served
    without its lifespan, whose grading threads would open connections of their own."""

    def __init__(self) -> None:
        self.app: ASGIApp = create_app(Settings())

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        await self.app(scope, receive, send)


TARGET = _TestApp()
# Loaded from the app itself, as served at /openapi.json.
schema = schemathesis.openapi.from_asgi(
    "/openapi.json",
    TARGET,
    config=SchemathesisConfig.from_dict(
        {
            "generation": {"max-examples": MAX_EXAMPLES},
            "seed": 20261203,
            # Schema-valid data may still break a rule the schema cannot hold, since it depends
            # on stored data (this question's kind and choices, the server's clock, the current
            # ETag): the API answers those 400, 412 or 422 by contract (DESIGN.md), so they
            # count as accepted here.
            "checks": {
                "positive_data_acceptance": {
                    "expected-statuses": ["2xx", "3xx", 400, 401, 403, 404, 409, 412, 422, 429]
                }
            },
        }
    ),
)


def _known(case: Any, world: dict[str, Any]) -> None:
    """Swap a known id into about half the path parameters (chosen by the generated value)."""
    params = case.path_parameters or {}
    for name, value in list(params.items()):
        if name not in world["ids"] or zlib.crc32(str(value).encode()) % 2:
            continue
        if name == "question_id":
            params[name] = world["question_ids"][zlib.crc32(str(value).encode()) % 3]
        elif name.endswith("_id"):
            try:
                uuid.UUID(str(value))
            except ValueError:
                continue  # a malformed id stays: it is what this case tests
            params[name] = world["ids"][name]
        else:
            params[name] = world["ids"][name]


# The REST API; /healthz and /readyz answer the process's state (no lifespan runs here).
@schema.include(path_regex="^/api/").parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_api_conforms_to_its_schema(case: Any, app: FastAPI, world: dict[str, Any]) -> None:
    app.state.grading_queue = HeldQueue()  # runs are queued, not graded: the API is under test
    _known(case, world)
    headers = dict(world["auth"]) if not case.path.startswith("/api/v1/take/") else {}
    TARGET.app = app
    case.call_and_validate(headers=headers)
