"""/openapi.json says what is served: problems as problem+json on every operation that can
answer them, the headers the API honours, and the rules of its bodies."""

from __future__ import annotations

from typing import Any

import jsonschema
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.main import create_app
from app.settings import Settings
from tests.factories import make_org, make_question, single_choice

DOC = create_app(Settings()).openapi()
OPERATIONS = [
    (path, method, op)
    for path, item in DOC["paths"].items()
    if path.startswith("/api/")
    for method, op in item.items()
]


def _ids() -> list[str]:
    return [f"{m.upper()} {p}" for p, m, _ in OPERATIONS]


def test_served_document_is_openapi_3_1(client: TestClient) -> None:
    served = client.get("/openapi.json").json()
    assert served["openapi"].startswith("3.1")
    assert "HTTPValidationError" not in str(served)
    assert served["components"]["schemas"]["Problem"]["required"] == [
        "type",
        "title",
        "status",
        "detail",
    ]


@pytest.mark.parametrize(("path", "method", "op"), OPERATIONS, ids=_ids())
def test_every_error_is_a_documented_problem(path: str, method: str, op: dict[str, Any]) -> None:
    responses = op["responses"]
    errors = {s: r for s, r in responses.items() if s[0] in "45"}
    assert errors, f"{method} {path} documents no problem"
    for status, response in errors.items():
        assert set(response["content"]) == {"application/problem+json"}, (status, response)
        assert response["content"]["application/problem+json"]["schema"] == {
            "$ref": "#/components/schemas/Problem"
        }
        assert response["description"], status
    assert "nul-in-url" in responses["400"]["description"]
    if op.get("parameters") or "requestBody" in op:
        assert "invalid-request" in responses["422"]["description"]
    if "requestBody" in op:
        assert "malformed-request" in responses["400"]["description"]
        assert "body-too-large" in responses["413"]["description"]
        assert all(media.get("schema") for media in op["requestBody"]["content"].values())


@pytest.mark.parametrize(("path", "method", "op"), OPERATIONS, ids=_ids())
def test_key_operations_document_auth_and_rate_limits(
    path: str, method: str, op: dict[str, Any]
) -> None:
    if path.startswith(("/api/v1/take/", "/api/v1/preview/")):
        assert "security" not in op  # the token in the path is the credential
        return
    assert op["security"] == [{"HTTPBearer": []}]
    assert "unauthorized" in op["responses"]["401"]["description"]
    assert "forbidden" in op["responses"]["403"]["description"]
    assert "Retry-After" in op["responses"]["429"]["headers"]


@pytest.mark.parametrize(("path", "method", "op"), OPERATIONS, ids=_ids())
def test_every_post_documents_idempotency(path: str, method: str, op: dict[str, Any]) -> None:
    if method != "post":
        return
    names = [p["name"] for p in op["parameters"] if p["in"] == "header"]
    assert "Idempotency-Key" in names
    assert "idempotency-key-reused" in op["responses"]["422"]["description"]
    assert "idempotency-key-in-use" in op["responses"]["409"]["description"]


# Updates that cannot lose another's change without If-Match, and why.
NO_LOST_UPDATE = {
    ("put", "/api/v1/take/{token}/answers/{question_id}"): "base_revision in the body",
    ("put", "/api/v1/take/{token}/flags/{question_id}"): "sets a value; no read-modify-write",
    ("put", "/api/v1/preview/{token}/answers/{question_id}"): "a preview stores nothing",
    ("put", "/api/v1/preview/{token}/flags/{question_id}"): "a preview stores nothing",
    ("delete", "/api/v1/api-keys/{api_key_id}"): "revoking is the same however often",
    ("put", "/api/v1/invitations/{candidate_invitation_id}/extra-time"): "sets an absolute value",
    # Sets only the fields it is sent, each to the value sent: no read-modify-write.
    ("patch", "/api/v1/webhook-endpoints/{endpoint_id}"): "sets the fields sent",
    ("delete", "/api/v1/webhook-endpoints/{endpoint_id}"): "deleting is the same however often",
    # A draft replaced whole; two editors at once: the last one wins (library; reported).
    ("put", "/api/v1/questions/{question_id}"): "to decide",
}


