"""Checks on the raw request before routing: the body's size while it streams, NUL in the URL
and in form bodies; and a 503 for a request the server cuts as it stops.

They run before authentication and before any parsing, so a stranger cannot make the server
buffer a large body or hand a NUL to the database (PostgreSQL refuses NUL in text). JSON bodies
are checked field by field where they are parsed (app.api.text); form bodies, url-encoded or
multipart (fields and files), are checked here, for every route at once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.errors import DomainError

Render = Callable[[Request, DomainError], Response]


class BodyTooLargeError(DomainError):
    status, code, title = 413, "body-too-large", "The request body is over the size limit"


class ServerStoppingError(DomainError):
    status, code, title = 503, "server-stopping", "The server is stopping"

    def __init__(self) -> None:
        super().__init__("The server stopped before it could answer; send the request again.")
        self.headers["Retry-After"] = "1"


class NulInUrlError(DomainError):
    status, code, title = 400, "nul-in-url", "The address contains a NUL character"


class NulInFormError(DomainError):
    status, code, title = 422, "nul-in-form", "A form field or file contains a NUL character"


FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


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
        content_type = header(scope, b"content-type").lower()
        if content_type.startswith(FORM_TYPES):
            body = await self._read_form(receive)
            if body is None:
                await self._refuse(scope, receive, send, self._too_large())
                return
            if _form_has_nul(content_type, body):
                error = NulInFormError("Remove the NUL character (U+0000); nothing was saved.")
                await self._refuse(scope, receive, send, error)
                return
            receive = replay(body, receive)
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
        except asyncio.CancelledError:
            # The server cut the request: its shutdown grace ran out. A 503 tells the client to
            # retry (with another process), where uvicorn would answer a bare 500.
            if not started:
                await self._refuse(scope, receive, send, ServerStoppingError())
            raise
        except _OverflowSignalError:
            if started:
                raise
        except Exception:
            if not over or started:
                raise
        if over and not started:
            await self._refuse(scope, receive, send, self._too_large())

    async def _read_form(self, receive: Receive) -> bytes | None:
        """The whole form body (within the limit: forms are small), or None past the limit."""
        body = bytearray()
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return bytes(body)
            body.extend(message.get("body", b""))
            if len(body) > self.max_body_bytes:
                return None
            if not message.get("more_body", False):
                return bytes(body)

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
    try:
        return int(header(scope, b"content-length"))
    except ValueError:  # absent (chunked) or not a number
        return None


def header(scope: Scope, name: bytes) -> str:
    for key, value in scope.get("headers", ()):
        if key == name:
            return str(value.decode("latin-1"))
    return ""


def _form_has_nul(content_type: str, body: bytes) -> bool:
    if b"\x00" in body:  # raw: in a multipart field, file name or file, or a url-encoded body
        return True
    if content_type.startswith("application/x-www-form-urlencoded"):
        # Encoded as %00 in a name or a value.
        text = body.decode("latin-1")
        return any("\x00" in k or "\x00" in v for k, v in parse_qsl(text, keep_blank_values=True))
    return False


def replay(body: bytes, receive: Receive) -> Receive:
    """Hand the app the body already read, then the connection's own messages (a disconnect)."""
    sent = False

    async def replayed() -> Message:
        nonlocal sent
        if sent:
            return await receive()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replayed


def _has_nul(scope: Scope) -> bool:
    raw = scope.get("raw_path") or scope.get("path", "").encode()
    query: bytes = scope.get("query_string", b"")
    return any(b"%00" in part.lower() or b"\x00" in part for part in (raw, query)) or (
        "\x00" in scope.get("path", "")
    )
