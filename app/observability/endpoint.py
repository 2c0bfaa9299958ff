"""GET /metrics on an API process: its Prometheus metrics, for whoever metrics_allowed() lets in."""

from __future__ import annotations

from fastapi import FastAPI, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest

from app.errors import DomainError
from app.observability.access import metrics_allowed


class MetricsForbiddenError(DomainError):
    status = 403
    code = "metrics-forbidden"
    title = "Metrics are for the configured scraper"


def install(app: FastAPI, token: str | None) -> None:
    def metrics(request: Request) -> Response:
        """The process's metrics in Prometheus' text format."""
        client = request.client.host if request.client else None
        if not metrics_allowed(client, request.headers.get("authorization"), token):
            raise MetricsForbiddenError(
                "Send METRICS_TOKEN as a bearer token"
                if token
                else "Without METRICS_TOKEN, only clients on this host are answered."
            )
        # A def route: the queue depth collector reads the database.
        return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)

    app.add_api_route("/metrics", metrics, methods=["GET"], include_in_schema=False)
