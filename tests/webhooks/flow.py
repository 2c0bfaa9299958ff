"""Drive one candidate through the API: the changes that emit every webhook event."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient


def add_endpoint(api: TestClient, headers: dict[str, str], url: str, **extra: Any) -> Any:
    body = {
        "url": url,
        "event_types": [
            "invitation.created",
            "attempt.started",
            "attempt.submitted",
            "attempt.graded",
            "attempt.expired",
        ],
        **extra,
    }
    created = api.post("/api/v1/webhook-endpoints", json=body, headers=headers)
    assert created.status_code == 201, created.text
    return created.json()


def invite(api: TestClient, headers: dict[str, str], assessment_id: str) -> str:
    invited = api.post(
        f"/api/v1/assessments/{assessment_id}/invitations",
        json={"candidate": {"email": "ada@example.com", "name": "Ada"}},
        headers=headers,
    )
    assert invited.status_code == 201, invited.text
    token: str = invited.json()["token"]
    return token


def take_and_submit(api: TestClient, token: str) -> None:
    assert api.post(f"/api/v1/take/{token}/start").status_code == 200
    saved = api.put(f"/api/v1/take/{token}/answers/hooks-one", json={"response": {"choice": "a"}})
    assert saved.status_code == 200, saved.text
    assert api.post(f"/api/v1/take/{token}/submit").status_code == 200
