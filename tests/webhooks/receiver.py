"""A real HTTP receiver on 127.0.0.1 (OS-chosen port) that verifies Standard Webhooks signatures.

It answers from a script of status codes (then 200), records every request, and processes an
event only the first time its webhook-id arrives, as a receiver following the spec would.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from standardwebhooks import Webhook


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    url: str
    script: list[int] = field(default_factory=list)  # status codes to answer, in order
    extra_headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    hold: Callable[[], object] | None = None  # runs before answering (a gate, a signal)
    secret: str | None = None
    requests: list[Received] = field(default_factory=list)
    processed: dict[str, Any] = field(default_factory=dict)  # webhook-id -> verified payload

    def answer(self, request: Received) -> int:
        self.requests.append(request)
        if self.delay:
            time.sleep(self.delay)
        if self.hold is not None:
            self.hold()
        status = self.script.pop(0) if self.script else 200
        if 200 <= status < 300 and self.secret is not None:
            # Verify before processing; a bad signature raises and fails the test.
            payload = Webhook(self.secret).verify(request.body, request.headers)
            self.processed.setdefault(request.headers["webhook-id"], payload)
        return status


@contextmanager
def webhook_receiver(**options: Any) -> Iterator[Receiver]:
    """Run a receiver on 127.0.0.1; yield it (set `.secret` once the endpoint exists)."""
    receiver: Receiver

    class Handler(BaseHTTPRequestHandler):
        def _handle(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            request = Received(
                self.command,
                self.path,
                {k.lower(): v for k, v in self.headers.items()},
                self.rfile.read(length),
            )
            status = receiver.answer(request)
            self.send_response(status)
            for name, value in receiver.extra_headers.items():
                self.send_header(name, value)
            self.send_header("content-length", "0")
            self.end_headers()

        def do_POST(self) -> None:
            self._handle()

        def do_PATCH(self) -> None:
            self._handle()

        def log_message(self, *_args: Any) -> None:  # keep test output quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    receiver = Receiver(url=f"http://127.0.0.1:{server.server_port}/hooks", **options)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
