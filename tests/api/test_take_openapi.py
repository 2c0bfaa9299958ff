"""The OpenAPI document describes the candidate page's endpoints and their problems."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient


@pytest.fixture
def spec(client: TestClient) -> dict[str, Any]:
    body: dict[str, Any] = client.get("/openapi.json").json()
    return body


@pytest.mark.parametrize(
    ("method", "path", "status", "code"),
    [
        ("put", "/api/v1/take/{token}/flags/{question_id}", "404", "question-not-found"),
        ("post", "/api/v1/take/{token}/events", "422", "invalid-request"),
        ("post", "/api/v1/take/{token}/events", "409", "attempt-not-started"),
        ("put", "/api/v1/take/{token}/answers/{question_id}", "413", "answer-too-large"),
        ("post", "/api/v1/take/{token}/answers/{question_id}/run", "429", "run-rate-limited"),
        ("post", "/api/v1/take/{token}/answers/{question_id}/run", "413", "answer-too-large"),
        ("post", "/api/v1/take/{token}/practice/run", "429", "run-rate-limited"),
        ("post", "/api/v1/take/{token}/practice/run", "409", "attempt-submitted"),
        ("get", "/api/v1/take/{token}/practice", "404", "invitation-not-found"),
        (
            "get",
            "/api/v1/attempts/{attempt_id}/questions/{question_id}/history",
            "404",
            "question-not-found",
        ),
    ],
)
def test_new_routes_list_their_problems(
    spec: dict[str, Any], method: str, path: str, status: str, code: str
) -> None:
    response = spec["paths"][path][method]["responses"][status]
    assert code in response["description"].split(" | ")
    assert "application/problem+json" in response["content"]


def test_new_schemas_are_described(spec: dict[str, Any]) -> None:
    schemas = spec["components"]["schemas"]
    assert {"server_time", "flagged", "result"} <= set(schemas["TakeRead"]["properties"])
    assert {"skills", "concept_count", "coding_count", "candidates_see_results"} <= set(
        schemas["TakeAssessment"]["properties"]
    )
    assert "integrity" in schemas["AttemptRead"]["properties"]
    assert schemas["EventsCreate"]["examples"][0]["events"][0]["type"] == "paste"
    event_types = schemas["EventType"]["enum"]
    assert event_types == ["paste", "copy", "tab_hidden", "window_blur", "fullscreen_exit"]
    assert schemas["PracticeRead"]["properties"]["language"]["default"] == "python"
    assert "practice" in schemas["RunRead"]["properties"]
