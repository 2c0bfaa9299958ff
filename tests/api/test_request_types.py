"""Request bodies take the types their schema says: `0` is no boolean, `"5"` no integer, and
text must be storable, in every body of the API, a body added later included."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import BaseModel
from sqlalchemy.orm import Session

from app.api.text import check_storable
from app.main import create_app
from app.settings import Settings
from tests.factories import make_org
from tests.problems import assert_problem


def _bodies() -> dict[str, type[BaseModel]]:
    found: dict[str, type[BaseModel]] = {}
    for route in create_app(Settings()).routes:
        contexts = (
            route.effective_route_contexts() if hasattr(route, "effective_route_contexts") else []
        )
        for context in contexts:
            model = context.body_field.field_info.annotation if context.body_field else None
            if context.path.startswith("/api/") and isinstance(model, type):
                found[f"{sorted(context.methods)[0]} {context.path}"] = model
    return found


BODIES = _bodies()


def _lax_nodes(schema: Any, where: str) -> Iterator[str]:
    """Places in a pydantic core schema that coerce: a bool or int not marked strict."""
    if isinstance(schema, dict):
        kind = schema.get("type")
        if isinstance(kind, str) and kind in {"bool", "int"} and not schema.get("strict"):
            yield f"{where} ({kind})"
        for key, value in schema.items():
            yield from _lax_nodes(
                value, f"{where}.{key}" if key not in {"schema", "type"} else where
            )
    elif isinstance(schema, list):
        for item in schema:
            yield from _lax_nodes(item, where)


def test_the_api_has_bodies() -> None:
    assert len(BODIES) >= 8


@pytest.mark.parametrize("route", sorted(BODIES))
def test_every_body_is_strict_about_booleans_and_integers(route: str) -> None:
    model = BODIES[route]
    lax = sorted(set(_lax_nodes(model.__pydantic_core_schema__, model.__name__)))
    assert not lax, f"{route}: use StrictBool/StrictInt for {lax}"


@pytest.mark.parametrize("route", sorted(BODIES))
def test_every_body_refuses_unstorable_text(route: str) -> None:
    with pytest.raises(ValueError, match="NUL"):
        check_storable({"x": "a\x00b"})
    with pytest.raises(ValueError, match="NUL"):
        BODIES[route].model_validate({"nul": "a\x00b"})


@pytest.mark.parametrize("value", [0, 1, "true"])
def test_a_boolean_field_refuses_what_only_looks_like_one(
    client: TestClient, session: Session, value: Any
) -> None:
    org = make_org(session)
    response = client.post(
        "/api/v1/assessments",
        json={"title": "t", "template": "ml-engineer", "candidates_see_results": value},
        headers={"Authorization": f"Bearer {org.api_key}"},
    )
    assert_problem(response, 422, "invalid-request")