@pytest.mark.parametrize(("path", "method", "op"), OPERATIONS, ids=_ids())
def test_every_update_guards_against_lost_updates(
    path: str, method: str, op: dict[str, Any]
) -> None:
    """A PUT/PATCH/DELETE added later takes If-Match (and documents 412), or says why not."""
    if method not in {"put", "patch", "delete"}:
        return
    headers = {p["name"].lower() for p in op.get("parameters", []) if p["in"] == "header"}
    if (method, path) in NO_LOST_UPDATE:
        return
    assert "if-match" in headers, f"{method.upper()} {path} takes no If-Match"
    assert "precondition-failed" in op["responses"]["412"]["description"]
    ok = next(r for s, r in op["responses"].items() if s.startswith("2"))
    assert "ETag" in ok["headers"]


def test_the_invitation_400_is_documented_and_served(client: TestClient, session: Session) -> None:
    op = DOC["paths"]["/api/v1/assessments/{assessment_id}/invitations"]["post"]
    assert "malformed-request" in op["responses"]["400"]["description"]
    org = make_org(session)
    served = client.post(
        "/api/v1/assessments/00000000-0000-0000-0000-000000000000/invitations",
        content=b"{not json",
        headers={"Authorization": f"Bearer {org.api_key}", "Content-Type": "application/json"},
    )
    assert served.status_code == 400
    assert served.json()["type"] == "/problems/malformed-request"


@pytest.mark.parametrize(
    ("body", "valid"),
    [
        ({"title": "t", "question_ids": ["oa-q"], "time_limit_minutes": 5}, True),
        ({"title": "t", "template": "ml-engineer"}, True),
        ({"title": "t", "template": "ml-engineer", "time_limit_minutes": 30}, True),
        ({"title": "t", "question_ids": ["oa-q"]}, False),  # the time limit comes with the ids
        ({"title": "t", "question_ids": ["oa-q"], "time_limit_minutes": None}, False),
        ({"title": "t", "question_ids": ["oa-q"], "template": "x", "time_limit_minutes": 5}, True),
        ({"title": "t", "pools": [], "time_limit_minutes": 5}, False),
        ({"title": "t", "template": None, "question_ids": None}, False),
        ({"title": "t"}, False),
    ],
)
def test_the_time_limit_rule_is_in_the_schema_as_served(
    client: TestClient, session: Session, body: dict[str, Any], valid: bool
) -> None:
    # The component resolved against the whole document, as a client's validator would.
    validator = jsonschema.Draft202012Validator(
        {**DOC, "$ref": "#/components/schemas/AssessmentCreate"}
    )
    assert validator.is_valid(body) is valid, list(validator.iter_errors(body))
    org = make_org(session)
    make_question(session, single_choice("oa-q", "chain_rule"))
    response = client.post(
        "/api/v1/assessments", json=body, headers={"Authorization": f"Bearer {org.api_key}"}
    )
    assert (response.status_code != 422) is valid, response.text


# Lists returned whole, and why that stays small.
BOUNDED_LISTS = {
    "/api/v1/attempts/{attempt_id}/questions/{question_id}/history": "the latest 200 revisions",
    # Not bounded: one assessment's invitations, whole. To page like the others (reported).
    "/api/v1/assessments/{assessment_id}/invitations": "to page",
}


def _resolve(schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = DOC["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


@pytest.mark.parametrize(("path", "method", "op"), OPERATIONS, ids=_ids())
def test_every_list_pages_with_a_cursor(path: str, method: str, op: dict[str, Any]) -> None:
    """A collection added later pages like the others (`cursor`, `limit`, `next_cursor`)."""
    ok = op["responses"].get("200", {}).get("content", {}).get("application/json")
    if method != "get" or ok is None or path in BOUNDED_LISTS:
        return
    body = _resolve(ok["schema"])
    if body.get("type") == "array" or "items" in body.get("properties", {}):
        params = {p["name"] for p in op.get("parameters", []) if p["in"] == "query"}
        assert {"cursor", "limit"} <= params, f"{path} lists without a cursor"
        assert "next_cursor" in body["properties"]
