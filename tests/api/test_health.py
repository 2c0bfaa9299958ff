"""/healthz and /readyz, with the judge's state in readiness."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from app.grading import queue
from app.main import create_app
from app.settings import Settings
from sandbox import SandboxError


def test_ready_when_database_and_judge_are(settings: Settings, engine: Engine) -> None:
    with TestClient(create_app(settings)) as client:
        assert client.get("/healthz").json() == {"status": "ok"}
        ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {
        "status": "ready",
        "checks": {"database": "ok", "broker": "ok (in-process)", "judge": "ok"},
    }


def test_not_ready_without_a_sandbox_and_code_waits(
    settings: Settings, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_sandbox(_settings: Settings) -> None:
        raise SandboxError("bubblewrap is not installed (bwrap)")

    monkeypatch.setattr(queue, "build_runner", no_sandbox)
    with TestClient(create_app(settings)) as client:
        assert client.get("/healthz").status_code == 200
        ready = client.get("/readyz")
        assert isinstance(client.app.state.grading_queue, queue.HeldQueue)  # type: ignore[attr-defined]
    assert ready.status_code == 503
    body = ready.json()
    assert body["status"] == "not-ready"
    assert body["checks"]["judge"] == "unavailable: bubblewrap is not installed (bwrap)"
