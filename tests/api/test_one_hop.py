"""Issue 13 for every route (app.one_hop): one trip through the thread pool, no connection held
between trips, and the OpenAPI document as FastAPI would write it for the sync route."""

from __future__ import annotations

import inspect
import uuid
from collections.abc import Iterator
from typing import Annotated, Any

import pytest
from fastapi import APIRouter, FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from pydantic import BaseModel
from sqlalchemy.orm import Session

from app.access.principal import Principal
from app.api.problems import _flat
from app.api.rate_limits import KeyRateLimiter
from app.deps import Permission, SessionDep, allowed, get_session
from app.models import Account
from app.one_hop import OneHopRoute
from tests import factories


def _routes(app: FastAPI) -> list[Any]:
    """Every route with a dependant: the app's own, and those of the routers it includes."""
    return [route for route in _flat(app.routes) if getattr(route, "dependant", None)]


def _sync(call: Any) -> bool:
    return not (inspect.iscoroutinefunction(call) or inspect.isasyncgenfunction(call)) and not (
        inspect.iscoroutinefunction(getattr(call, "__call__", None))  # noqa: B004
    )


def _tree(dependant: Dependant) -> Iterator[Dependant]:
    for sub in dependant.dependencies:
        yield sub
        yield from _tree(sub)


def test_every_route_of_the_app_is_async(app: FastAPI) -> None:
    # A sync route's response is validated in a second trip through the thread pool.
    routes = _routes(app)
    sync = [route.path for route in routes if _sync(route.dependant.call)]
    assert len(routes) > 100
    assert not sync


def test_only_permission_reads_the_session_in_a_sync_dependency(app: FastAPI) -> None:
    # Any other would hold its connection while the request waits for the route's thread.
    readers = {
        f"{route.path}: {sub.call}"
        for route in _routes(app)
        for sub in _tree(route.dependant)
        if _sync(sub.call)
        and not isinstance(sub.call, Permission)
        and any(dep.call is get_session for dep in sub.dependencies)
    }
    assert not readers


class Probe(BaseModel):
    held: bool


def _probe_app(session: Session) -> FastAPI:
    """An API route and a page behind Permission, telling whether a transaction is still open
    when the route runs (the dependencies resolve in the order of the parameters)."""
    router = APIRouter(route_class=OneHopRoute)

    def probe(session: SessionDep, _: Annotated[Principal, allowed(None)]) -> Probe:
        return Probe(held=session.in_transaction())

    router.add_api_route("/api/v1/probe", probe)
    router.add_api_route("/probe", probe)
    app = FastAPI()
    app.include_router(router)
    app.state.rate_limiter = KeyRateLimiter(600)
    app.dependency_overrides[get_session] = lambda: session
    return app


@pytest.mark.parametrize("path", ["/api/v1/probe", "/probe"])
def test_permission_holds_no_connection_when_the_route_runs(session: Session, path: str) -> None:
    org = factories.make_org(session)
    member = factories.make_member(session, org.organization)
    client = TestClient(_probe_app(session))
    factories.sign_in_as(client, session, session.get_one(Account, member.account_id))
    # Twice: a key's first use in a minute writes its last use, and that write commits.
    for _ in range(2):
        answer = client.get(path, headers={"Authorization": f"Bearer {org.api_key}"})
        assert answer.status_code == 200, answer.text
        assert answer.json() == {"held": False}


class Item(BaseModel):
    item_id: uuid.UUID
    note: str


def _sync_route_app(route_class: type[APIRoute]) -> FastAPI:
    router = APIRouter(route_class=route_class, tags=["items"])

    @router.put("/items/{item_id}", status_code=202, responses={404: {"description": "Gone"}})
    def put_item(item_id: uuid.UUID, body: Item, verbose: bool = False) -> Item:
        """Replace an item."""
        return Item(item_id=item_id, note=f"{body.note} {verbose}")

    app = FastAPI()
    app.include_router(router)
    return app


def test_a_one_hop_route_documents_what_the_sync_route_does() -> None:
    plain, one_hop = _sync_route_app(APIRoute), _sync_route_app(OneHopRoute)
    assert one_hop.openapi() == plain.openapi()
    operation = one_hop.openapi()["paths"]["/items/{item_id}"]["put"]
    assert operation["operationId"].startswith("put_item")
    assert operation["summary"] == "Put Item"
    assert operation["description"] == "Replace an item."
    assert {p["name"] for p in operation["parameters"]} == {"item_id", "verbose"}
    assert set(operation["responses"]) == {"202", "404", "422"}
    schema = operation["responses"]["202"]["content"]["application/json"]["schema"]
    assert schema == {"$ref": "#/components/schemas/Item"}
    item_id = uuid.uuid4()
    answer = TestClient(one_hop).put(
        f"/items/{item_id}?verbose=true", json={"item_id": str(item_id), "note": "n"}
    )
    assert answer.status_code == 202
    assert answer.json() == {"item_id": str(item_id), "note": "n True"}


def test_the_take_routes_document_their_parameters_and_answers(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    run = paths["/api/v1/take/{token}/runs/{run_id}"]["get"]
    assert run["operationId"].startswith("get_run_")
    assert [p["name"] for p in run["parameters"]] == ["token", "run_id"]
    ok = run["responses"]["200"]["content"]["application/json"]["schema"]
    assert ok == {"$ref": "#/components/schemas/RunRead"}
    started = paths["/api/v1/take/{token}/answers/{question_id}/run"]["post"]
    assert "202" in started["responses"]
