"""`Idempotency-Key` on every POST of the API: a retry gets the first response, never a twin.

Two halves, both generic, so a POST route added to an API router is covered without a line of
its own: `idempotency_guard` (made a dependency of each POST by GuardedPosts, the API routers'
route class) claims the key or replays the stored response before the route runs;
`IdempotencyRecorder` (middleware) stores the response once it is sent. Only success is
stored: a failed request created nothing, so a retry runs again.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from functools import partial
from typing import Annotated, Any

import anyio.to_thread
from fastapi import Depends, FastAPI, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.api.openapi import add_problem
from app.api.problems import is_api_path
from app.api.rate_limits import RETRY_AFTER
from app.deps import SessionDep
from app.errors import DomainError
from app.idempotency import service as idempotency
from app.idempotency.service import Claim, StoredResponse
from app.one_hop import OneHopRoute

HEADER = "Idempotency-Key"
_STATE = "idempotency_claim"
_VALID_KEY = re.compile(r"^[\x21-\x7e]{1,255}$")  # visible ASCII, as the IETF draft's examples
# Headers a replay repeats; the rest (date, cookies, length) belong to each response.
_KEPT = frozenset({"content-type", "location", "etag", "retry-after", "content-disposition"})
WAIT_SECONDS = 10.0


class InvalidIdempotencyKeyError(DomainError):
    status, code, title = (
        400,
        "invalid-idempotency-key",
        "The Idempotency-Key must be 1 to 255 visible ASCII characters",
    )


class _Replay(Exception):  # noqa: N818 (a control-flow signal, not an error)
    def __init__(self, stored: StoredResponse) -> None:
        self.stored = stored


async def _body(request: Request) -> bytes:
    return await request.body() if request.method == "POST" else b""


async def idempotency_guard(
    request: Request, session: SessionDep, body: Annotated[bytes, Depends(_body)]
) -> None:
    """Claim the request's Idempotency-Key, or answer with the response stored under it.

    Async, so that the requests it lets through untouched (every one but a keyed POST) cost
    no trip through the thread pool; the claim itself waits on the database, off the loop.
    """
    key = request.headers.get(HEADER)
    if request.method != "POST" or key is None:
        return
    if not _VALID_KEY.match(key):
        raise InvalidIdempotencyKeyError()
    who = hashlib.sha256(
        f"{request.headers.get('authorization', '')}\n{request.url.path}".encode()
    ).hexdigest()
    what = hashlib.sha256()
    for part in (request.url.query, request.headers.get("content-type", "")):
        what.update(part.encode() + b"\n")
    what.update(body)
    outcome = await anyio.to_thread.run_sync(
        partial(
            idempotency.claim,
            session,
            namespace=who,
            key=key,
            fingerprint=what.hexdigest(),
            wait=WAIT_SECONDS,
        )
    )
    if isinstance(outcome, StoredResponse):
        raise _Replay(outcome)
    request.state.idempotency_claim = (session, outcome)


IdempotencyGuard = Depends(idempotency_guard)


class GuardedPosts(OneHopRoute):
    """The route class of the API's routers: a POST runs the guard first; other methods never
    pay for it (it took a database session per request, a tenth of an autosave's CPU). A sync
    route takes one trip through the thread pool (OneHopRoute)."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **options: Any) -> None:
        if "POST" in (options.get("methods") or ()):
            options["dependencies"] = [IdempotencyGuard, *(options.get("dependencies") or ())]
        super().__init__(path, endpoint, **options)


class IdempotencyRecorder:
    """Pure ASGI middleware: store a claimed request's response, or release its claim."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or not is_api_path(scope["path"]):
            await self.app(scope, receive, send)
            return
        status = 0
        headers: list[tuple[str, str]] = []
        chunks: list[bytes] = []

        async def recording_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers.extend(
                    (k.decode("latin-1"), v.decode("latin-1"))
                    for k, v in message.get("headers", [])
                    if k.decode("latin-1").lower() in _KEPT
                )
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, receive, recording_send)
        finally:
            claimed = scope.get("state", {}).pop(_STATE, None)
            if claimed is not None:
                session, claim = claimed
                stored = StoredResponse(status, headers, b"".join(chunks))
                await anyio.to_thread.run_sync(_settle, session, claim, stored)


def _settle(session: Session, claim: Claim, stored: StoredResponse) -> None:
    if 200 <= stored.status_code < 400:
        idempotency.complete(session, claim, stored)
    else:
        idempotency.release(session, claim)


def install(app: FastAPI) -> None:
    """Replay stored responses and record new ones (the guard itself joins the API router)."""

    @app.exception_handler(_Replay)
    async def _replay(_request: Request, exc: _Replay) -> Response:
        response = Response(exc.stored.body, status_code=exc.stored.status_code)
        for name, value in exc.stored.headers:
            response.headers[name] = value
        response.headers["Idempotent-Replayed"] = "true"
        return response

    app.add_middleware(IdempotencyRecorder)


def openapi_rule(_path: str, method: str, operation: dict[str, Any]) -> None:
    """Document the header and its problems on every POST."""
    if method != "post":
        return
    operation.setdefault("parameters", []).append(
        {
            "name": HEADER,
            "in": "header",
            "required": False,
            "description": "Send a fresh value per new request and the same value on its "
            "retries: a retry gets the first response (24 hours), never a second resource.",
            "schema": {"type": "string", "pattern": _VALID_KEY.pattern, "maxLength": 255},
            "example": "5f0c6c3e-6a55-4a8e-9b7e-2f1d3c4b5a69",
        }
    )
    for status, response in operation.get("responses", {}).items():
        if status.startswith("2"):
            response.setdefault("headers", {})["Idempotent-Replayed"] = {
                "description": "`true` when this is the stored response to an earlier request",
                "schema": {"type": "string", "enum": ["true"]},
            }
    add_problem(operation, 400, InvalidIdempotencyKeyError.code)
    add_problem(operation, 422, idempotency.IdempotencyKeyReusedError.code)
    add_problem(operation, 409, idempotency.IdempotencyKeyInUseError.code, headers=RETRY_AFTER)
