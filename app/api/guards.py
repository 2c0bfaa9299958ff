"""Checks on the raw request before routing: the body's size while it streams, NUL in the URL.

Both run before authentication and before any parsing, so a stranger cannot make the server
buffer a large body or hand a NUL to the database (PostgreSQL refuses NUL in text).
"""

from __future__ import annotations

from collections.abc import Callable

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.errors import DomainError

Render = Callable[[Request, DomainError], Response]


class BodyTooLargeError(DomainError):
    status, code, title = 413, "body-too-large", "The request body is over the size limit"


class NulInUrlError(DomainError):
    status, code, title = 400, "nul-in-url", "The address contains a NUL character"


class _OverflowSignalError(Exception):
    """Raised into the app's body read when the limit is passed; its answer is replaced."""


class RequestGuard:
    """Pure ASGI middleware: refuse NUL in path or query, and bodies over `max_body_bytes`.

    A declared Content-Length over the limit is refused without reading a byte; a chunked body
    is counted as it streams and cut at the limit, whatever the route would have answered.
    """

    def __init__(self, app: ASGIApp, *, max_body_bytes: int, render: Render) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.render = render

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if _has_nul(scope):
            await self._refuse(scope, receive, send, NulInUrlError())
            return
        if (_declared_length(scope) or 0) > self.max_body_bytes:
            await self._refuse(scope, receive, send, self._too_large())
            return
        total, over, started = 0, False, False

        async def limited_receive() -> Message:
            nonlocal total, over
            if over:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                total += len(message.get("body", b""))
                if total > self.max_body_bytes:
                    over = True
                    raise _OverflowSignalError
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if over and not started:
                return  # the app's answer to a cut body is replaced by the 413 below
            started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, guarded_send)
        except _OverflowSignalError:
            if started:
                raise
        except Exception:
            if not over or started:
                raise
        if over and not started:
            await self._refuse(scope, receive, send, self._too_large())

    def _too_large(self) -> BodyTooLargeError:
        return BodyTooLargeError(
            f"Request bodies are limited to {self.max_body_bytes} bytes.",
            limit_bytes=self.max_body_bytes,
        )

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, error: DomainError) -> None:
        response = self.render(Request(scope, receive), error)
        response.headers["Connection"] = "close"  # the unread body must not start a new request
        await response(scope, receive, send)


def _declared_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


def _has_nul(scope: Scope) -> bool:
    raw = scope.get("raw_path") or scope.get("path", "").encode()
    query: bytes = scope.get("query_string", b"")
    return any(b"%00" in part.lower() or b"\x00" in part for part in (raw, query)) or (
        "\x00" in scope.get("path", "")
    )
