"""The autosave's own lane: `PUT /api/v1/take/{token}/answers/{question_id}` served ahead of
FastAPI's router (issue 13: the hottest request, which every candidate sends every few seconds).

For this request FastAPI's own machinery (its exception and exit-stack middleware, the search of
every included router, dependency solving, validating and serializing the response) cost more
CPU than the save itself. The lane is pure ASGI middleware inside RequestGuard and
ObservedRequests, so the body limit, the request id, the access log and the metrics are the
same as for every route. It serves the well-formed request: a JSON body that validates as
`AnswerPut`, handed to the same endpoint function the route declares. Anything else (another
content type, JSON that does not parse or validate) goes on to FastAPI with the body replayed,
so every refusal of the request's form is the route's own, word for word; the route also stays
declared for the OpenAPI document.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from app.api import schemas, take
from app.api.guards import Render, header, replay
from app.api.problems import DATABASE_OUTAGES, outage_problem
from app.errors import DomainError

PREFIX = "/api/v1/take/"


@dataclass(frozen=True)
class _Route:
    """What ObservedRequests reads of the route that served (its template labels the metrics)."""

    path: str


ROUTE = _Route(PREFIX + "{token}/answers/{question_id}")


class AutosaveLane:
    def __init__(self, app: ASGIApp, *, render: Render) -> None:
        self.app = app
        self.render = render

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        target = _autosave_target(scope)
        if target is None:
            await self.app(scope, receive, send)
            return
        body = await _read_body(receive)
        answer = _well_formed(scope, body)
        if answer is None:
            await self.app(scope, replay(body, receive), send)
            return
        scope["route"] = ROUTE
        token, question_id = target
        try:
            saved = await take.put_answer(token, question_id, answer, scope["app"].state.autosave)
        except (DomainError, *DATABASE_OUTAGES) as exc:
            error = exc if isinstance(exc, DomainError) else outage_problem("PUT", exc)
            await self.render(Request(scope, receive), error)(scope, receive, send)
            return
        content = saved.model_dump_json().encode()
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(content)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": content})


def _autosave_target(scope: Scope) -> tuple[str, str] | None:
    """(token, question_id) when the request is an autosave, as the route's template matches."""
    if scope["type"] != "http" or scope["method"] != "PUT":
        return None
    path: str = scope["path"]
    if not path.startswith(PREFIX):
        return None
    parts = path[len(PREFIX) :].split("/")
    if len(parts) != 3 or parts[1] != "answers" or not parts[0] or not parts[2]:
        return None
    return parts[0], parts[2]


async def _read_body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _well_formed(scope: Scope, body: bytes) -> schemas.AnswerPut | None:
    if not header(scope, b"content-type").lower().startswith("application/json"):
        return None
    try:
        return schemas.AnswerPut.model_validate(json.loads(body))
    except ValueError:  # not JSON, not UTF-8, or refused by AnswerPut (a ValidationError)
        return None
