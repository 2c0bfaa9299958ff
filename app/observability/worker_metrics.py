"""A grading worker's metrics on a port of its own (WORKER_METRICS_PORT): workers serve no HTTP
otherwise, and each process is its own Prometheus target (README, scaled mode)."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from prometheus_client import REGISTRY, make_wsgi_app

from app.observability.access import metrics_allowed


class _Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass  # a scrape every few seconds is not worth a log line


class MetricsServer:
    """Serves GET /metrics on a daemon thread until closed."""

    def __init__(self, port: int, token: str | None) -> None:
        metrics = make_wsgi_app(REGISTRY)

        def guarded(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
            allowed = metrics_allowed(
                environ.get("REMOTE_ADDR"), environ.get("HTTP_AUTHORIZATION"), token
            )
            if not allowed:
                start_response("403 Forbidden", [("Content-Type", "text/plain")])
                return [b"metrics are for the configured scraper\n"]
            return metrics(environ, start_response)  # type: ignore[no-any-return]

        # With a token any address may ask (the token decides); without, loopback only.
        host = "0.0.0.0" if token else "127.0.0.1"
        self._server = make_server(host, port, guarded, _Server, handler_class=_Quiet)
        self.port = self._server.server_port
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="metrics", daemon=True
        )
        self._thread.start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
