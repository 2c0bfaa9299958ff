"""The OpenAPI document as served: every problem the API can answer, documented as problem+json.

FastAPI documents what each route declares; what the machinery around routes adds (the body
limit, NUL checks, validation, idempotency, rate limits, preconditions) is added here, for every
operation it applies to, so a route added later is documented without a line of its own.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from app.api.guards import FORM_TYPES, NulInFormError
from app.api.problems import PARTNER_PATHS, is_api_path

PROBLEM = "application/problem+json"
_REF = {"$ref": "#/components/schemas/Problem"}

PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "description": "RFC 9457 problem details; extension members carry the problem's data.",
    "type": "object",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string", "description": "`/problems/<code>`, stable per problem"},
        "title": {"type": "string"},
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "errors": {
            "type": "array",
            "description": "invalid-request: each field that failed, with where and why",
            "items": {
                "type": "object",
                "properties": {
                    "loc": {"type": "array", "items": {"type": ["string", "integer"]}},
                    "msg": {"type": "string"},
                    "type": {"type": "string"},
                },
            },
        },
    },
    "additionalProperties": True,
    "examples": [
        {
            "type": "/problems/assessment-not-found",
            "title": "Assessment not found",
            "status": 404,
            "detail": "No assessment 0b8e9b0e-4a4c-4f57-9a53-3f3f1d7d1c55.",
            "instance": "/api/v1/assessments/0b8e9b0e-4a4c-4f57-9a53-3f3f1d7d1c55",
        }
    ],
}

# A change made to every API operation: (path, method, operation) -> None, editing in place.
Rule = Callable[[str, str, dict[str, Any]], None]


def add_problem(operation: dict[str, Any], status: int, code: str, **extra: Any) -> None:
    """Document that `operation` may answer `status` with the problem `code`."""
    responses = operation.setdefault("responses", {})
    entry = responses.setdefault(str(status), {"description": ""})
    codes = [c for c in entry.get("description", "").split(" | ") if c]
    if code not in codes:
        codes.append(code)
    entry["description"] = " | ".join(codes)
    entry["content"] = {PROBLEM: {"schema": _REF}}
    entry.update(extra)


def install(app: FastAPI, rules: Sequence[Rule]) -> None:
    """Serve the document completed by `rules` (and this module's) at /openapi.json."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = complete(
                get_openapi(
                    title=app.title,
                    version=app.version,
                    summary=app.summary,
                    description=app.description,
                    routes=app.routes,
                ),
                [problems_are_problem_json, input_problems, preconditions, partner_auth, *rules],
            )
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def complete(document: dict[str, Any], rules: Sequence[Rule]) -> dict[str, Any]:
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    schemas["Problem"] = PROBLEM_SCHEMA
    for path, item in document.get("paths", {}).items():
        if not is_api_path(path):  # the Greenhouse partner API (/integrations/) too
            continue
        for method, operation in item.items():
            if method in {"get", "put", "post", "patch", "delete"}:
                for change in rules:
                    change(path, method, operation)
    security = document["components"].setdefault("securitySchemes", {})
    security["HTTPBasic"] = BASIC_SCHEME
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)
    return document


BASIC_SCHEME = {
    "type": "http",
    "scheme": "basic",
    "description": "The organization's API key as the user name, no password (Greenhouse's way)",
}


def partner_auth(path: str, _method: str, operation: dict[str, Any]) -> None:
    """The partner API takes HTTP Basic, as Greenhouse sends it, besides the Bearer key."""
    if path.startswith(PARTNER_PATHS) and operation.get("security"):
        operation["security"] = [{"HTTPBasic": []}, *operation["security"]]


def problems_are_problem_json(_path: str, _method: str, operation: dict[str, Any]) -> None:
    for status, response in operation.get("responses", {}).items():
        content = response.get("content", {})
        if status == "422" and "application/json" in content:
            # FastAPI's HTTPValidationError is not what is served: validation is a problem too.
            response["description"] = "invalid-request"
            response["content"] = {PROBLEM: {"schema": _REF}}
        elif PROBLEM in content:
            content[PROBLEM] = {"schema": _REF}


def input_problems(_path: str, _method: str, operation: dict[str, Any]) -> None:
    # Any request may carry a NUL in its URL (refused before routing), and any input may fail
    # validation; a body may be over the size limit.
    add_problem(operation, 400, "nul-in-url")
    if operation.get("parameters") or "requestBody" in operation:
        add_problem(operation, 422, "invalid-request")
    if "requestBody" in operation:
        add_problem(operation, 400, "malformed-request")
        add_problem(operation, 413, "body-too-large")
        if any(t.startswith(FORM_TYPES) for t in operation["requestBody"].get("content", {})):
            add_problem(operation, 422, NulInFormError.code)


def preconditions(_path: str, method: str, operation: dict[str, Any]) -> None:
    """An update that takes `If-Match` may answer 412, and says the new ETag when it succeeds."""
    headers = {p["name"].lower() for p in operation.get("parameters", []) if p["in"] == "header"}
    if method not in {"put", "patch", "delete"} or "if-match" not in headers:
        return
    add_problem(operation, 412, "precondition-failed")
    for status, response in operation.get("responses", {}).items():
        if status.startswith("2"):
            response.setdefault("headers", {})["ETag"] = {
                "description": "The resource's new version: send it as `If-Match` next time",
                "schema": {"type": "string"},
            }
