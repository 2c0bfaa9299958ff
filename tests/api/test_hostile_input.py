"""Inputs an adversarial run of the API found crashing it: each is now a problem, never a 500."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Answer, Candidate
from tests.problems import assert_problem


def _raw_json(client: TestClient, method: str, url: str, raw: bytes, **kw: Any) -> Any:
    headers = {"Content-Type": "application/json", **kw.pop("headers", {})}
    return client.request(method, url, content=raw, headers=headers, **kw)


def test_numeric_answer_past_float_range_is_422(
    client: TestClient, session: Session, world: dict[str, Any]
) -> None:
    token = world["token"]
    client.post(f"/api/v1/take/{token}/start")
    raw = b'{"response": {"value": 1' + b"0" * 400 + b"}}"  # 10**400, an int JSON allows
    response = _raw_json(client, "PUT", f"/api/v1/take/{token}/answers/bi-num", raw)
    assert_problem(response, 422, "invalid-response")
    assert session.scalars(select(Answer)).all() == []


@pytest.mark.parametrize("base", [2**31, 2**63, -1])
def test_base_revision_out_of_range_is_422(
    client: TestClient, world: dict[str, Any], base: int
) -> None:
    token = world["token"]
    client.post(f"/api/v1/take/{token}/start")
    response = client.put(
        f"/api/v1/take/{token}/answers/bi-single",
        json={"response": {"choice": "a"}, "base_revision": base},
    )
    assert_problem(response, 422, "invalid-request")


def _cursor(*parts: str) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(parts)).encode()).decode().rstrip("=")


@pytest.mark.parametrize("where", ["assessments", "results"])
def test_cursor_with_a_naive_timestamp_is_400(
    client: TestClient, world: dict[str, Any], where: str
) -> None:
    cursor = _cursor("2026-01-01T00:00:00", "00000000-0000-0000-0000-000000000001")
    url = {
        "assessments": "/api/v1/assessments",
        "results": f"/api/v1/assessments/{world['assessment'].id}/results",
    }[where]
    response = client.get(url, params={"cursor": cursor}, headers=world["auth"])
    assert_problem(response, 400, "invalid-cursor")


def test_an_aware_cursor_still_pages(client: TestClient, world: dict[str, Any]) -> None:
    cursor = _cursor("2999-01-01T00:00:00+00:00", "00000000-0000-0000-0000-000000000001")
    response = client.get("/api/v1/assessments", params={"cursor": cursor}, headers=world["auth"])
    assert response.status_code == 200
    assert [a["id"] for a in response.json()["items"]] == [str(world["assessment"].id)]


def test_declared_oversized_body_is_413_before_authentication(client: TestClient) -> None:
    # No API key at all: the size is refused first, without reading the body.
    response = client.post(
        "/api/v1/assessments",
        content=b"x" * (1024 * 1024 + 1),
        headers={"Content-Type": "application/json"},
    )
    body = assert_problem(response, 413, "body-too-large")
    assert body["limit_bytes"] == 1024 * 1024


def test_streamed_oversized_body_is_cut_at_the_limit(client: TestClient) -> None:
    sent = 0

    def chunks() -> Iterator[bytes]:  # no Content-Length: chunked transfer
        nonlocal sent
        for _ in range(64):
            sent += 64 * 1024
            yield b" " * (64 * 1024)

    response = client.post(
        "/api/v1/take/whatever/events",
        content=chunks(),
        headers={"Content-Type": "application/json"},
    )
    assert_problem(response, 413, "body-too-large")


def test_oversized_form_on_a_page_is_an_html_413(client: TestClient) -> None:
    response = client.post("/sign-in", content=b"a=" + b"b" * (1024 * 1024))
    assert response.status_code == 413
    assert response.headers["content-type"].startswith("text/html")


def test_body_at_the_limit_reaches_the_route(client: TestClient, world: dict[str, Any]) -> None:
    padding = 1024 * 1024 - len(b'{"title": "t", "pad": ""}')
    raw = b'{"title": "t", "pad": "' + b"a" * padding + b'"}'
    assert len(raw) == 1024 * 1024
    response = _raw_json(client, "POST", "/api/v1/assessments", raw, headers=world["auth"])
    assert_problem(response, 422, "invalid-request")  # parsed: the schema speaks, not the limit


@pytest.mark.parametrize(
    "email", ["a\x00b@example.com", "ab@exa\x00mple.com", "a\nb@example.com", "a\x7fb@example.com"]
)
def test_email_with_control_characters_is_422(
    client: TestClient, session: Session, world: dict[str, Any], email: str
) -> None:
    response = client.post(
        f"/api/v1/assessments/{world['assessment'].id}/invitations",
        json={"candidate": {"email": email, "name": "Eve"}},
        headers=world["auth"],
    )
    assert_problem(response, 422, "invalid-request")
    assert session.scalar(select(Candidate).where(Candidate.name == "Eve")) is None


@pytest.mark.parametrize("text", ["Ev\x00e", "\ud800"])
def test_text_no_database_can_store_is_422_in_any_body(
    client: TestClient, world: dict[str, Any], text: str
) -> None:
    raw = json.dumps({"candidate": {"email": "e@example.com", "name": text}}).encode()
    response = _raw_json(
        client,
        "POST",
        f"/api/v1/assessments/{world['assessment'].id}/invitations",
        raw,
        headers=world["auth"],
    )
    assert_problem(response, 422, "invalid-request")


@pytest.mark.parametrize(
    "url", ["/api/v1/questions/abc%00def", "/api/v1/questions?cursor=a%00b", "/api/v1/take/t%00k"]
)
def test_nul_in_the_url_is_400(client: TestClient, world: dict[str, Any], url: str) -> None:
    assert_problem(client.get(url, headers=world["auth"]), 400, "nul-in-url")


@pytest.mark.parametrize(
    ("accept", "csv"),
    [
        ("text/csv;q=0, application/json", False),
        ("text/csv", True),
        ("application/json;q=0.5, text/csv", True),
        ("text/*", True),
        ("*/*", False),
        ("", False),
        ("application/json, text/csv;q=0.9", False),
    ],
)
def test_results_follow_the_accept_header_with_q_values(
    client: TestClient, world: dict[str, Any], accept: str, csv: bool
) -> None:
    response = client.get(
        f"/api/v1/assessments/{world['assessment'].id}/results",
        headers={**world["auth"], "Accept": accept},
    )
    assert response.status_code == 200
    kind = response.headers["content-type"]
    assert kind.startswith("text/csv") if csv else kind == "application/json"


def test_results_refuse_an_accept_header_they_cannot_meet(
    client: TestClient, world: dict[str, Any]
) -> None:
    response = client.get(
        f"/api/v1/assessments/{world['assessment'].id}/results",
        headers={**world["auth"], "Accept": "text/csv;q=0, application/json;q=0"},
    )
    assert_problem(response, 406, "not-acceptable")


def test_reinviting_an_email_under_another_name_keeps_earlier_results(
    client: TestClient, world: dict[str, Any]
) -> None:
    url = f"/api/v1/assessments/{world['assessment'].id}/invitations"
    first = client.post(
        url, json={"candidate": {"email": "sam@example.com", "name": "Sam"}}, headers=world["auth"]
    ).json()
    second = client.post(
        url,
        json={"candidate": {"email": "SAM@example.com", "name": "Samantha"}},
        headers=world["auth"],
    ).json()
    names = {
        a["attempt_id"]: a["candidate"]["name"]
        for a in client.get(
            f"/api/v1/assessments/{world['assessment'].id}/results", headers=world["auth"]
        ).json()["items"]
    }
    assert names[first["attempt_id"]] == "Sam"
    assert names[second["attempt_id"]] == "Samantha"
    csv = client.get(
        f"/api/v1/assessments/{world['assessment'].id}/results",
        headers={**world["auth"], "Accept": "text/csv"},
    ).text
    assert "sam@example.com,Sam," in csv
    assert "sam@example.com,Samantha," in csv


def test_wrong_method_is_405_with_allow(client: TestClient, world: dict[str, Any]) -> None:
    response = client.delete(f"/api/v1/attempts/{world['attempt_id']}", headers=world["auth"])
    assert_problem(response, 405, "method-not-allowed")
    assert response.headers["allow"] == "GET"


def test_405_allow_lists_every_method_of_the_path(client: TestClient) -> None:
    # GET and POST are two routes of one path: `Allow` names both.
    response = client.put("/api/v1/assessments")
    assert_problem(response, 405, "method-not-allowed")
    assert response.headers["allow"] == "GET, POST"
