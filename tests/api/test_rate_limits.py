"""Requests per API key are limited: past the limit a 429 problem with Retry-After."""

from __future__ import annotations

import time
import uuid

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.api.rate_limits import ApiRateLimitedError, KeyRateLimiter
from app.settings import Settings
from tests.factories import make_org
from tests.problems import assert_problem


def test_a_key_past_its_limit_gets_429_with_retry_after(
    app: FastAPI, client: TestClient, session: Session
) -> None:
    app.state.rate_limiter = KeyRateLimiter(per_minute=3)
    busy, quiet = make_org(session, "Busy"), make_org(session, "Quiet")
    busy_key = {"Authorization": f"Bearer {busy.api_key}"}
    for _ in range(3):
        assert client.get("/api/v1/assessments", headers=busy_key).status_code == 200
    limited = client.get("/api/v1/assessments", headers=busy_key)
    body = assert_problem(limited, 429, "rate-limited")
    assert 1 <= int(limited.headers["retry-after"]) <= 20  # a token comes back every 20 s
    assert body["retry_after"] == int(limited.headers["retry-after"])
    # Another key has its own budget.
    quiet_key = {"Authorization": f"Bearer {quiet.api_key}"}
    assert client.get("/api/v1/assessments", headers=quiet_key).status_code == 200


def test_tokens_come_back_with_time() -> None:
    limiter = KeyRateLimiter(per_minute=600)  # one token every 0.1 s
    key = uuid.uuid4()
    for _ in range(600):
        limiter.take(key)
    with pytest.raises(ApiRateLimitedError):
        limiter.take(key)
    time.sleep(0.25)
    limiter.take(key)


def test_the_default_limit_is_a_setting() -> None:
    assert Settings().api_rate_limit_per_minute == 600
