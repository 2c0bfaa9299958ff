"""Per-request metrics, request ids and the access log, as one pure ASGI middleware.

The route label is the route's template (/api/v1/take/{token}/answers/{question_id}), never
the path as requested: paths carry invitation tokens, and a label per token would also make
the metrics grow without bound. A path that matched no route is `(unmatched)`.
"""

from __future__ import annotations

import re
import secrets
import time
from functools import lru_cache
from typing import Any

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.observability.metrics import AUTOSAVES, REQUEST_SECONDS, REQUESTS

log = structlog.get_logger("chainrule.http")

AUTOSAVE_ROUTES = {("PUT", "/api/v1/take/{token}/answers/{question_id}")}
# A request id a proxy sent is kept only if it looks like one (it is echoed and logged).
_GOOD_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class ObservedRequests:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _request_id(scope)
        started = time.perf_counter()
        status = 500  # what the client gets if the app raises before answering

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [
                    *message.get("headers", []),
                    (b"x-request-id", request_id.encode()),
                ]
            await send(message)

        # Bound for this request's records, then reset: cheaper than clearing every context var.
        with structlog.contextvars.bound_contextvars(request_id=request_id):
            try:
                await self.app(scope, receive, send_with_id)
            finally:
                seconds = time.perf_counter() - started
                method, route = scope["method"], _route_template(scope)
                requests, latency, autosaves = _series(method, route, status)
                requests.inc()
                latency.observe(seconds)
                if autosaves is not None:
                    autosaves.inc()
                log.info(
                    "request",
                    method=method,
                    route=route,
                    status=status,
                    ms=round(seconds * 1000, 1),
                )


@lru_cache(maxsize=4096)
def _series(method: str, route: str, status: int) -> tuple[Any, Any, Any | None]:
    """A request's metric series (a look-up by labels takes a lock and builds a key each time)."""
    autosave = (method, route) in AUTOSAVE_ROUTES
    return (
        REQUESTS.labels(method, route, str(status)),
        REQUEST_SECONDS.labels(method, route),
        AUTOSAVES.labels(str(status)) if autosave else None,
    )


def _route_template(scope: Scope) -> str:
    route: Any = scope.get("route")
    path = getattr(route, "path", None)
    if not isinstance(path, str):
        return "(unmatched)"
    # FastAPI keeps an included router's routes with their own paths (no prefix) and records
    # the full template of the route it chose here (tests/observability pins this).
    chosen = scope.get("fastapi", {}).get("effective_route_context")
    full = getattr(chosen, "path_format", None)
    if isinstance(full, str) and full:
        return full
    prefix = scope.get("root_path", "")
    return f"{prefix}{path}" if prefix and not path.startswith(prefix) else path


def _request_id(scope: Scope) -> str:
    for name, value in scope.get("headers", []):
        if name == b"x-request-id":
            given = bytes(value).decode("latin-1")
            if _GOOD_ID.match(given):
                return given
    return secrets.token_hex(16)  # the shape of a uuid4's hex, for less
