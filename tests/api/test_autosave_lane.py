"""The autosave's lane answers as the route it stands in front of (app/api/autosave_lane.py).

The lane takes `application/json` only; FastAPI's route also takes any `+json` type. So each
request below is sent twice, once per content type, and both answers must agree: the lane's
and the route's, for the save and for every refusal the save itself decides.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx import Response

from app.deps import get_autosave
from tests.problems import assert_problem

LANE = "application/json"
ROUTE_ONLY = "application/vnd.chainrule+json"


def put(client: TestClient, token: str, qid: str, body: dict[str, Any], kind: str) -> Response:
    return client.put(
        f"/api/v1/take/{token}/answers/{qid}",
        content=json.dumps(body),
        headers={"Content-Type": kind},
    )


@pytest.fixture
def started(client: TestClient, world: dict[str, Any]) -> str:
    token: str = world["token"]
    assert client.post(f"/api/v1/take/{token}/start").status_code == 200
    return token


def test_a_save_is_answered_alike_and_each_way_stores_a_revision(
    client: TestClient, started: str
) -> None:
    first = put(client, started, "bi-single", {"response": {"choice": "a"}}, LANE)
    second = put(client, started, "bi-single", {"response": {"choice": "b"}}, ROUTE_ONLY)
    third = put(client, started, "bi-single", {"response": {"choice": "c"}}, LANE)
    for response in (first, second, third):
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == "application/json"
        assert set(response.json()) == {"question_id", "revision", "saved_at"}
    assert [r.json()["revision"] for r in (first, second, third)] == [1, 2, 3]
    saved = client.get(f"/api/v1/take/{started}").json()["answers"]["bi-single"]
    assert (saved["response"], saved["revision"]) == ({"choice": "c"}, 3)


ANSWER = {"response": {"choice": "a"}}
# (case, what happens first, question, body, status)
REFUSALS = [
    ("an unknown question", None, "nope", ANSWER, 404),
    ("a choice the question lacks", None, "bi-single", {"response": {"choice": "zz"}}, 422),
    ("a choice for a number", None, "bi-num", ANSWER, 422),
    ("a stale base revision", "save", "bi-single", {**ANSWER, "base_revision": 0}, 409),
    ("a submitted attempt", "submit", "bi-single", ANSWER, 409),
]


@pytest.mark.parametrize(("case", "first", "qid", "body", "status"), REFUSALS)
def test_a_refusal_is_the_same_problem_either_way(
    client: TestClient,
    started: str,
    case: str,
    first: str | None,
    qid: str,
    body: dict[str, Any],
    status: int,
) -> None:
    if first == "save":
        assert put(client, started, "bi-single", ANSWER, LANE).status_code == 200
    elif first == "submit":
        assert client.post(f"/api/v1/take/{started}/submit").status_code == 200
    by_lane = put(client, started, qid, body, LANE)
    by_route = put(client, started, qid, body, ROUTE_ONLY)
    code = by_route.json()["type"].removeprefix("/problems/")
    assert_problem(by_route, status, code)
    assert (by_lane.status_code, by_lane.headers["content-type"]) == (
        by_route.status_code,
        by_route.headers["content-type"],
    )
    assert by_lane.json() == by_route.json(), case


def test_a_body_the_lane_cannot_read_is_the_routes_to_refuse(
    client: TestClient, started: str
) -> None:
    """Not JSON, or JSON that AnswerPut refuses: the route answers, with the body replayed."""
    url = f"/api/v1/take/{started}/answers/bi-single"
    malformed = client.put(url, content=b'{"response": ', headers={"Content-Type": LANE})
    assert_problem(malformed, 400, "malformed-request")
    extra = client.put(url, json={"response": {"choice": "a"}, "extra": 1})
    body = assert_problem(extra, 422, "invalid-request")
    assert body["errors"][0]["loc"] == ["body", "extra"]
    assert client.get(f"/api/v1/take/{started}").json()["answers"] == {}


def test_a_well_formed_save_never_reaches_fastapi(
    app: FastAPI, client: TestClient, started: str
) -> None:
    """What the lane is for: the route's dependencies (here, an autosave that refuses) are not
    solved for a well-formed save, so FastAPI's machinery is not paid for."""

    def route_autosave() -> None:
        raise ServedByTheRouteError

    app.dependency_overrides[get_autosave] = route_autosave
    assert put(client, started, "bi-single", ANSWER, LANE).status_code == 200
    with pytest.raises(ServedByTheRouteError):
        put(client, started, "bi-single", ANSWER, ROUTE_ONLY)


class ServedByTheRouteError(Exception):
    pass
