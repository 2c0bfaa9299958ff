"""Every guarded route x every role (members on pages, scoped keys on the API) x own/other org.

The cells are generated from the app's routes and the policy table: a route's action is read
off its Permission dependency, and the expected status follows from ROLE_ACTIONS / KEY_SCOPES.
Another organization's ids answer exactly like ids that exist nowhere (404).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session

from app.access.policy import KEY_SCOPES, ROLE_ACTIONS
from app.main import create_app
from app.models import Account, Organization, Role
from app.settings import Settings
from tests.access.areas import BODIES, FORM_TARGETS, PAGE_STATUS
from tests.access.routes import Route, app_routes
from tests.access.worlds import World, build_world
from tests.factories import sign_in_as
from tests.table_rows import fingerprint

# /metrics has no member or key: it answers its scraper's token (tests/observability).
PUBLIC = (
    "/api/v1/take/",
    "/take/",
    "/api/v1/preview/",
    "/preview/",
    "/healthz",
    "/readyz",
    "/metrics",
    "/sign-in",
    "/password/",
    "/join/",
)
KEY_SCOPE_NAMES = tuple(KEY_SCOPES)

ROUTES = app_routes(create_app(Settings()))
GUARDED = [r for r in ROUTES if r.permission is not None]


def test_every_route_is_guarded_or_public() -> None:
    loose = [str(r) for r in ROUTES if r.permission is None and not r.path.startswith(PUBLIC)]
    assert not loose, f"routes with neither a Permission nor a public path: {loose}"
    assert len(GUARDED) >= 17


def test_every_write_has_a_body() -> None:
    """A write route missing from tests/access/areas fails here, so new routes join the matrix."""
    writes = {r.name for r in GUARDED if r.method != "GET"}
    assert writes <= set(BODIES), writes - set(BODIES)


# The two organizations are built once, in a transaction of the module's own that is rolled back
# at its end; each cell runs in a SAVEPOINT rolled back after it. The requests' commits end only
# their session's inner savepoint (join_transaction_mode="create_savepoint", tests/conftest.py).


@pytest.fixture(scope="module")
def module_connection(engine: Engine) -> Iterator[Connection]:
    with engine.connect() as conn:
        transaction = conn.begin()
        yield conn
        transaction.rollback()


@pytest.fixture(scope="module")
def worlds(module_connection: Connection) -> tuple[World, World]:
    with Session(bind=module_connection, join_transaction_mode="create_savepoint") as session:
        own, other = build_world(session, "own"), build_world(session, "other")
        session.commit()  # releases the session's savepoint; the module's transaction stays open
    return own, other


@pytest.fixture(scope="module")
def baseline(module_connection: Connection, worlds: tuple[World, World]) -> str:
    return fingerprint(module_connection)


@pytest.fixture
def connection(module_connection: Connection, baseline: str) -> Iterator[Connection]:
    """The module's connection (overriding tests/conftest.py), in a savepoint of this cell's own."""
    savepoint = module_connection.begin_nested()
    yield module_connection
    savepoint.rollback()
    # Every row is back as the worlds left it, so no cell sees what another wrote.
    assert fingerprint(module_connection) == baseline


def test_a_cells_committed_write_is_gone_after_it(
    session: Session, module_connection: Connection, baseline: str
) -> None:
    """The isolation every cell relies on: a committed write shows in its cell, then disappears."""
    session.add(Organization(name="left behind?"))
    session.commit()  # as a route commits
    assert fingerprint(module_connection) != baseline
    # The connection fixture's teardown then finds every row as the worlds left it.


def _targets(route: Route) -> set[str]:
    return set(route.params) | FORM_TARGETS.get(route.name, set())


def _cells() -> list[Any]:
    cells = []
    for route in GUARDED:
        if route.is_api:
            actors = [f"key:{s}" for s in KEY_SCOPE_NAMES] + ["member:owner"]
        else:
            actors = [f"member:{r.value}" for r in Role] + ["key:admin"]
        for actor in [*actors, "anonymous"]:
            # A key is no way into pages, a session cookie none into the API.
            wrong_door = actor == "anonymous" or actor.startswith(
                "member:" if route.is_api else "key:"
            )
            places = ("own", "other") if _targets(route) and not wrong_door else ("own",)
            for where in places:
                label = f"{route} | {actor}{' (wrong door)' if wrong_door else ''} | {where}"
                cells.append(pytest.param(route, actor, where, wrong_door, id=label))
    return cells


def _allowed(route: Route, actor: str) -> bool:
    if route.action is None:
        return True
    kind, name = actor.split(":")
    return route.action in (KEY_SCOPES[name] if kind == "key" else ROLE_ACTIONS[Role(name)])


def _fill(value: Any, ids: dict[str, str]) -> Any:
    if isinstance(value, str):
        return re.sub(r"\{(\w+)\}", lambda m: ids[m.group(1)], value)
    if isinstance(value, list):
        return [_fill(v, ids) for v in value]
    if isinstance(value, dict):
        return {k: _fill(v, ids) for k, v in value.items()}
    return value


def _send(
    client: TestClient, route: Route, ids: dict[str, str], csrf: str | None, headers: dict[str, str]
) -> Response:
    body = _fill(BODIES.get(route.name, {}), ids)
    if "data" in body and csrf:
        body["data"] = {**body["data"], "csrf_token": csrf}
    return client.request(
        route.method, _fill(route.path, ids), headers=headers, follow_redirects=False, **body
    )


@pytest.mark.parametrize(("route", "actor", "where", "wrong_door"), _cells())
def test_permission_cell(
    client: TestClient,
    session: Session,
    worlds: tuple[World, World],
    route: Route,
    actor: str,
    where: str,
    wrong_door: bool,
) -> None:
    own, other = worlds
    headers: dict[str, str] = {}
    csrf = None
    if actor.startswith("key:"):
        headers["Authorization"] = f"Bearer {own.keys[actor.removeprefix('key:')]}"
    elif actor.startswith("member:"):
        account = session.get(Account, own.accounts[Role(actor.removeprefix("member:"))])
        assert account is not None
        csrf = sign_in_as(client, session, account)
    ids = dict(own.ids)
    if where == "other":
        ids.update({k: other.ids[k] for k in _targets(route)})
    response = _send(client, route, ids, csrf, headers)

    if wrong_door:
        if route.is_api:
            assert response.status_code == 401, response.text
            assert response.headers["content-type"] == "application/problem+json"
        else:
            assert response.status_code == 303, response.text
            assert response.headers["location"].startswith("/sign-in")
    elif not _allowed(route, actor):
        assert response.status_code == 403, response.text
        if route.is_api:
            assert response.json()["type"] == "/problems/forbidden"
        else:
            assert response.headers["content-type"].startswith("text/html")
            assert "You may not do this" in response.text
    elif where == "other":
        assert response.status_code == 404, response.text
        nowhere = {
            k: ("no-such-question" if k == "question_id" else str(uuid.uuid4()))
            for k in _targets(route)
        }
        missing = _send(client, route, {**ids, **nowhere}, csrf, headers)
        assert missing.status_code == 404
        if route.is_api:  # the same problem as for an id that exists nowhere
            assert missing.json()["type"] == response.json()["type"]
    else:
        expected = 200 if route.method == "GET" else (route.status_code or 200)
        if not (route.is_api or route.method == "GET"):
            expected = PAGE_STATUS.get(route.name, 303)
        assert response.status_code == expected, response.text
