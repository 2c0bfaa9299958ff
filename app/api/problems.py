"""The one error handler: RFC 9457 problem+json for the API, an HTML page for browser paths."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.errors import (
    DatabaseUnavailableError,
    DomainError,
    InvalidRequestError,
    MalformedRequestError,
)

PROBLEM_JSON = "application/problem+json"
log = logging.getLogger(__name__)

HtmlErrorPage = Callable[[Request, DomainError], Response]
# ATS partner APIs authenticate with HTTP Basic (the API key as user name, no password).
PARTNER_PATHS = ("/integrations/",)
_MACHINE_PATHS = ("/api/", *PARTNER_PATHS, "/openapi.json", "/healthz", "/readyz", "/metrics")


def is_api_path(path: str) -> bool:
    """True for paths that programs call (JSON errors); every other path is a browser page."""
    return path.startswith(_MACHINE_PATHS)


def problem_response(error: DomainError, instance: str | None = None) -> JSONResponse:
    body: dict[str, Any] = {
        "type": f"/problems/{error.code}",
        "title": error.title,
        "status": error.status,
        "detail": error.detail,
    }
    if instance:
        body["instance"] = instance
    body.update(error.extensions)
    headers = {"WWW-Authenticate": "Bearer"} if error.status == 401 else {}
    headers.update(error.headers)
    return JSONResponse(body, status_code=error.status, media_type=PROBLEM_JSON, headers=headers)


def problem_responses(*errors: type[DomainError]) -> dict[int | str, dict[str, Any]]:
    """The `responses=` entry of a route, so OpenAPI lists the problems it can return."""
    out: dict[int | str, dict[str, Any]] = {}
    for error in errors:
        entry = out.setdefault(error.status, {"description": "", "content": {PROBLEM_JSON: {}}})
        entry["description"] = " | ".join(filter(None, [entry["description"], error.code]))
    return out


def install(app: FastAPI, *, html_page: HtmlErrorPage | None = None) -> HtmlErrorPage:
    """Register the handlers; browser paths get `html_page` when given, never JSON or a trace.

    Returns the renderer, for middleware that answers before routing (app.api.guards).
    """

    def respond(request: Request, problem: DomainError) -> Response:
        path = request.url.path
        if html_page is not None and not is_api_path(path):
            return html_page(request, problem)
        return problem_response(problem, path)

    @app.exception_handler(DomainError)
    async def _domain(request: Request, exc: DomainError) -> Response:
        return respond(request, exc)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        errors = exc.errors()
        if any(e.get("type") == "json_invalid" for e in errors):
            return respond(request, MalformedRequestError())
        problem = InvalidRequestError(
            "; ".join(_describe(e) for e in errors), errors=[_jsonable(e) for e in errors]
        )
        return respond(request, problem)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        code = {404: "not-found", 405: "method-not-allowed"}.get(exc.status_code, "http-error")
        problem = _FrameworkError(exc.status_code, code, str(exc.detail))
        problem.headers.update(exc.headers or {})
        if exc.status_code == 405:
            # The router names only the first route of the path; list every method it has.
            problem.headers["Allow"] = allowed_methods(request)
        return respond(request, problem)

    async def _database_down(request: Request, exc: Exception) -> Response:
        return respond(request, outage_problem(request.method, exc))

    for outage in DATABASE_OUTAGES:
        app.add_exception_handler(outage, _database_down)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, _exc: Exception) -> Response:
        log.exception("unhandled error on %s", request.url.path)
        problem = _FrameworkError(500, "internal-error", "Internal error")
        problem.detail = "An unexpected error occurred; nothing was changed."
        return respond(request, problem)

    return respond


DATABASE_OUTAGES = (OperationalError, InterfaceError, PoolTimeoutError)


def outage_problem(method: str, exc: Exception) -> DatabaseUnavailableError:
    """An outage, not a bug: the client may retry, and the process recovers by itself (the pool
    pings and reconnects). The driver's message stays out of the answer."""
    log.warning("database unavailable on %s %s", method, type(exc).__name__)
    return DatabaseUnavailableError()


def allowed_methods(request: Request) -> str:
    """Every method the app serves at the request's path (for a 405's `Allow`)."""
    path = request.url.path
    methods: set[str] = set()
    for route in _flat(request.app.routes):
        regex = getattr(route, "path_regex", None)
        if regex is not None and regex.match(path):
            methods |= set(getattr(route, "methods", None) or ())
    return ", ".join(sorted(methods))


def _flat(routes: list[Any]) -> Iterator[Any]:
    for route in routes:
        if hasattr(route, "effective_route_contexts"):  # an included router (FastAPI >= 0.16x)
            yield from route.effective_route_contexts()
        else:
            yield route


class _FrameworkError(DomainError):
    """A problem raised by the framework itself (unknown route, wrong method, a crash)."""

    def __init__(self, status: int, code: str, title: str) -> None:
        super().__init__(title)
        self.status, self.code, self.title = status, code, title


def _describe(error: Any) -> str:
    location = ".".join(str(p) for p in error.get("loc", ()) if p != "body")
    return f"{location}: {error.get('msg')}" if location else str(error.get("msg"))


def _jsonable(error: Any) -> dict[str, Any]:
    return {"loc": list(error.get("loc", ())), "msg": error.get("msg"), "type": error.get("type")}
