"""The app's routes as (path, method, name, Permission), however FastAPI nests them."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute

from app.access.policy import Action
from app.api.problems import is_api_path
from app.deps import Permission


@dataclass(frozen=True)
class Route:
    path: str
    method: str
    name: str
    permission: Permission | None
    status_code: int | None
    params: frozenset[str]

    @property
    def action(self) -> Action | None:
        return self.permission.action if self.permission else None

    @property
    def is_api(self) -> bool:
        return is_api_path(self.path)  # /api/ and the ATS partner paths take API keys

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


def app_routes(app: FastAPI) -> list[Route]:
    routes = []
    for path, route in _walk(app.routes):
        for method in sorted(route.methods - {"HEAD"}):
            routes.append(
                Route(
                    path,
                    method,
                    route.name,
                    _permission(route),
                    route.status_code,
                    frozenset(route.param_convertors),
                )
            )
    return routes


def _walk(routes: list[Any]) -> Iterator[tuple[str, APIRoute]]:
    for route in routes:
        if isinstance(route, APIRoute):
            yield route.path, route
        elif hasattr(route, "effective_route_contexts"):  # FastAPI >= 0.16x includes lazily
            for context in route.effective_route_contexts():
                if isinstance(context.original_route, APIRoute):
                    yield context.path, context.original_route


def _permission(route: APIRoute) -> Permission | None:
    stack = list(route.dependant.dependencies)
    while stack:
        dependant = stack.pop()
        if isinstance(dependant.call, Permission):
            return dependant.call
        stack.extend(dependant.dependencies)
    return None
